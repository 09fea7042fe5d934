"""What the back-office tests share: a test service, URLs of a school's pages, PDF codes."""

from __future__ import annotations

import io
import re
from typing import Any

from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from pypdf import PdfReader

from ent.directory.models import Membership, Profile, School, Source, User
from ent.rights.registry import DefaultGrant, Level, ServiceDeclaration

PASSWORD = "secret-Passw0rd!"
NEW_PASSWORD = "Kangourou-Violet-Pluie-2024!"
CODE = re.compile(r"\b([A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4})\b")
# A work space declared as an app would, for teachers only: what the head shares with a tutor.
SPACE = "test_internship_space"
SPACE_SERVICE = ServiceDeclaration(
    code=SPACE,
    label="Espace de stage (test)",
    url_name="portal:home",
    defaults=(DefaultGrant(Profile.ENS, Level.USE),),
)


def page(name: str, school: School, **kwargs: Any) -> str:
    """Return the URL of a back-office page of `school`."""
    return reverse(f"backoffice:{name}", kwargs={"school_id": school.pk, **kwargs})


def member(login: str, school: School, profile: str, **fields: Any) -> User:
    """Create a person holding `profile` in `school`."""
    person = User.objects.create_user(login, PASSWORD, first_name="Test", last_name=login, **fields)
    Membership.objects.create(person=person, school=school, profile=profile, source=Source.MANUAL)
    return person


def letter_code(pdf: bytes) -> str:
    """Return the activation code an activation letter prints."""
    text = "".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages)
    found = CODE.search(text)
    assert found, "the letter prints an activation code"
    return found.group(1)


def french(msgid: str) -> str:
    """Return what a French-speaking person reads for `msgid`."""
    with translation.override("fr"):
        return gettext(msgid)


def open_session(person: User) -> str:
    """Open a session as the login page does once the credentials (and the code a head of
    school needs) are accepted; return its key, for a browser's cookie."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth.models import AnonymousUser
    from django.test import RequestFactory

    from ent.identity.session import LEVEL_STRONG, start_session

    request = RequestFactory().get("/")
    request.session = import_module(settings.SESSION_ENGINE).SessionStore()
    request.user = AnonymousUser()
    start_session(request, person, method="TOTP", level=LEVEL_STRONG)
    return request.session.session_key or ""
