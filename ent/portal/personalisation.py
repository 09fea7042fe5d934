"""Personalisation within rights (SOC-POR-PPO-03..07, UTI-UTL-PER): what each level may set and
what a person finally sees. Contract used by the home page.

Layouts apply from the top down: the project (no school), the school, the person's profiles in
the school, then the person's classes and teaching groups. A lower level overrides the order and
the theme of the levels above; hidden services add up; locked services (PPO-03, information from
the administrations) add up and are never hidden below. A level that forbids personal themes or
hiding binds every level below it, down to the person (PPO-06, -07: "within limits set by the
school"). The person's own choices come last and never add a service: the input of `arrange` is
already limited to their rights (PPO-04).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, Q, QuerySet
from django.utils import timezone

from ent.directory.models import (
    Enrolment,
    HeadTeacher,
    Membership,
    Profile,
    School,
    SchoolClass,
    TeachingAssignment,
    TeachingGroup,
    User,
)
from ent.rights.permissions import ADMIN_SERVICE, is_operator
from ent.rights.queries import Rights, ServiceAccess, effective_rights, services_for
from ent.rights.registry import PROFILES, Level, ServiceDeclaration, declared_services

from .models import Layout, Preference, SchoolPage, Theme
from .permissions import can_manage_school_portal

PROJECT, SCHOOL, PROFILE, DIVISION = range(4)


@dataclass(frozen=True)
class EffectiveLayout:
    """The merged defaults and limits of the project, the school, the profile and the groups."""

    hidden: frozenset[str] = frozenset()
    order: tuple[str, ...] = ()
    locked: frozenset[str] = frozenset()
    theme: str = ""
    allow_personal_theme: bool = True
    allow_personal_hiding: bool = True
    messages: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class ServiceChoice:
    """A service the person holds, as the preferences page offers it."""

    access: ServiceAccess
    shown: bool
    locked: bool

    @property
    def code(self) -> str:
        return self.access.code


@dataclass(frozen=True)
class PreferencePage:
    """What the preferences page shows: the person's choices and the limits they live in."""

    preference: Preference
    layout: EffectiveLayout
    choices: tuple[ServiceChoice, ...]
    held: frozenset[str]
    # The levels the person sets for others: their schools' portals, their classes and groups.
    managed_schools: tuple[School, ...] = ()
    classes: tuple[SchoolClass, ...] = ()
    groups: tuple[TeachingGroup, ...] = ()


def preference_of(person: User) -> Preference:
    """Return `person`'s preferences (unsaved defaults when they never chose any)."""
    return Preference.objects.filter(person=person).first() or Preference(person=person)


def _project_q() -> Q:
    return Q(school=None, profile="", school_class=None, teaching_group=None)


def _layouts_q(person: User, school_id: int) -> Q:
    """Layouts of `school_id` that apply to `person`, as subqueries of one statement."""
    today = timezone.localdate()
    profiles = Membership.objects.current(today).filter(person=person, school_id=school_id)
    # SDET §9.1: a guardian holds the TUT profile in the school of each child.
    wards = Membership.objects.current(today).filter(
        school_id=school_id,
        profile=Profile.ELV,
        person__is_active=True,
        person__guardianships__guardian=person,
        person__guardianships__has_legal_authority=True,
    )
    classes = (
        Q(school_class__in=Enrolment.objects.filter(pupil=person).values("school_class"))
        | Q(
            school_class__in=TeachingAssignment.objects.filter(teacher=person).values(
                "school_class"
            )
        )
        | Q(school_class__in=HeadTeacher.objects.filter(teacher=person).values("school_class"))
    )
    groups = Q(
        teaching_group__in=Enrolment.objects.filter(pupil=person).values("teaching_group")
    ) | Q(
        teaching_group__in=TeachingAssignment.objects.filter(teacher=person).values(
            "teaching_group"
        )
    )
    no_division = Q(school_class=None, teaching_group=None)
    return Q(school_id=school_id) & (
        (no_division & Q(profile=""))
        | (no_division & Q(profile__in=profiles.values("profile")))
        | (no_division & Q(profile=Profile.TUT) & Q(Exists(wards)))
        | (Q(profile="") & (classes | groups))
    )


def _rank(layout: Layout) -> int:
    if layout.school_id is None:
        return PROJECT
    if layout.school_class_id or layout.teaching_group_id:
        return DIVISION
    return PROFILE if layout.profile else SCHOOL


def _sort_key(layout: Layout) -> tuple[int, str, int, int]:
    return (
        _rank(layout),
        layout.profile,
        layout.school_class_id or 0,
        layout.teaching_group_id or 0,
    )


def _unique(codes: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(codes))


def merge_layouts(layouts: Iterable[Layout]) -> EffectiveLayout:
    """Merge layouts from the top level down; the limits of a level bind the levels below."""
    hidden: set[str] = set()
    locked: set[str] = set()
    order: tuple[str, ...] = ()
    theme = ""
    allow_theme = allow_hiding = True
    messages: list[str] = []
    rows = sorted(layouts, key=_sort_key)
    for rank in (PROJECT, SCHOOL, PROFILE, DIVISION):
        level = [row for row in rows if _rank(row) == rank]
        for row in level:
            locked.update(row.locked_services)
            if allow_hiding:
                hidden.update(row.hidden_services)
            if row.service_order:
                order = _unique([*row.service_order, *order])
            if row.theme and allow_theme:
                theme = row.theme
            if row.message.strip():
                messages.append(row.message.strip())
        # Siblings (two classes, two profiles) do not limit each other, only the levels below.
        allow_theme = allow_theme and all(row.allow_personal_theme for row in level)
        allow_hiding = allow_hiding and all(row.allow_personal_hiding for row in level)
    return EffectiveLayout(
        hidden=frozenset(hidden - locked),
        order=order,
        locked=frozenset(locked),
        theme=theme,
        allow_personal_theme=allow_theme,
        allow_personal_hiding=allow_hiding,
        messages=tuple(messages),
    )


def effective_layout(person: User, school_id: int | None) -> EffectiveLayout:
    """Merge the layouts that apply to `person` in the school `school_id`: one query."""
    scope = _project_q()
    if school_id is not None and person.is_authenticated:
        scope |= _layouts_q(person, school_id)
    return merge_layouts(Layout.objects.filter(scope))


def strictest(layouts: Sequence[EffectiveLayout]) -> EffectiveLayout:
    """Combine the layouts of several schools: a limit set anywhere holds everywhere."""
    if not layouts:
        return EffectiveLayout()
    first = layouts[0]
    return EffectiveLayout(
        hidden=frozenset.intersection(*(layout.hidden for layout in layouts)),
        order=first.order,
        locked=frozenset().union(*(layout.locked for layout in layouts)),
        theme=first.theme,
        allow_personal_theme=all(layout.allow_personal_theme for layout in layouts),
        allow_personal_hiding=all(layout.allow_personal_hiding for layout in layouts),
        messages=_unique(message for layout in layouts for message in layout.messages),
    )


def personal_limits(person: User, rights: Rights) -> EffectiveLayout:
    """Return the limits of `person`'s own choices: those of every school they belong to."""
    school_ids = sorted({role.school_id for role in rights.roles})
    if not school_ids:
        return effective_layout(person, None)
    return strictest([effective_layout(person, school_id) for school_id in school_ids])


def _order_key(layout: EffectiveLayout, preference: Preference) -> Any:
    personal = {code: index for index, code in enumerate(preference.service_order)}
    shared = {code: index for index, code in enumerate(layout.order)}
    last = len(personal) + len(shared)

    def key(access: ServiceAccess) -> tuple[int, int, str]:
        return (
            personal.get(access.code, last),
            shared.get(access.code, last),
            str(access.declaration.label).casefold(),
        )

    return key


def arrange(
    services: list[ServiceAccess], layout: EffectiveLayout, preference: Preference
) -> list[ServiceAccess]:
    """Hide and order `services` (already limited to the person's rights); never add one."""
    personal = set(preference.hidden_services) if layout.allow_personal_hiding else set()
    dropped = (personal | layout.hidden) - layout.locked
    kept = [access for access in services if access.code not in dropped]
    return sorted(kept, key=_order_key(layout, preference))


def choices_for(
    services: list[ServiceAccess], layout: EffectiveLayout, preference: Preference
) -> tuple[ServiceChoice, ...]:
    """Return the services the person may show, hide or move, in their current order."""
    personal = set(preference.hidden_services)
    offered = [access for access in services if access.code not in layout.hidden - layout.locked]
    return tuple(
        ServiceChoice(
            access=access,
            shown=access.code in layout.locked or access.code not in personal,
            locked=access.code in layout.locked,
        )
        for access in sorted(offered, key=_order_key(layout, preference))
    )


def _launchable(declaration: ServiceDeclaration) -> bool:
    """Tell whether a service has an entry on the home page (a page or a connector to open)."""
    return bool(declaration.url or declaration.url_name)


def preference_page(person: User) -> PreferencePage:
    """Gather what the preferences page of `person` needs."""
    rights = effective_rights(person)
    services = [access for access in services_for(rights) if _launchable(access.declaration)]
    preference = preference_of(person)
    layout = personal_limits(person, rights)
    managed = rights.school_ids(ADMIN_SERVICE, level=Level.MANAGE)
    if managed is None:
        managed = {role.school_id for role in rights.roles}
    taught = TeachingAssignment.objects.filter(teacher=person)
    return PreferencePage(
        preference=preference,
        layout=layout,
        choices=choices_for(services, layout, preference),
        held=frozenset(access.code for access in services),
        managed_schools=tuple(School.objects.filter(pk__in=managed).order_by("name")),
        classes=tuple(
            SchoolClass.objects.filter(
                Q(pk__in=taught.values("school_class"))
                | Q(pk__in=HeadTeacher.objects.filter(teacher=person).values("school_class"))
            )
            .select_related("school")
            .order_by("school__name", "code")
        ),
        groups=tuple(
            TeachingGroup.objects.filter(pk__in=taught.values("teaching_group"))
            .select_related("school")
            .order_by("school__name", "code")
        ),
    )


def preference_summary(person: User) -> dict[str, Any]:
    """Return `person`'s preferences and limits, as the API describes them."""
    page = preference_page(person)
    preference = page.preference
    return {
        "hidden": [code for code in preference.hidden_services if code in page.held],
        "order": [code for code in preference.service_order if code in page.held],
        "theme": preference.theme,
        "text_size": preference.text_size,
        "high_contrast": preference.high_contrast,
        "dyslexia_font": preference.dyslexia_font,
        "reduce_motion": preference.reduce_motion,
        "prefers_classic_site": preference.prefers_classic_site,
        "services": [choice.code for choice in page.choices],
        "locked": sorted(page.layout.locked & page.held),
        "allow_personal_theme": page.layout.allow_personal_theme,
        "allow_personal_hiding": page.layout.allow_personal_hiding,
        "html_classes": html_classes(preference, page.layout),
    }


def html_classes(preference: Preference, layout: EffectiveLayout) -> str:
    """Return the classes of <html> for the theme and the presentation aids."""
    personal = preference.theme if layout.allow_personal_theme else ""
    theme = personal or layout.theme
    classes = []
    if theme and theme != Theme.DEFAULT:
        classes.append(f"theme-{theme.lower()}")
    if preference.text_size and preference.text_size != 100:
        classes.append(f"aid-text-{preference.text_size}")
    if preference.high_contrast:
        classes.append("aid-contrast")
    if preference.dyslexia_font:
        classes.append("aid-dyslexia")
    if preference.reduce_motion:
        classes.append("aid-reduce-motion")
    return " ".join(classes)


def layout_schools(person: User) -> QuerySet[School]:
    """Return the schools whose personalisation pages `person` may see exist."""
    schools = School.objects.filter(is_active=True)
    if is_operator(person):
        return schools
    return schools.filter(
        pk__in=Membership.objects.current().filter(person=person).values("school")
    )


def layout_at(
    school: School | None,
    profile: str = "",
    school_class: SchoolClass | None = None,
    teaching_group: TeachingGroup | None = None,
) -> Layout:
    """Return the layout row of one level (unsaved defaults when none was set)."""
    scope: dict[str, Any] = {
        "school": school,
        "profile": profile,
        "school_class": school_class,
        "teaching_group": teaching_group,
    }
    return Layout.objects.filter(**scope).first() or Layout(**scope)


def layout_above(
    school: School | None,
    profile: str = "",
    school_class: SchoolClass | None = None,
    teaching_group: TeachingGroup | None = None,
) -> EffectiveLayout:
    """Merge the levels above one level: the limits it must keep within."""
    if school is None:
        return EffectiveLayout()
    scope = _project_q()
    if profile or school_class or teaching_group:
        scope |= Q(school=school, profile="", school_class=None, teaching_group=None)
    return merge_layouts(Layout.objects.filter(scope))


@dataclass(frozen=True)
class LayoutPage:
    """What the layout page of one level shows: its row, the limits above and the other levels."""

    school: School
    layout: Layout
    above: EffectiveLayout
    services: tuple[ServiceDeclaration, ...]
    # (code, label) of each profile that has its own level.
    profiles: tuple[tuple[str, str], ...]
    classes: tuple[SchoolClass, ...]
    groups: tuple[TeachingGroup, ...]
    profile_label: str = ""

    def initial(self) -> dict[str, Any]:
        """Return the layout form's initial values."""
        layout = self.layout
        initial: dict[str, Any] = {
            "hidden": list(layout.hidden_services),
            "locked": list(layout.locked_services),
            "theme": layout.theme,
            "allow_personal_theme": layout.allow_personal_theme,
            "allow_personal_hiding": layout.allow_personal_hiding,
            "message": layout.message,
        }
        for index, code in enumerate(layout.service_order, start=1):
            initial[f"position_{code}"] = index
        return initial


def layout_page(
    person: User,
    school: School,
    *,
    profile: str = "",
    school_class: SchoolClass | None = None,
    teaching_group: TeachingGroup | None = None,
) -> LayoutPage:
    """Gather the layout page of one level of `school`, with links to the levels `person` sets."""
    if can_manage_school_portal(person, school):
        classes, groups = (
            SchoolClass.objects.filter(school=school),
            TeachingGroup.objects.filter(school=school),
        )
        labels = dict(Profile.choices)
        profiles = tuple((code, str(labels.get(code, code))) for code in sorted(PROFILES))
    else:
        taught = TeachingAssignment.objects.filter(teacher=person)
        classes = SchoolClass.objects.filter(school=school).filter(
            Q(pk__in=taught.values("school_class"))
            | Q(pk__in=HeadTeacher.objects.filter(teacher=person).values("school_class"))
        )
        groups = TeachingGroup.objects.filter(school=school, pk__in=taught.values("teaching_group"))
        profiles = ()
    return LayoutPage(
        school=school,
        layout=layout_at(school, profile, school_class, teaching_group),
        above=layout_above(school, profile, school_class, teaching_group),
        services=tuple(
            sorted(
                filter(_launchable, declared_services().values()),
                key=lambda item: str(item.label).casefold(),
            )
        ),
        profiles=profiles,
        classes=tuple(classes.order_by("code")),
        groups=tuple(groups.order_by("code")),
        profile_label=str(dict(Profile.choices).get(profile, profile)),
    )


def school_page_of(school: School) -> dict[str, Any]:
    """Return the public page of `school` as the edit form's initial values."""
    page = SchoolPage.objects.filter(school=school).first()
    if page is None:
        return {"title": school.name, "body": "", "is_published": False}
    return {"title": page.title, "body": page.body, "is_published": page.is_published}
