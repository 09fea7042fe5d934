"""Distribution lists of each pedagogical structure (UTI-CCO-EEC-13), read live from the directory.

Every class and teaching group has three lists: its pupils, their guardians and its teachers.
A list is never stored: its members are asked of the directory each time it is used, so the
AAF feed that moves a pupil from 4B to 4A moves them between the lists, with no human step.
Mail, forums and notifications address the same lists by their `key`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from .models import Enrolment, Guardianship, SchoolClass, TeachingAssignment, TeachingGroup, User

PUPILS, GUARDIANS, TEACHERS = "pupils", "guardians", "teachers"
KINDS = (PUPILS, GUARDIANS, TEACHERS)
KIND_LABELS = {
    PUPILS: _("Pupils of %s"),
    GUARDIANS: _("Parents of %s"),
    TEACHERS: _("Teachers of %s"),
}
_KEY = re.compile(r"^(class|group)-(\d+)-(pupils|guardians|teachers)$")


@dataclass(frozen=True)
class StructureList:
    key: str  # "class-12-pupils", "group-3-teachers"
    kind: str
    school_id: int
    school_class_id: int | None
    teaching_group_id: int | None
    structure: str  # the class or group code, "4B"

    @property
    def label(self) -> str:
        return str(KIND_LABELS[self.kind] % self.structure)


def _make(structure: SchoolClass | TeachingGroup, kind: str) -> StructureList:
    is_class = isinstance(structure, SchoolClass)
    return StructureList(
        key=f"{'class' if is_class else 'group'}-{structure.pk}-{kind}",
        kind=kind,
        school_id=structure.school_id,
        school_class_id=structure.pk if is_class else None,
        teaching_group_id=None if is_class else structure.pk,
        structure=structure.code,
    )


def school_lists(school_ids: list[int]) -> list[StructureList]:
    """Every structure list of these schools, classes first, in code order."""
    classes = SchoolClass.objects.filter(school_id__in=school_ids).order_by("school_id", "code")
    groups = TeachingGroup.objects.filter(school_id__in=school_ids).order_by("school_id", "code")
    structures: list[SchoolClass | TeachingGroup] = [*classes, *groups]
    return [_make(s, kind) for s in structures for kind in KINDS]


def get_list(key: str) -> StructureList | None:
    """The list named `key`, or None when the key is malformed or its structure is gone."""
    match = _KEY.match(key)
    if not match:
        return None
    structure: SchoolClass | TeachingGroup | None
    if match.group(1) == "class":
        structure = SchoolClass.objects.filter(pk=int(match.group(2))).first()
    else:
        structure = TeachingGroup.objects.filter(pk=int(match.group(2))).first()
    return _make(structure, match.group(3)) if structure else None


def members(structure_list: StructureList) -> QuerySet[User]:
    """The active people on the list today, as the directory says now."""
    on_class = Q(school_class_id=structure_list.school_class_id)
    if structure_list.teaching_group_id:
        on_class = Q(teaching_group_id=structure_list.teaching_group_id)
    pupils = Enrolment.objects.filter(on_class).values("pupil_id")
    if structure_list.kind == PUPILS:
        people = Q(pk__in=pupils)
    elif structure_list.kind == GUARDIANS:
        people = Q(
            pk__in=Guardianship.objects.filter(pupil_id__in=pupils, guardian__isnull=False).values(
                "guardian_id"
            )
        )
    else:
        people = Q(pk__in=TeachingAssignment.objects.filter(on_class).values("teacher_id"))
    found: QuerySet[User] = User.objects.active().filter(people)
    return found.order_by("last_name", "first_name", "pk")
