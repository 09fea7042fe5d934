"""Reads of the portal: the person's schools, the launcher, the home page's sections, `/me`.

Every read that a page does more than once (rights, preference, layout, launcher, unread count)
is computed once per request and person, so the frame and the home page share it. The home
page costs the same number of queries whatever the number of memberships, grants and services.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.templatetags.static import static
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext

from ent.announcements.models import Announcement
from ent.announcements.queries import Shown, shown_now
from ent.directory.models import (
    Enrolment,
    Guardianship,
    Membership,
    Profile,
    School,
    TeachingAssignment,
    User,
)
from ent.notifications.models import Notification
from ent.notifications.queries import latest_for, unread_count
from ent.rights.queries import Rights, ServiceAccess, effective_rights, rights_of, services_for
from ent.rights.registry import Level, ServiceDeclaration

from .channel import CHANNEL_KEY, CHANNELS, MOBILE, WEB, device_channel
from .models import Preference, SchoolPage
from .personalisation import EffectiveLayout, arrange, effective_layout, preference_of

SCHOOL_KEY = "portal.school"
TEACHING_PROFILES = frozenset({Profile.ENS, Profile.DOC})
MANAGER_PROFILES = frozenset({Profile.DIR, Profile.ETA})

T = TypeVar("T")


def _memo(request: HttpRequest, key: str, person: User, compute: Callable[[], T]) -> T:
    """Compute `key` for `person` once per request."""
    store: dict[tuple[str, int], Any] = request.__dict__.setdefault("_portal_memo", {})
    if (key, person.pk) not in store:
        store[key, person.pk] = compute()
    result: T = store[key, person.pk]
    return result


def signed_in(request: HttpRequest) -> User | None:
    """Return the signed-in person of `request`, None for an anonymous visitor."""
    user = request.user
    return user if isinstance(user, User) and user.is_active else None


def person_rights(request: HttpRequest, person: User) -> Rights:
    """Return `person`'s rights now, computed once per request (SOC-SEC-AUT-01)."""
    if request.user.pk == person.pk:
        return rights_of(request)
    return _memo(request, "rights", person, lambda: effective_rights(person))


# Schools and contexts ------------------------------------------------------------------------


@dataclass(frozen=True)
class SchoolContext:
    """A school the person acts in, with the profiles they hold there."""

    school_id: int
    uai: str
    label: str
    profiles: tuple[str, ...]
    is_current: bool = False

    @property
    def profile_labels(self) -> list[str]:
        return [str(Profile(code).label) for code in self.profiles if code in Profile.values]


def _contexts(request: HttpRequest, person: User) -> list[SchoolContext]:
    rights = person_rights(request, person)
    profiles: dict[int, set[str]] = defaultdict(set)
    for role in rights.roles:
        profiles[role.school_id].add(role.profile)
    if not profiles:
        return []
    schools = (
        School.objects.filter(pk__in=profiles, is_active=True)
        .only("pk", "uai", "name")
        .order_by("name", "pk")
    )
    return [
        SchoolContext(school.pk, school.uai, school.name, tuple(sorted(profiles[school.pk])))
        for school in schools
    ]


def school_contexts(request: HttpRequest, person: User) -> list[SchoolContext]:
    """Return the schools where `person` holds a role now, the current one marked."""
    contexts = _memo(request, "contexts", person, lambda: _contexts(request, person))
    current = current_school(request, person)
    return [
        SchoolContext(c.school_id, c.uai, c.label, c.profiles, c.school_id == current)
        for c in contexts
    ]


def current_school(request: HttpRequest, person: User | None = None) -> int | None:
    """Return the id of the school the person works in now: their choice kept in the session
    when it is still one of theirs, else the first of their schools (None: no school)."""
    person = person or signed_in(request)
    if person is None:
        return None
    contexts = _memo(request, "contexts", person, lambda: _contexts(request, person))
    ids = [context.school_id for context in contexts]
    chosen = request.session.get(SCHOOL_KEY) if hasattr(request, "session") else None
    if chosen in ids:
        return int(chosen)
    return ids[0] if ids else None


# Channel, preference, layout -----------------------------------------------------------------


def person_preference(request: HttpRequest, person: User) -> Preference:
    """Return `person`'s preferences, read once per request."""
    return _memo(request, "preference", person, lambda: preference_of(person))


def person_layout(request: HttpRequest, person: User) -> EffectiveLayout:
    """Return the layout that applies to `person` in their current school."""
    return _memo(
        request,
        "layout",
        person,
        lambda: effective_layout(person, current_school(request, person)),
    )


def current_channel(request: HttpRequest, person: User | None = None) -> str:
    """Return the channel to serve (SOC-POR-GMC-01): the choice made in this session, else
    the web on a phone whose owner prefers the classic site, else the device's channel."""
    chosen = request.session.get(CHANNEL_KEY) if hasattr(request, "session") else None
    if chosen in CHANNELS:
        return str(chosen)
    device = device_channel(request)
    classic = person is not None and person_preference(request, person).prefers_classic_site
    return WEB if device == MOBILE and classic else device


# The launcher ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class LauncherEntry:
    """One service on the launcher: its stable code, label and the portal's launch URL."""

    code: str
    label: str
    href: str
    target: str
    external: bool
    icon: str
    level: int
    school_ids: frozenset[int] | None

    @property
    def level_label(self) -> str:
        return str(Level(self.level).label) if self.level in Level.values else ""


def service_target(declaration: ServiceDeclaration) -> str:
    """Return where a service opens: a connector's absolute URL or the app's page ("": none)."""
    if declaration.url:
        return declaration.url if urlsplit(declaration.url).scheme in {"http", "https"} else ""
    if not declaration.url_name:
        return ""
    try:
        return reverse(declaration.url_name)
    except NoReverseMatch:
        return ""


def _available(request: HttpRequest, person: User) -> list[ServiceAccess]:
    channel = current_channel(request, person)
    return [
        access
        for access in services_for(
            person_rights(request, person), school=current_school(request, person)
        )
        if channel in access.declaration.channels and service_target(access.declaration)
    ]


def available_services(request: HttpRequest, person: User) -> list[ServiceAccess]:
    """Return the services `person` may open in their current school on this channel, before
    personal hiding (SOC-POR-PPO-04: computed from the central authorisation)."""
    return _memo(request, "available", person, lambda: _available(request, person))


def _entry(access: ServiceAccess) -> LauncherEntry:
    declaration = access.declaration
    return LauncherEntry(
        code=declaration.code,
        label=str(declaration.label),
        href=reverse("portal:launch", args=[declaration.code]),
        target=service_target(declaration),
        external=bool(declaration.url),
        icon=declaration.icon,
        level=access.level,
        school_ids=access.school_ids,
    )


def launcher(request: HttpRequest, person: User) -> list[LauncherEntry]:
    """Return the launcher of `person`: their services, hidden and ordered as they and the
    levels above them chose (SOC-POR-PPO-03..07)."""

    def compute() -> list[LauncherEntry]:
        arranged = arrange(
            available_services(request, person),
            person_layout(request, person),
            person_preference(request, person),
        )
        return [_entry(access) for access in arranged]

    return _memo(request, "launcher", person, compute)


# Notifications ------------------------------------------------------------------------------


def unread_notifications(request: HttpRequest, person: User) -> int:
    """Return how many notifications `person` has not read, counted once per request."""
    return _memo(request, "unread", person, lambda: unread_count(person))


def shown_announcements(request: HttpRequest, person: User) -> Shown:
    """Return the alerts and news shown to `person`, read once per request: the banner of
    every page and the home widget share one query (UTI-CCO-AIN)."""
    return _memo(request, "announcements", person, lambda: shown_now(person))


# Home page sections ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Division:
    """A class or teaching group, in its school (and with its subject for a teacher)."""

    label: str
    school: str
    school_uai: str
    is_group: bool = False
    subject: str = ""


@dataclass(frozen=True)
class Child:
    """A child of a guardian, with their classes."""

    uuid: str
    name: str
    divisions: tuple[Division, ...]


@dataclass(frozen=True)
class SchoolDivisions:
    """The divisions a teacher teaches in one school."""

    school: str
    divisions: tuple[Division, ...]


@dataclass(frozen=True)
class Shortcut:
    """A link of the administration section."""

    url: str
    label: str
    code: str


def _division(enrolment: Enrolment | TeachingAssignment) -> Division:
    subject = ""
    if isinstance(enrolment, TeachingAssignment):
        subject = enrolment.subject.label if enrolment.subject else enrolment.subject_code
    division = enrolment.school_class or enrolment.teaching_group
    assert division is not None  # noqa: S101  # S101: a check constraint makes class xor group
    school = division.school
    return Division(
        str(division),
        school.name,
        school.uai,
        is_group=enrolment.school_class is None,
        subject=subject,
    )


def pupil_divisions(person: User) -> list[Division]:
    """Return the classes and groups `person` is enrolled in, in one query."""
    enrolments = (
        Enrolment.objects.filter(pupil=person)
        .select_related("school_class__school", "teaching_group__school")
        .order_by("teaching_group", "school_class__code", "teaching_group__code")
    )
    return [_division(enrolment) for enrolment in enrolments]


def children_of(person: User) -> list[Child]:
    """Return `person`'s children with their classes and schools, in two queries."""
    links = (
        Guardianship.objects.filter(guardian=person, pupil__is_active=True)
        .select_related("pupil")
        .prefetch_related(
            Prefetch(
                "pupil__enrolments",
                queryset=Enrolment.objects.select_related(
                    "school_class__school", "teaching_group__school"
                ).order_by("teaching_group", "school_class__code", "teaching_group__code"),
            )
        )
        .order_by("pupil__first_name", "pupil__last_name", "pk")
    )
    return [
        Child(
            str(link.pupil.uuid),
            link.pupil.display_name,
            tuple(_division(enrolment) for enrolment in link.pupil.enrolments.all()),
        )
        for link in links
    ]


def teaching_of(person: User) -> list[SchoolDivisions]:
    """Return the classes and groups `person` teaches, per school, in one query."""
    assignments = (
        TeachingAssignment.objects.filter(teacher=person)
        .select_related("school_class__school", "teaching_group__school", "subject")
        .order_by("school_class__code", "teaching_group__code", "subject_code")
    )
    by_school: dict[str, list[Division]] = defaultdict(list)
    for assignment in assignments:
        division = _division(assignment)
        by_school[division.school].append(division)
    return [SchoolDivisions(school, tuple(by_school[school])) for school in sorted(by_school)]


def _reverse(name: str) -> str:
    try:
        return reverse(name)
    except NoReverseMatch:
        return ""


def admin_shortcuts(rights: Rights, profiles: frozenset[str]) -> list[Shortcut]:
    """Return the administration links a head of school or school staff may follow."""
    shortcuts = []
    if rights.has("school_admin", level=Level.MANAGE):
        url = _reverse("backoffice:home")
        if url:
            shortcuts.append(Shortcut(url, gettext("School administration"), "backoffice"))
    if profiles & MANAGER_PROFILES:
        url = _reverse("identity:accounts")
        if url:
            shortcuts.append(Shortcut(url, gettext("Accounts of the school"), "accounts"))
        url = _reverse("identity:classes")
        if url:
            shortcuts.append(Shortcut(url, gettext("Activation letters by class"), "classes"))
    return shortcuts


@dataclass(frozen=True)
class HomePage:
    """Everything the signed-in home page shows."""

    person: User
    profiles: frozenset[str]
    contexts: list[SchoolContext]
    launcher: list[LauncherEntry]
    channel: str
    messages: tuple[str, ...]
    divisions: list[Division] = field(default_factory=list)
    children: list[Child] = field(default_factory=list)
    teaching: list[SchoolDivisions] = field(default_factory=list)
    shortcuts: list[Shortcut] = field(default_factory=list)
    unread: int = 0
    notifications: list[Notification] = field(default_factory=list)
    # UTI-CCO-AIN: the news widget, for people granted news and alerts (None: no widget).
    news: list[Announcement] | None = None

    @property
    def compact(self) -> bool:
        return self.channel == MOBILE


def home_page(request: HttpRequest, person: User) -> HomePage:
    """Gather the home page of `person`: sections follow the profiles they hold anywhere, the
    launcher follows their current school (a constant number of queries)."""
    rights = person_rights(request, person)
    profiles = frozenset(role.profile for role in rights.roles)
    return HomePage(
        person=person,
        profiles=profiles,
        contexts=school_contexts(request, person),
        launcher=launcher(request, person),
        channel=current_channel(request, person),
        messages=person_layout(request, person).messages,
        divisions=pupil_divisions(person) if Profile.ELV in profiles else [],
        children=children_of(person) if Profile.TUT in profiles else [],
        teaching=teaching_of(person) if profiles & TEACHING_PROFILES else [],
        shortcuts=admin_shortcuts(rights, profiles),
        unread=unread_notifications(request, person),
        notifications=latest_for(person, limit=5),
        news=shown_announcements(request, person).news if rights.has("announcements") else None,
    )


# The frame's data ------------------------------------------------------------------------------


def academy_logo() -> str:
    """Return the URL of the académie's logo (SOC-POR-PPO-01): an https URL or a static path."""
    logo = str(settings.ENT_ACADEMY_LOGO)
    return logo if urlsplit(logo).scheme in {"http", "https"} else static(logo)


# Public pages -----------------------------------------------------------------------------------


def public_schools() -> QuerySet[School]:
    """Return the active schools that publish a public page, by name."""
    return School.objects.filter(is_active=True, public_page__is_published=True).order_by(
        "name", "uai"
    )


def published_page(uai: str) -> SchoolPage:
    """Return the published public page of the active school `uai`, else raise Http404."""
    return get_object_or_404(
        SchoolPage.objects.select_related("school"),
        school__uai=uai,
        school__is_active=True,
        is_published=True,
    )


# /api/v1/me -------------------------------------------------------------------------------------


def me(request: HttpRequest, person: User) -> dict[str, Any]:
    """Describe `person` for `GET /api/v1/me`: identity, memberships, classes, children,
    current school and the services of the launcher before personal hiding."""
    memberships = list(
        Membership.objects.current()
        .filter(person=person)
        .select_related("school")
        .order_by("school__name", "profile")
    )
    services = available_services(request, person)
    school_ids = {pk for access in services for pk in access.school_ids or ()}
    contexts = school_contexts(request, person)
    uais = {context.school_id: context.uai for context in contexts}
    missing = school_ids - set(uais)
    if missing:
        uais |= dict(School.objects.filter(pk__in=missing).values_list("pk", "uai"))
    current = next((context.uai for context in contexts if context.is_current), None)
    rights = person_rights(request, person)
    profiles = {role.profile for role in rights.roles}
    return {
        "person": person,
        "memberships": [
            {
                "school": {"uai": membership.school.uai, "name": membership.school.name},
                "profile": membership.profile,
                "functions": [
                    str(item.get("code", "")) for item in membership.functions or [] if item
                ],
            }
            for membership in memberships
        ],
        "classes": [_division_out(division, "pupil") for division in pupil_divisions(person)]
        + [
            _division_out(division, "teacher")
            for school in (teaching_of(person) if profiles & TEACHING_PROFILES else [])
            for division in school.divisions
        ],
        "children": [
            {
                "uuid": child.uuid,
                "display_name": child.name,
                "classes": [_division_out(division, "pupil") for division in child.divisions],
            }
            for child in (children_of(person) if Profile.TUT in profiles else [])
        ],
        "current_school": current,
        "services": [
            {
                "code": access.code,
                "label": str(access.declaration.label),
                "level": access.level,
                "url": service_target(access.declaration),
                "launch_url": reverse("portal:launch", args=[access.code]),
                "external": bool(access.declaration.url),
                "school_uais": None
                if access.school_ids is None
                else sorted(uais[pk] for pk in access.school_ids if pk in uais),
            }
            for access in services
        ],
    }


def _division_out(division: Division, role: str) -> dict[str, Any]:
    return {
        "label": division.label,
        "school": division.school,
        "school_uai": division.school_uai,
        "is_group": division.is_group,
        "subject": division.subject,
        "role": role,
    }
