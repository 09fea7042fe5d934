"""Meeting the directory: a file's rows become lessons of the school's classes, groups and
teachers, or are listed as skipped.

Rule: a file imports atomically; a row whose class or group the school does not have is skipped
and listed in the import's warnings; a teacher the directory does not know leaves the lesson
without that teacher (listed too); a structural error refuses the whole file (the readers). A
file none of whose rows meets the school is refused: it is another school's file, and importing
it would empty the timetable.

Teachers are found by their STS id (the AAF attribute ENTPersonSTSId, kept in `User.extra`), then
by name among the school's staff (EDT), then, failing both, as the one teacher the directory
says teaches that subject to that class or group.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ent.directory.models import (
    Membership,
    Profile,
    School,
    SchoolClass,
    Subject,
    TeachingAssignment,
    TeachingGroup,
    User,
)

from . import Parsed, Row, TeacherRef, TimetableFileError

STS_ID = "ENTPersonSTSId"
TEACHING_PROFILES = (Profile.ENS, Profile.DOC, Profile.DIR, Profile.EVS)
TITLE_PARTS = re.compile(r"\s+[-\u2013:/]\s+|\s*\(")


@dataclass(frozen=True)
class Target:
    """Whom an iCalendar file is for: one class, group or teacher of the school."""

    kind: str  # "class", "group" or "teacher"
    pk: int
    label: str
    # The class or group code, or the teacher's login.
    code: str = ""

    @property
    def scope(self) -> str:
        return f"{self.kind}-{self.pk}"


@dataclass(frozen=True)
class Planned:
    """A lesson as the file wants it, in directory terms."""

    uid: str
    school_class_id: int | None
    teaching_group_id: int | None
    subject_id: int | None
    subject_code: str
    title: str
    room: str
    starts_at: datetime
    ends_at: datetime
    is_cancelled: bool
    teacher_ids: tuple[int, ...]


@dataclass
class Plan:
    lessons: list[Planned] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    skipped: int = 0


def fold(text: str) -> str:
    """Compare names without case, accents or punctuation."""
    plain = unicodedata.normalize("NFKD", text)
    plain = "".join(char for char in plain if not unicodedata.combining(char))
    return " ".join(re.sub(r"[^0-9a-z]+", " ", plain.casefold()).split())


def uid_of(key: str) -> str:
    """A fixed-length key for a row's key in its file."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


@dataclass
class _Directory:
    """The school's classes, groups, subjects and teachers, loaded in five queries."""

    classes: dict[str, int]
    groups: dict[str, int]
    subjects: dict[str, tuple[int, str]]
    subject_labels: dict[str, str]
    sts_ids: dict[str, int]
    names: dict[str, int]
    assignments: dict[tuple[str, int, str], set[int]]

    @classmethod
    def load(cls, school: School) -> _Directory:
        classes: dict[str, int] = {}
        for pk, code, label in SchoolClass.objects.filter(school=school).values_list(
            "pk", "code", "label"
        ):
            classes.setdefault(fold(label), pk)
            classes[fold(code)] = pk
        groups: dict[str, int] = {}
        for pk, code, label in TeachingGroup.objects.filter(school=school).values_list(
            "pk", "code", "label"
        ):
            groups.setdefault(fold(label), pk)
            groups[fold(code)] = pk
        subjects: dict[str, tuple[int, str]] = {}
        labels: dict[str, str] = {}
        for pk, code, label in Subject.objects.values_list("pk", "code", "label"):
            subjects[code] = (pk, label)
            labels.setdefault(fold(label), code)
        staff = (
            User.objects.filter(
                pk__in=Membership.objects.current()
                .filter(school=school, profile__in=TEACHING_PROFILES)
                .values("person_id")
            )
            .filter(is_active=True)
            .values_list("pk", "first_name", "last_name", "extra")
        )
        sts_ids: dict[str, int] = {}
        names: dict[str, int] = {}
        clashes: set[str] = set()
        for pk, first, last, extra in staff:
            values = (extra or {}).get(STS_ID, [])
            for value in [values] if isinstance(values, str) else values:
                sts_ids[str(value).strip()] = pk
            name = f"{fold(last)}|{fold(first)}"
            if name in names:
                clashes.add(name)
            names[name] = pk
        for name in clashes:
            del names[name]
        assignments: dict[tuple[str, int, str], set[int]] = defaultdict(set)
        for teacher, class_id, group_id, code in TeachingAssignment.objects.filter(
            Q(school_class__school=school) | Q(teaching_group__school=school)
        ).values_list("teacher_id", "school_class_id", "teaching_group_id", "subject_code"):
            division = ("class", class_id) if class_id else ("group", group_id)
            assignments[(*division, code)].add(teacher)
        return cls(classes, groups, subjects, labels, sts_ids, names, assignments)

    def subject_of(self, row: Row) -> tuple[int | None, str]:
        """Find the row's subject by code, then by its title (an iCalendar SUMMARY)."""
        if row.subject_code in self.subjects:
            return self.subjects[row.subject_code][0], row.subject_code
        for text in (row.subject_code, row.title, *TITLE_PARTS.split(row.title)[:1]):
            code = self.subject_labels.get(fold(text)) if text else None
            if code:
                return self.subjects[code][0], code
        return None, row.subject_code

    def teacher_of(self, ref: TeacherRef) -> int | None:
        if ref.sts_id and ref.sts_id in self.sts_ids:
            return self.sts_ids[ref.sts_id]
        if ref.last_name:
            return self.names.get(f"{fold(ref.last_name)}|{fold(ref.first_name)}")
        return None


def resolve(school: School, parsed: Parsed, *, target: Target | None = None) -> Plan:
    """Turn a file's rows into lessons of `school`; list what cannot be placed."""
    if parsed.uai and parsed.uai != school.uai.upper():
        raise TimetableFileError(
            _("This file is for the school %(uai)s, not for %(school)s.")
            % {"uai": parsed.uai, "school": school}
        )
    if not parsed.rows:
        raise TimetableFileError(_("The file holds no lesson."))
    directory = _Directory.load(school)
    plan = Plan(warnings=list(parsed.warnings))
    problems: Counter[str] = Counter()
    seen: set[str] = set()
    for row in parsed.rows:
        uid = uid_of(row.key)
        if uid in seen:
            continue
        seen.add(uid)
        class_id, group_id = _division(directory, row, target)
        if class_id is None and group_id is None and (target is None or target.kind != "teacher"):
            problems[
                _("class or group “%(code)s” is not in this school: lesson skipped")
                % {"code": row.class_code or row.group_code}
            ] += 1
            plan.skipped += 1
            continue
        subject_id, subject_code = directory.subject_of(row)
        if subject_id is None and subject_code:
            problems[
                _("subject code “%(code)s” is not in the directory") % {"code": subject_code}
            ] += 1
        teachers = _teachers(directory, row, target, class_id, group_id, subject_code, problems)
        plan.lessons.append(
            Planned(
                uid=uid,
                school_class_id=class_id,
                teaching_group_id=group_id,
                subject_id=subject_id,
                subject_code=subject_code[:20],
                title=(row.title or subject_code)[:200],
                room=row.room[:100],
                starts_at=row.starts_at,
                ends_at=row.ends_at,
                is_cancelled=row.is_cancelled,
                teacher_ids=teachers,
            )
        )
    if not plan.lessons:
        raise TimetableFileError(
            _(
                "None of the file's classes or groups exists in %(school)s: is this the right "
                "school's file?"
            )
            % {"school": school}
        )
    plan.warnings += [
        ngettext("%(problem)s (%(count)d lesson).", "%(problem)s (%(count)d lessons).", count)
        % {"problem": problem, "count": count}
        for problem, count in sorted(problems.items())
    ]
    return plan


def _division(
    directory: _Directory, row: Row, target: Target | None
) -> tuple[int | None, int | None]:
    if row.class_code:
        return directory.classes.get(fold(row.class_code)), None
    if row.group_code:
        return None, directory.groups.get(fold(row.group_code))
    if target is not None and target.kind == "class":
        return target.pk, None
    if target is not None and target.kind == "group":
        return None, target.pk
    return None, None


def _teachers(
    directory: _Directory,
    row: Row,
    target: Target | None,
    class_id: int | None,
    group_id: int | None,
    subject_code: str,
    problems: Counter[str],
) -> tuple[int, ...]:
    if target is not None and target.kind == "teacher":
        return (target.pk,)
    found: list[int] = []
    for ref in row.teachers:
        pk = directory.teacher_of(ref)
        if pk is None:
            problems[_("teacher %(name)s is not in the directory") % {"name": ref.label}] += 1
        elif pk not in found:
            found.append(pk)
    if not found:
        division = ("class", class_id) if class_id else ("group", group_id)
        candidates = directory.assignments.get((division[0], division[1] or 0, subject_code), set())
        if len(candidates) == 1:
            found = list(candidates)
    return tuple(sorted(found))
