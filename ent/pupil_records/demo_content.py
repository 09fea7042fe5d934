"""Demo grades, competencies and absences for `ent demo setup`: in each school, a few classes
get published assessments with grades, competency ratings and some absences this period.
Idempotent (a school with assessments is left alone) and written in bulk."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from ent.directory.models import School, TeachingAssignment, User

from .actions import (
    ensure_periods,
    install_reference_competencies,
    install_school_grants,
    slot_window,
)
from .models import (
    Absence,
    AbsenceKind,
    AbsenceStatus,
    Assessment,
    Change,
    Competency,
    CompetencyRating,
    Grade,
    GradeStatus,
    Period,
    Reason,
    RecordType,
)
from .queries import division_pupils

CLASSES_PER_SCHOOL = 3
SUBJECTS_PER_CLASS = 2
TITLES = ("Contrôle de connaissances", "Devoir maison", "Évaluation de fin de séquence")


def _weekdays(period: Period, today: date, count: int) -> list[date]:
    """Return up to `count` school days of the period before today, spread out."""
    last = min(today, period.ends_on - timedelta(days=1))
    span = (last - period.starts_on).days + 1
    days = [period.starts_on + timedelta(days=offset) for offset in range(max(span, 0))]
    weekdays = [day for day in days if day.weekday() < 5]
    step = max(1, len(weekdays) // count)
    return weekdays[::-1][::step][:count][::-1]


def _history(actor: User, record_type: str, object_id: int, pupil_id: int, value: str) -> Change:
    return Change(
        actor=actor,
        actor_label=actor.get_username(),
        pupil_id=pupil_id,
        record_type=record_type,
        object_id=object_id,
        field="value" if record_type == RecordType.GRADE else "level",
        old_value="",
        new_value=value,
        reason="demo",
    )


def _grades(
    assignment: TeachingAssignment, period: Period, days: list[date], rng: random.Random
) -> int:
    pupils = list(division_pupils(assignment.school_class or assignment.teaching_group))  # type: ignore[arg-type]  # arg-type: the constraint guarantees one
    label = assignment.subject.label if assignment.subject else assignment.subject_code
    assessments = Assessment.objects.bulk_create(
        Assessment(
            school=period.school,
            school_class=assignment.school_class,
            teaching_group=assignment.teaching_group,
            subject_code=assignment.subject_code,
            subject_label=label,
            teacher_id=assignment.teacher_id,
            period=period,
            title=TITLES[number % len(TITLES)],
            held_on=day,
            coefficient=Decimal(2) if number == 0 else Decimal(1),
            is_published=True,
            published_at=timezone.now(),
        )
        for number, day in enumerate(days)
    )
    rows = []
    for assessment in assessments:
        for pupil in pupils:
            absent = rng.random() < 0.05
            value = None if absent else Decimal(rng.randint(12, 40)) / 2
            status = GradeStatus.ABSENT if absent else GradeStatus.GRADED
            rows.append(Grade(assessment=assessment, pupil=pupil, value=value, status=status))
    grades = Grade.objects.bulk_create(rows)
    teacher = assignment.teacher
    Change.objects.bulk_create(
        _history(
            teacher, RecordType.GRADE, grade.pk, grade.pupil_id, str(grade.value or grade.status)
        )
        for grade in grades
    )
    return len(grades)


def _ratings(assignment: TeachingAssignment, day: date, rng: random.Random) -> int:
    pupils = list(division_pupils(assignment.school_class or assignment.teaching_group))  # type: ignore[arg-type]  # arg-type: the constraint guarantees one
    competencies = list(Competency.objects.order_by("code")[:4])
    division = assignment.school_class or assignment.teaching_group
    ratings = CompetencyRating.objects.bulk_create(
        CompetencyRating(
            school_id=division.school_id,  # type: ignore[union-attr]  # union-attr: one of them is set
            pupil=pupil,
            competency=competency,
            rated_by_id=assignment.teacher_id,
            subject_code=assignment.subject_code,
            subject_label=assignment.subject.label
            if assignment.subject
            else assignment.subject_code,
            rated_on=day,
            level=rng.choice((1, 2, 3, 3, 4, 4)),
        )
        for pupil in pupils
        for competency in competencies
    )
    Change.objects.bulk_create(
        _history(
            assignment.teacher, RecordType.RATING, rating.pk, rating.pupil_id, str(rating.level)
        )
        for rating in ratings
    )
    return len(ratings)


def _absences(assignment: TeachingAssignment, days: list[date], rng: random.Random) -> int:
    pupils = list(division_pupils(assignment.school_class or assignment.teaching_group))[:6]  # type: ignore[arg-type]  # arg-type: the constraint guarantees one
    rows = []
    for number, pupil in enumerate(pupils):
        day = days[number % len(days)]
        start, end = slot_window(day, "MORNING" if number % 2 else "AFTERNOON")
        late = number == 5
        legitimate = number % 3 == 0
        rows.append(
            Absence(
                pupil=pupil,
                school_id=(assignment.school_class or assignment.teaching_group).school_id,  # type: ignore[union-attr]  # union-attr: one of them is set
                kind=AbsenceKind.LATENESS if late else AbsenceKind.ABSENCE,
                starts_at=start,
                ends_at=start + timedelta(minutes=10) if late else end,
                minutes_late=10 if late else None,
                recorded_by_id=assignment.teacher_id,
                reason=Reason.ILLNESS if legitimate and not late else "",
                status=AbsenceStatus.CLASSIFIED
                if legitimate and not late
                else AbsenceStatus.REPORTED,
            )
        )
    absences = Absence.objects.bulk_create(rows)
    Change.objects.bulk_create(
        Change(
            actor_id=absence.recorded_by_id,
            actor_label=assignment.teacher.get_username(),
            pupil_id=absence.pupil_id,
            record_type=RecordType.ABSENCE,
            object_id=absence.pk,
            field="kind",
            new_value=absence.kind,
            reason="demo",
        )
        for absence in absences
    )
    return len(absences)


def _school(school: School, today: date, rng: random.Random) -> tuple[int, int, int]:
    period = ensure_periods(actor=None, school=school, day=today)
    days = _weekdays(period, today, 3)
    if not days:
        return 0, 0, 0
    assignments = list(
        TeachingAssignment.objects.filter(school_class__school=school)
        .select_related("teacher", "subject", "school_class")
        .order_by("school_class__code", "subject_code", "pk")
    )
    by_class: dict[int, list[TeachingAssignment]] = {}
    for assignment in assignments:
        by_class.setdefault(assignment.school_class_id, []).append(assignment)  # type: ignore[arg-type]  # arg-type: class assignments only
    grades = ratings = absences = 0
    for rows in list(by_class.values())[:CLASSES_PER_SCHOOL]:
        chosen = rows[:SUBJECTS_PER_CLASS]
        if school.degree != 1:
            grades += sum(_grades(assignment, period, days, rng) for assignment in chosen)
        ratings += _ratings(chosen[0], days[-1], rng)
        absences += _absences(chosen[0], days, rng)
    return grades, ratings, absences


def populate(*, log: Callable[[str], None]) -> None:
    """Install the service's grants in every school and add a demo period of records."""
    install_reference_competencies()
    granted = install_school_grants(actor=None)
    if granted:
        log(f"{granted} grant(s) of the pupil follow-up installed.")
    today = timezone.localdate()
    rng = random.Random(2026)  # noqa: S311 (demo data, not security)
    totals = [0, 0, 0]
    with transaction.atomic():
        for school in School.objects.filter(is_active=True).order_by("uai"):
            if (
                Assessment.objects.filter(school=school).exists()
                or Absence.objects.filter(school=school).exists()
            ):
                continue
            for position, count in enumerate(_school(school, today, rng)):
                totals[position] += count
    log(f"{totals[0]} grade(s), {totals[1]} competency rating(s), {totals[2]} absence(s) added.")
