"""Personalisation within rights (SOC-POR-PPO-03..07, UTI-UTL-PER): what each level may set and
what a person finally sees. Contract used by the home page; filled in by the personalisation work.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ent.directory.models import User
from ent.rights.queries import ServiceAccess

from .models import Preference


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


def preference_of(person: User) -> Preference:
    """Return `person`'s preferences (unsaved defaults when they never chose any)."""
    return Preference.objects.filter(person=person).first() or Preference(person=person)


def effective_layout(person: User, school_id: int | None) -> EffectiveLayout:
    """Merge the layouts that apply to `person` in the school `school_id`."""
    return EffectiveLayout()


def arrange(
    services: list[ServiceAccess], layout: EffectiveLayout, preference: Preference
) -> list[ServiceAccess]:
    """Hide and order `services` (already limited to the person's rights)."""
    return services


def html_classes(preference: Preference, layout: EffectiveLayout) -> str:
    """Return the classes of <html> for the theme and the presentation aids."""
    return ""
