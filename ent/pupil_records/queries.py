"""Reads of the pupil follow-up for its pages, its API and its report: averages, absence
counts by half-day, grade sheets, registers and the history of a record."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Avg, Count, Q, QuerySet
from django.utils import timezone

from ent.core.calendar import school_year_of, week_of
from ent.directory.models import (
    Enrolment,
    Guardianship,
    HeadTeacher,
    Membership,
    Profile,
    School,
    SchoolClass,
    TeachingAssignment,
    TeachingGroup,
    User,
)
from ent.rights.queries import Rights
from ent.rights.registry import Level
from ent.sso.queries import connector_declarations

from .apps import SERVICE
from .models import (
    AFTERNOON,
    MORNING,
    Absence,
    AbsenceKind,
    Assessment,
    Change,
    Competency,
    CompetencyRating,
    Grade,
    GradeStatus,
    Period,
    ReportComment,
    SchoolSetting,
    class_taught_pupil_ids,
    external_school_ids,
    pupil_life_school_ids,
    readable_pupil_ids,
    taught_pupil_ids,
)

TWENTY = Decimal(20)
CENT = Decimal("0.01")


def division_pupils(division: SchoolClass | TeachingGroup) -> QuerySet[User]:
    """Return the pupils enrolled in a class or a teaching group, by name."""
    key = "school_class" if isinstance(division, SchoolClass) else "teaching_group"
    enrolled = Enrolment.objects.filter(**{key: division}).values("pupil_id")
    pupils: QuerySet[User] = User.objects.filter(pk__in=enrolled)
    return pupils.order_by("last_name", "first_name", "pk")


def _division_of(row: Assessment | TeachingAssignment) -> dict[str, Any]:
    if row.school_class_id is not None:
        return {"school_class_id": row.school_class_id}
    return {"teaching_group_id": row.teaching_group_id}


# Who a page may be about -------------------------------------------------------------------


def record_pupils(user: Any) -> QuerySet[User]:
    """Return the pupils whose follow-up page `user` may open (contents are filtered further
    by each record's `visible_to`): their own, their children, their pupils, their school's."""
    pupils: QuerySet[User] = User.objects.filter(
        Q(pk__in=readable_pupil_ids(user))
        | Q(pk__in=taught_pupil_ids(user))
        | Q(
            pk__in=Membership.objects.current()
            .filter(profile=Profile.ELV, school__in=pupil_life_school_ids(user))
            .values("person_id")
        )
    )
    return pupils


def report_pupils(user: Any) -> QuerySet[User]:
    """Return the pupils whose period report `user` may download: the pupil, their guardians,
    the teachers of their class, its professeur principal and the head."""
    pupils: QuerySet[User] = User.objects.filter(
        Q(pk__in=readable_pupil_ids(user)) | Q(pk__in=class_taught_pupil_ids(user))
    )
    return pupils


def pupil_periods(pupil: User) -> list[Period]:
    """Return the periods of the schools the pupil is in now, in order."""
    schools = Membership.objects.current().filter(person=pupil, profile=Profile.ELV)
    return list(
        Period.objects.filter(school__in=schools.values("school_id"))
        .exclude(school__in=external_school_ids())
        .select_related("school")
        .order_by("starts_on", "school_id")
    )


def in_external_school(person: User) -> bool:
    """Tell whether one of the person's schools (or their children's) keeps an external tool."""
    children = Guardianship.objects.filter(guardian=person, has_legal_authority=True)
    return (
        Membership.objects.current()
        .filter(
            Q(person=person) | Q(person__in=children.values("pupil_id")),
            school__in=external_school_ids(),
        )
        .exists()
    )


def current_period(periods: list[Period], day: date | None = None) -> Period | None:
    """Return the period holding `day` (today), else the last one that started."""
    day = day or timezone.localdate()
    started = [period for period in periods if period.starts_on <= day]
    holding = [period for period in started if day < period.ends_on]
    found = holding or started or periods
    return found[-1] if found else None


# Averages ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SubjectAverage:
    """A subject's grades in a period and their average out of 20, coefficients applied."""

    code: str
    label: str
    grades: tuple[Grade, ...]
    average: Decimal | None


def _round(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def subject_averages(grades: Iterable[Grade]) -> list[SubjectAverage]:
    """Average each subject's grades out of 20, weighted by the assessments' coefficients, in
    one pass; absent, exempt and not-graded results count for nothing."""
    by_subject: dict[str, list[Grade]] = defaultdict(list)
    labels: dict[str, str] = {}
    for grade in grades:
        code = grade.assessment.subject_code
        by_subject[code].append(grade)
        labels.setdefault(code, grade.assessment.subject_label)
    result = []
    for code in sorted(by_subject, key=lambda key: (labels[key], key)):
        rows = sorted(by_subject[code], key=lambda grade: (grade.assessment.held_on, grade.pk))
        total = weight = Decimal(0)
        for grade in rows:
            if grade.status != GradeStatus.GRADED or grade.value is None:
                continue
            assessment = grade.assessment
            total += grade.value * TWENTY / assessment.max_score * assessment.coefficient
            weight += assessment.coefficient
        average = _round(total / weight) if weight else None
        result.append(SubjectAverage(code, labels[code], tuple(rows), average))
    return result


def overall_average(subjects: Iterable[SubjectAverage]) -> Decimal | None:
    """Return the mean of the subjects' averages (subjects without one do not count)."""
    averages = [subject.average for subject in subjects if subject.average is not None]
    if not averages:
        return None
    return _round(sum(averages, Decimal(0)) / len(averages))


# Absences by half-day (UTI-AVE-SIE-03) ------------------------------------------------------


@dataclass(frozen=True)
class HalfDay:
    day: date
    slot: str


def _half_days(absence: Absence) -> Iterator[tuple[HalfDay, bool]]:
    """Yield each half-day an absence overlaps, and whether it covers it completely."""
    start, end = timezone.localtime(absence.starts_at), timezone.localtime(absence.ends_at)
    day = start.date()
    while day <= end.date():
        for slot, (opens, closes) in (("MORNING", MORNING), ("AFTERNOON", AFTERNOON)):
            window_start = timezone.make_aware(datetime.combine(day, opens))
            window_end = timezone.make_aware(datetime.combine(day, closes))
            if start < window_end and end > window_start:
                yield HalfDay(day, slot), start <= window_start and end >= window_end
        day += timedelta(days=1)


@dataclass(frozen=True)
class AbsenceCounts:
    """Footnote 101: half-days with at least one absence, those with a legitimate classified
    reason, and complete half-days (circulaire 2014-159); plus the number of lateness."""

    half_days: int = 0
    legitimate_half_days: int = 0
    complete_half_days: int = 0
    lateness: int = 0
    unjustified_half_days: int = 0


@dataclass(frozen=True)
class WeekCounts:
    monday: date
    counts: AbsenceCounts


def absence_counts(absences: Iterable[Absence]) -> tuple[AbsenceCounts, list[WeekCounts]]:
    """Count half-days of absence over the whole list and per week, in one pass."""
    seen: dict[HalfDay, list[bool]] = {}
    lateness: dict[date, int] = defaultdict(int)
    for absence in absences:
        if absence.kind == AbsenceKind.LATENESS:
            lateness[week_of(timezone.localtime(absence.starts_at).date())[0]] += 1
            continue
        for half_day, complete in _half_days(absence):
            flags = seen.setdefault(half_day, [False, False])
            flags[0] = flags[0] or absence.is_legitimate
            flags[1] = flags[1] or complete
    weeks: dict[date, list[HalfDay]] = defaultdict(list)
    for half_day in seen:
        weeks[week_of(half_day.day)[0]].append(half_day)

    def count(half_days: list[HalfDay], late: int) -> AbsenceCounts:
        legitimate = sum(1 for half_day in half_days if seen[half_day][0])
        return AbsenceCounts(
            half_days=len(half_days),
            legitimate_half_days=legitimate,
            complete_half_days=sum(1 for half_day in half_days if seen[half_day][1]),
            lateness=late,
            unjustified_half_days=len(half_days) - legitimate,
        )

    mondays = sorted(set(weeks) | set(lateness))
    per_week = [WeekCounts(monday, count(weeks[monday], lateness[monday])) for monday in mondays]
    return count(list(seen), sum(lateness.values())), per_week


# A pupil's record --------------------------------------------------------------------------


def _period_bounds(period: Period) -> tuple[datetime, datetime]:
    return (
        timezone.make_aware(datetime.combine(period.starts_on, datetime.min.time())),
        timezone.make_aware(datetime.combine(period.ends_on, datetime.min.time())),
    )


@dataclass(frozen=True)
class PupilRecord:
    """A pupil's period, as one reader may see it: grades by subject, ratings, absences."""

    pupil: User
    period: Period | None
    periods: list[Period] = field(default_factory=list)
    subjects: list[SubjectAverage] = field(default_factory=list)
    overall: Decimal | None = None
    ratings: list[CompetencyRating] = field(default_factory=list)
    absences: list[Absence] = field(default_factory=list)
    counts: AbsenceCounts = AbsenceCounts()
    weeks: list[WeekCounts] = field(default_factory=list)
    comment: ReportComment | None = None
    class_label: str = ""


def _record(
    pupil: User,
    period: Period | None,
    periods: list[Period],
    grades: QuerySet[Grade],
    ratings: QuerySet[CompetencyRating],
    absences: QuerySet[Absence],
) -> PupilRecord:
    if period is None:
        return PupilRecord(pupil, None, periods)
    start, end = _period_bounds(period)
    grade_rows = grades.filter(pupil=pupil, assessment__period=period).select_related("assessment")
    subjects = subject_averages(grade_rows)
    rating_rows = list(
        ratings.filter(
            pupil=pupil,
            school=period.school_id,
            rated_on__gte=period.starts_on,
            rated_on__lt=period.ends_on,
        )
        .select_related("competency")
        .order_by("competency__code", "rated_on", "pk")
    )
    absence_rows = list(
        absences.filter(
            pupil=pupil, school=period.school_id, starts_at__gte=start, starts_at__lt=end
        ).order_by("starts_at", "pk")
    )
    counts, weeks = absence_counts(absence_rows)
    comment = ReportComment.objects.filter(pupil=pupil, period=period).first()
    return PupilRecord(
        pupil,
        period,
        periods,
        subjects,
        overall_average(subjects),
        rating_rows,
        absence_rows,
        counts,
        weeks,
        comment,
    )


def pupil_record(
    viewer: Any, pupil: User, *, period_id: int | None, rights: Rights | None = None
) -> PupilRecord:
    """Return a pupil's period as `viewer` may see it (their own `visible_to` rules)."""
    periods = pupil_periods(pupil)
    chosen = next((p for p in periods if p.pk == period_id), None) or current_period(periods)
    return _record(
        pupil,
        chosen,
        periods,
        Grade.objects.visible_to(viewer, rights=rights),
        CompetencyRating.objects.visible_to(viewer, rights=rights),
        Absence.objects.visible_to(viewer, rights=rights),
    )


def report_record(pupil: User, period: Period) -> PupilRecord:
    """Return the whole of a pupil's period for their report: published grades of every
    subject, ratings, absences, the class teacher's comment and the class."""
    record = _record(
        pupil,
        period,
        [period],
        Grade.objects.filter(assessment__is_published=True),
        CompetencyRating.objects.all(),
        Absence.objects.all(),
    )
    enrolment = (
        Enrolment.objects.filter(pupil=pupil, school_class__school=period.school_id)
        .select_related("school_class")
        .first()
    )
    label = str(enrolment.school_class) if enrolment and enrolment.school_class else ""
    return replace(record, class_label=label)


def latest_levels(ratings: Iterable[CompetencyRating]) -> list[CompetencyRating]:
    """Keep each competency's latest rating (the list is ordered by code, then date)."""
    latest: dict[int, CompetencyRating] = {}
    for rating in ratings:
        latest[rating.competency_id] = rating
    return list(latest.values())


# The teacher's pages -----------------------------------------------------------------------


def teacher_assignments(user: Any, rights: Rights) -> list[TeachingAssignment]:
    """Return the actor's classes and groups by subject, in schools where they use the service."""
    rows = TeachingAssignment.objects.filter(teacher=user).exclude(
        Q(school_class__school__in=external_school_ids())
        | Q(teaching_group__school__in=external_school_ids())
    )
    ids = rights.school_ids(SERVICE, level=Level.USE)
    if ids is not None:
        rows = rows.filter(Q(school_class__school__in=ids) | Q(teaching_group__school__in=ids))
    return list(
        rows.select_related("school_class__school", "teaching_group__school", "subject").order_by(
            "school_class__code", "teaching_group__code", "subject_code"
        )
    )


@dataclass(frozen=True)
class Gradebook:
    assignment: TeachingAssignment
    assessments: list[Assessment]
    pupil_count: int


def gradebook(assignment: TeachingAssignment) -> Gradebook:
    """Return the assessments of an assignment's class or group in its subject, newest first,
    each with its number of grades and its average (two queries, however many there are)."""
    graded = Q(grades__status=GradeStatus.GRADED)
    assessments = list(
        Assessment.objects.filter(subject_code=assignment.subject_code, **_division_of(assignment))
        .select_related("period")
        .annotate(
            graded=Count("grades", filter=graded), average=Avg("grades__value", filter=graded)
        )
        .order_by("-held_on", "-pk")
    )
    division = assignment.school_class or assignment.teaching_group
    return Gradebook(assignment, assessments, division_pupils(division).count())  # type: ignore[arg-type]  # arg-type: the constraint guarantees one


@dataclass(frozen=True)
class SheetRow:
    pupil: User
    grade: Grade | None


def grade_sheet(assessment: Assessment) -> list[SheetRow]:
    """Return each pupil of the assessment's class or group with their grade (two queries)."""
    grades = {grade.pupil_id: grade for grade in assessment.grades.all()}
    return [SheetRow(pupil, grades.get(pupil.pk)) for pupil in division_pupils(assessment.division)]


@dataclass(frozen=True)
class GridRow:
    pupil: User
    levels: dict[int, int]


def competency_grid(
    assignment: TeachingAssignment, rated_on: date, competencies: list[Competency]
) -> list[GridRow]:
    """Return each pupil with the levels the teacher gave them that day (two queries)."""
    division = assignment.school_class or assignment.teaching_group
    pupils = list(division_pupils(division))  # type: ignore[arg-type]  # arg-type: the constraint guarantees one
    levels: dict[int, dict[int, int]] = defaultdict(dict)
    for pupil_id, competency_id, level in CompetencyRating.objects.filter(
        rated_by=assignment.teacher_id,
        subject_code=assignment.subject_code,
        rated_on=rated_on,
        pupil__in=[pupil.pk for pupil in pupils],
        competency__in=[competency.pk for competency in competencies],
    ).values_list("pupil_id", "competency_id", "level"):
        levels[pupil_id][competency_id] = level
    return [GridRow(pupil, levels[pupil.pk]) for pupil in pupils]


@dataclass(frozen=True)
class RegisterRow:
    pupil: User
    absence: Absence | None
    lateness: Absence | None


def register_sheet(
    division: SchoolClass | TeachingGroup, start: datetime, end: datetime
) -> list[RegisterRow]:
    """Return each pupil of a class or group with what is recorded in a half-day."""
    pupils = list(division_pupils(division))
    found: dict[tuple[int, str], Absence] = {}
    for absence in Absence.objects.filter(
        pupil__in=[pupil.pk for pupil in pupils], starts_at__lt=end, ends_at__gt=start
    ).order_by("starts_at"):
        found.setdefault((absence.pupil_id, absence.kind), absence)
    return [
        RegisterRow(
            pupil,
            found.get((pupil.pk, AbsenceKind.ABSENCE)),
            found.get((pupil.pk, AbsenceKind.LATENESS)),
        )
        for pupil in pupils
    ]


# The CPE's and the head's pages ------------------------------------------------------------


@dataclass(frozen=True)
class DailyRow:
    absence: Absence
    classes: str


def daily_absences(viewer: Any, day: date, *, rights: Rights) -> list[DailyRow]:
    """Return the absences and lateness of a day in the viewer's schools as CPE or head, with
    each pupil's classes (two queries, however many there are)."""
    rows = list(
        Absence.objects.visible_to(viewer, rights=rights)
        .filter(school__in=pupil_life_school_ids(viewer))
        .on(day)
        .select_related("pupil", "recorded_by")
        .order_by("pupil__last_name", "pupil__first_name", "starts_at", "pk")
    )
    classes: dict[int, list[str]] = defaultdict(list)
    for pupil_id, code in (
        Enrolment.objects.filter(pupil__in={row.pupil_id for row in rows})
        .exclude(school_class=None)
        .values_list("pupil_id", "school_class__label")
    ):
        classes[pupil_id].append(code)
    return [DailyRow(row, ", ".join(sorted(classes[row.pupil_id]))) for row in rows]


@dataclass(frozen=True)
class OverviewRow:
    pupil: User
    overall: Decimal | None
    half_days: int


def class_overview(school_class: SchoolClass, period: Period) -> list[OverviewRow]:
    """Return each pupil of a class with their overall average and half-days of absence in a
    period (three queries, whatever the size of the class)."""
    pupils = list(division_pupils(school_class))
    ids = [pupil.pk for pupil in pupils]
    by_pupil: dict[int, list[Grade]] = defaultdict(list)
    for grade in Grade.objects.filter(
        pupil__in=ids, assessment__period=period, assessment__is_published=True
    ).select_related("assessment"):
        by_pupil[grade.pupil_id].append(grade)
    start, end = _period_bounds(period)
    absences: dict[int, list[Absence]] = defaultdict(list)
    for absence in Absence.objects.filter(
        pupil__in=ids, school=period.school_id, starts_at__gte=start, starts_at__lt=end
    ):
        absences[absence.pupil_id].append(absence)
    return [
        OverviewRow(
            pupil,
            overall_average(subject_averages(by_pupil[pupil.pk])),
            absence_counts(absences[pupil.pk])[0].half_days,
        )
        for pupil in pupils
    ]


def overview_classes(user: Any, rights: Rights) -> QuerySet[SchoolClass]:
    """Return the classes whose overview `user` reads: as professeur principal, or as head."""
    headed = HeadTeacher.objects.filter(teacher=user).values("school_class_id")
    led = Membership.objects.current().filter(person=user, profile=Profile.DIR).values("school_id")
    classes = SchoolClass.objects.filter(Q(pk__in=headed) | Q(school__in=led)).exclude(
        school__in=external_school_ids()
    )
    ids = rights.school_ids(SERVICE)
    if ids is not None:
        classes = classes.filter(school__in=ids)
    return classes


def history_of(obj: Grade | CompetencyRating | Absence) -> list[Change]:
    """Return every change of a grade, a rating or an absence, oldest first, with its author."""
    return list(Change.objects.about(obj).select_related("actor").order_by("at", "pk"))


# The hub -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Home:
    """What the service's home page offers a person, by role."""

    is_pupil: bool
    children: list[User]
    assignments: list[TeachingAssignment]
    classes: list[SchoolClass]
    pupil_life_schools: list[School]
    managed_schools: list[School]


def home_page(user: Any, rights: Rights) -> Home:
    """Return the person's entries into the service: their record, their children's, their
    gradebooks, the classes they oversee, the daily absences and the school settings."""
    held = rights.school_ids(SERVICE)
    external = external_school_ids()
    memberships = Membership.objects.current().filter(person=user).exclude(school__in=external)
    if held is not None:
        memberships = memberships.filter(school__in=held)
    profiles = set(memberships.values_list("profile", flat=True))
    children = User.objects.filter(
        pk__in=Guardianship.objects.filter(guardian=user, has_legal_authority=True).values(
            "pupil_id"
        ),
        is_active=True,
    ).order_by("first_name", "pk")
    schools = School.objects.filter(
        pk__in=memberships.filter(profile__in=(Profile.EVS, Profile.DIR)).values("school_id")
    ).order_by("name")
    managed = School.objects.filter(
        pk__in=Membership.objects.current()
        .filter(person=user, profile=Profile.DIR)
        .values("school_id")
    ).order_by("name")
    return Home(
        is_pupil=Profile.ELV in profiles,
        children=list(children),
        assignments=teacher_assignments(user, rights),
        classes=list(overview_classes(user, rights).select_related("school").order_by("code")),
        pupil_life_schools=list(schools),
        managed_schools=list(managed),
    )


@dataclass(frozen=True)
class SettingsPage:
    setting: SchoolSetting | None
    connector_approved: bool
    periods: list[Period]
    initial: dict[str, Any]


def settings_page(school: School) -> SettingsPage:
    """Return the school's current choice, whether its connector is approved and its periods
    of this school year."""
    setting = SchoolSetting.objects.filter(school=school).first()
    code = setting.connector_code if setting else ""
    approved = bool(code) and code in {row.code for row in connector_declarations()}
    year = school_year_of()
    periods = list(
        Period.objects.filter(
            school=school, starts_on__gte=year.starts_on, starts_on__lt=year.ends_on
        ).order_by("starts_on")
    )
    initial = {
        "uses_external_tool": bool(setting and setting.uses_external_tool),
        "connector_code": code,
    }
    return SettingsPage(setting, approved, periods, initial)
