"""Every change to the portal's personalisation: a person's preferences, a level's layout and a
school's public page (SOC-POR-PPO, UTI-UTL-PER)."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ent.audit.actions import record
from ent.directory.models import School, SchoolClass, TeachingGroup, User
from ent.rights.queries import effective_rights, services_for
from ent.rights.registry import PROFILES, declared_services

from .models import Layout, Preference, SchoolPage, TextSize, Theme
from .permissions import can_edit_layout, can_edit_school_page
from .personalisation import EffectiveLayout, layout_above, personal_limits, preference_of


def _codes(values: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(str(value).strip() for value in values if str(value).strip()))


def _joined(codes: set[str]) -> str:
    return ", ".join(sorted(codes))


def _check_theme(theme: str) -> None:
    if theme and theme not in Theme.values:
        raise ValidationError(_("Unknown theme: %(theme)s."), code="theme", params={"theme": theme})


def _check_limits(
    limits: EffectiveLayout, *, hidden: list[str], before: set[str], theme: str, theme_before: str
) -> list[ValidationError]:
    """Refuse hiding a locked service, and what the levels above forbid (new choices only)."""
    errors = []
    locked = set(hidden) & limits.locked
    if locked:
        errors.append(
            ValidationError(
                _("These services always stay shown: %(codes)s."),
                code="locked",
                params={"codes": _joined(locked)},
            )
        )
    if not limits.allow_personal_hiding and set(hidden) - before:
        errors.append(ValidationError(_("Your school does not allow hiding services."), "hiding"))
    if not limits.allow_personal_theme and theme and theme != theme_before:
        errors.append(ValidationError(_("Your school does not allow choosing a theme."), "theme"))
    return errors


@transaction.atomic
def save_preferences(
    *,
    actor: User,
    hidden: Sequence[str],
    order: Sequence[str],
    theme: str,
    text_size: int,
    high_contrast: bool,
    dyslexia_font: bool,
    reduce_motion: bool,
    prefers_classic_site: bool,
) -> Preference:
    """Save `actor`'s own services, theme and presentation aids, within their rights."""
    hidden, order = _codes(hidden), _codes(order)
    rights = effective_rights(actor)
    held = {access.code for access in services_for(rights)}
    preference = preference_of(actor)
    _check_theme(theme)
    if text_size not in TextSize.values:
        raise ValidationError(_("Unknown text size."), code="text_size")
    # PPO-04, scenario 20: nobody hides, orders or adds a service their rights do not give.
    foreign = (set(hidden) | set(order)) - held
    if foreign:
        raise ValidationError(
            _("You do not have these services: %(codes)s."),
            code="not_entitled",
            params={"codes": _joined(foreign)},
        )
    errors = _check_limits(
        personal_limits(actor, rights),
        hidden=hidden,
        before=set(preference.hidden_services),
        theme=theme,
        theme_before=preference.theme,
    )
    if errors:
        raise ValidationError(errors)
    values = {
        "hidden_services": hidden,
        "service_order": order,
        "theme": theme,
        "text_size": text_size,
        "high_contrast": high_contrast,
        "dyslexia_font": dyslexia_font,
        "reduce_motion": reduce_motion,
        "prefers_classic_site": prefers_classic_site,
    }
    changed = sorted(name for name, value in values.items() if getattr(preference, name) != value)
    for name, value in values.items():
        setattr(preference, name, value)
    preference.updated_at = timezone.now()
    preference.save()
    # Only the names: presentation aids may reveal a disability.
    record(
        actor=actor, action="portal.preference.change", target=preference, data={"fields": changed}
    )
    return preference


def _check_scope(
    school: School | None,
    profile: str,
    school_class: SchoolClass | None,
    teaching_group: TeachingGroup | None,
) -> None:
    if school_class is not None and teaching_group is not None:
        raise ValidationError(_("Choose a class or a group, not both."), code="scope")
    if profile and profile not in PROFILES:
        raise ValidationError(_("Unknown profile."), code="profile")
    if school is None and (profile or school_class or teaching_group):
        raise ValidationError(_("A profile, a class or a group belongs to a school."), "scope")
    division = school_class or teaching_group
    if division is not None and (profile or school is None or division.school_id != school.pk):
        raise ValidationError(_("The class or group is not in this school."), code="scope")


@transaction.atomic
def save_layout(
    *,
    actor: User,
    school: School | None,
    profile: str = "",
    school_class: SchoolClass | None = None,
    teaching_group: TeachingGroup | None = None,
    hidden: Sequence[str],
    order: Sequence[str],
    locked: Sequence[str],
    theme: str,
    allow_personal_theme: bool,
    allow_personal_hiding: bool,
    message: str,
) -> Layout:
    """Set the defaults and limits of one level: project, school, profile, class or group."""
    _check_scope(school, profile, school_class, teaching_group)
    if not can_edit_layout(
        actor,
        school=school,
        profile=profile,
        school_class=school_class,
        teaching_group=teaching_group,
    ):
        raise PermissionDenied
    hidden, order, locked = _codes(hidden), _codes(order), _codes(locked)
    _check_theme(theme)
    unknown = (set(hidden) | set(order) | set(locked)) - set(declared_services())
    if unknown:
        raise ValidationError(
            _("Unknown services: %(codes)s."), code="unknown", params={"codes": _joined(unknown)}
        )
    if set(hidden) & set(locked):
        raise ValidationError(_("A locked service cannot be hidden."), code="locked")
    scope = {
        "school": school,
        "profile": profile,
        "school_class": school_class,
        "teaching_group": teaching_group,
    }
    layout = Layout.objects.select_for_update().filter(**scope).first() or Layout(**scope)
    errors = _check_limits(
        layout_above(school, profile, school_class, teaching_group),
        hidden=hidden,
        before=set(layout.hidden_services),
        theme=theme,
        theme_before=layout.theme,
    )
    if errors:
        raise ValidationError(errors)
    layout.hidden_services, layout.service_order, layout.locked_services = hidden, order, locked
    layout.theme, layout.message = theme, message.strip()
    layout.allow_personal_theme = allow_personal_theme
    layout.allow_personal_hiding = allow_personal_hiding
    layout.updated_by, layout.updated_at = actor, timezone.now()
    layout.save()
    record(actor=actor, action="portal.layout.change", target=layout, data={"scope": str(layout)})
    return layout


@transaction.atomic
def save_school_page(
    *, actor: User, school: School, title: str, body: str, is_published: bool
) -> SchoolPage:
    """Write the public page of `school` (SDET §10.2.2.2), readable without signing in."""
    if not can_edit_school_page(actor, school):
        raise PermissionDenied
    if not title.strip():
        raise ValidationError(_("The page needs a title."), code="title")
    page, _created = SchoolPage.objects.select_for_update().update_or_create(
        school=school,
        defaults={
            "title": title.strip(),
            "body": body.strip(),
            "is_published": is_published,
            "updated_by": actor,
            "updated_at": timezone.now(),
        },
    )
    record(
        actor=actor,
        action="portal.school_page.change",
        target=page,
        data={"is_published": is_published},
    )
    return page
