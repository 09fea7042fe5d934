"""The online guide (UTI-UTL-AID-02) and the contextual help of each page (UTI-UTL-AID-01).

The guide's long text is written as HTML template fragments, one per language, rather than as
gettext msgids: a page of prose split into msgids is hard to translate and harder to review.
`support/guide/<lang>/<topic>.html` holds a topic and `support/help/<lang>/<app>/<name>.html`
the help of the page whose URL name is `app:name`. French is the default: every fragment
exists in French and in English, and a language without its fragment falls back to French.
Topic titles and summaries stay gettext msgids, as they appear in menus.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.template import TemplateDoesNotExist
from django.template.loader import select_template
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# A URL name as Django resolves it: "portal:home", "identity:account-activate".
VIEW_NAME = re.compile(r"^(?P<app>[a-z][a-z0-9_]{0,49}):(?P<name>[a-z0-9][a-z0-9_-]{0,79})$")


@dataclass(frozen=True)
class Topic:
    """A page of the guide; a profile guide names the profiles it is written for."""

    slug: str
    title: str | Promise
    summary: str | Promise
    profiles: frozenset[str] = frozenset()


PROFILE_GUIDES = (
    Topic(
        "pupil", _("Guide for pupils"), _("The ENT for pupils, step by step."), frozenset({"ELV"})
    ),
    Topic(
        "guardian",
        _("Guide for parents and guardians"),
        _("Following your child's schooling in the ENT."),
        frozenset({"TUT"}),
    ),
    Topic(
        "teacher",
        _("Guide for teachers"),
        _("Your classes, your pupils and your colleagues in the ENT."),
        frozenset({"ENS"}),
    ),
    Topic(
        "staff",
        _("Guide for school staff"),
        _("Heads of school, pupil-life, administrative staff and teacher-librarians."),
        frozenset({"DIR", "EVS", "ETA", "DOC", "ACA", "COL"}),
    ),
    Topic(
        "guest",
        _("Guide for guests"),
        _("A guest account, its limits and its end."),
        frozenset({"GST"}),
    ),
)

TOPICS = (
    Topic("sign-in", _("Signing in"), _("Your account, your password, EduConnect, signing out.")),
    Topic("home", _("Home page and services"), _("The home page, the launcher, your schools.")),
    Topic(
        "preferences",
        _("Preferences and presentation aids"),
        _("Text size, contrast, font, language and what the home page shows."),
    ),
    Topic("directory", _("Directory"), _("Finding the people of your school and their details.")),
    Topic("search", _("Searching the ENT"), _("Searching everything you may see in the ENT.")),
    Topic("notifications", _("Notifications"), _("What the ENT tells you, and where.")),
    Topic("help-tickets", _("Asking for help"), _("Requests for help, their status and history.")),
    Topic(
        "personal-data",
        _("Your personal data"),
        _("What the ENT keeps about you and your rights over it."),
    ),
    Topic(
        "referent",
        _("Handling requests as the school's référent"),
        _("For heads of school and administrators: the school's queue and escalation."),
    ),
)

ALL_TOPICS = {topic.slug: topic for topic in (*PROFILE_GUIDES, *TOPICS)}

# The closest guide topic of each app, when a page has no help of its own.
APP_TOPICS = {
    "portal": "home",
    "search": "search",
    "addressbook": "directory",
    "directory": "personal-data",
    "notifications": "notifications",
    "support": "help-tickets",
    "identity": "sign-in",
    "backoffice": "referent",
}


@dataclass(frozen=True)
class PageHelp:
    """The help found for one page: its own fragment, or the closest topic of its app."""

    view_name: str
    template: str = ""
    topic: Topic | None = None


def _languages() -> list[str]:
    current = (translation.get_language() or settings.LANGUAGE_CODE).split("-")[0]
    return list(dict.fromkeys((current, settings.LANGUAGE_CODE)))


def _template(path: str) -> str:
    """Return the template of `path` ("guide/home") in the active language, or French."""
    candidates = [f"support/{path.replace('{lang}', lang)}.html" for lang in _languages()]
    return select_template(candidates).template.name  # type: ignore[no-any-return]  # no-any-return: django-stubs types backend templates as Any


def topic_template(topic: Topic) -> str:
    """Return the template of a topic in the active language (French when missing)."""
    return _template(f"guide/{{lang}}/{topic.slug}")


def guides_for(profiles: Iterable[str]) -> list[Topic]:
    """Return the profile guides of `profiles`, in the guide's order."""
    held = set(profiles)
    return [topic for topic in PROFILE_GUIDES if topic.profiles & held]


def page_help(view_name: str) -> PageHelp | None:
    """Find the help of the page named `view_name`; None when the name is not a URL name."""
    match = VIEW_NAME.match(view_name)
    if match is None:
        return None
    app, name = match["app"], match["name"]
    try:
        return PageHelp(view_name, template=_template(f"help/{{lang}}/{app}/{name}"))
    except TemplateDoesNotExist:
        pass
    slug = APP_TOPICS.get(app)
    if slug is None:
        return None
    return PageHelp(view_name, topic=ALL_TOPICS[slug])
