"""Every change to the pupil follow-up: assessments and grades, competency ratings, absences,
the school's settings and its grants, and the retention purge.

Each action that creates, changes or deletes a grade, a rating or an absence writes one
`Change` row per field in the same transaction (SDET §11.1.6: a restored grade or absence
must not be contestable). History rows are only ever inserted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from ent.audit.actions import record
from ent.core.calendar import SchoolYear, school_year_of
from ent.directory.models import Guardianship, School, TeachingAssignment, User
from ent.notifications.actions import notify
from ent.notifications.events import Event
from ent.rights.actions import grant_service, resume_grant, suspend_grant
from ent.rights.queries import Rights

from .apps import SCHOOL_GRANTS, SERVICE
from .models import (
    AFTERNOON,
    FAMILY_REASONS,
    MORNING,
    RECORD_TYPE_OF,
    Absence,
    AbsenceKind,
    AbsenceStatus,
    Assessment,
    Change,
    Competency,
    CompetencyRating,
    Grade,
    GradeStatus,
    MasteryLevel,
    Period,
    Reason,
    RecordType,
    ReportComment,
    SchoolGrant,
    SchoolSetting,
    purge_history,
)
from .permissions import (
    Division,
    can_assess,
    can_change_absence,
    can_classify_absence,
    can_comment_report,
    can_grade,
    can_justify_absence,
    can_manage_settings,
    can_record_absence,
    can_take_register,
)
from .queries import division_pupils
from .reference import COMPETENCIES

# UTI-AVE-SIE-05: absence data is kept one year from the absence, covering the school year.
ABSENCE_RETENTION = timedelta(days=365)
MAX_SCORE_LIMIT = Decimal(200)
MAX_COEFFICIENT = Decimal(100)
MAX_MINUTES_LATE = 240
SLOTS = {"MORNING": MORNING, "AFTERNOON": AFTERNOON}


class AssessmentRefused(PermissionDenied):
    """The actor does not teach this class or group in this subject."""


class AbsenceRefused(PermissionDenied):
    """The actor may not record or change this absence."""


# History -----------------------------------------------------------------------------------


def _text(value: Any) -> str:
    """Write a value as the history keeps it."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat(timespec="minutes")
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, models.Choices):
        return str(value.value)
    return str(value)


def _changes(
    *,
    actor: User | None,
    obj: models.Model,
    pupil_id: int,
    fields: Iterable[tuple[str, Any, Any]],
    reason: str = "",
    at: datetime | None = None,
) -> list[Change]:
    """Return the history rows of the fields of `obj` whose value changed (not yet saved)."""
    moment = at or timezone.now()
    label = actor.get_username() if actor is not None else "platform"
    return [
        Change(
            at=moment,
            actor=actor,
            actor_label=label,
            pupil_id=pupil_id,
            record_type=RECORD_TYPE_OF[type(obj)],
            object_id=obj.pk,
            field=name,
            old_value=_text(old),
            new_value=_text(new),
            reason=reason[:300],
        )
        for name, old, new in fields
        if _text(old) != _text(new)
    ]


def _write_history(rows: Sequence[Change]) -> None:
    if rows:
        Change.objects.bulk_create(rows)


# Periods -----------------------------------------------------------------------------------


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    return day.replace(year=day.year + month // 12, month=month % 12 + 1, day=1)


# Month offsets of the periods within a school year: three trimesters or two semesters.
SPLITS = {3: (0, 3, 6, 12), 2: (0, 5, 12)}


def _period_rows(school: School, year: SchoolYear, count: int) -> list[Period]:
    offsets = SPLITS[count]
    start = year.starts_on
    label = _("Trimester %(number)d") if count == 3 else _("Semester %(number)d")
    return [
        Period(
            school=school,
            label=label % {"number": number},
            starts_on=_add_months(start, offsets[number - 1]) if number > 1 else start,
            ends_on=_add_months(start, offsets[number]) if number < count else year.ends_on,
        )
        for number in range(1, count + 1)
    ]


@transaction.atomic
def ensure_periods(*, actor: User | None, school: School, day: date) -> Period:
    """Return the school's period that holds `day`, creating the school year's default three
    trimesters first when the school has no period that year."""
    found = Period.objects.filter(school=school, starts_on__lte=day, ends_on__gt=day).first()
    if found is not None:
        return found
    year = school_year_of(day)
    if not Period.objects.filter(
        school=school, starts_on__gte=year.starts_on, starts_on__lt=year.ends_on
    ).exists():
        Period.objects.bulk_create(_period_rows(school, year, 3))
        record(
            actor=actor,
            action="pupil_records.periods.create",
            target=school,
            data={"year": year.label, "count": 3},
        )
    found = Period.objects.filter(school=school, starts_on__lte=day, ends_on__gt=day).first()
    if found is None:
        raise ValidationError(_("No period of the school holds this date."), code="period")
    return found


@transaction.atomic
def define_periods(*, actor: User, school: School, count: int, year: SchoolYear) -> list[Period]:
    """Cut a school year into three trimesters or two semesters, while no assessment uses it."""
    if not can_manage_settings(actor, school.pk):
        raise PermissionDenied
    if count not in SPLITS:
        raise ValidationError(_("Choose trimesters or semesters."), code="periods")
    current = Period.objects.filter(
        school=school, starts_on__gte=year.starts_on, starts_on__lt=year.ends_on
    )
    if Assessment.objects.filter(period__in=current).exists():
        raise ValidationError(
            _("Assessments already use this year's periods: they cannot change any more."),
            code="periods_in_use",
        )
    current.delete()
    periods = Period.objects.bulk_create(_period_rows(school, year, count))
    record(
        actor=actor,
        action="pupil_records.periods.define",
        target=school,
        data={"year": year.label, "count": count},
    )
    return periods


# Assessments and grades --------------------------------------------------------------------


def _check_scale(max_score: Decimal, coefficient: Decimal) -> None:
    if not Decimal(0) < max_score <= MAX_SCORE_LIMIT:
        raise ValidationError(
            _("The maximum score must be above 0 and at most %(limit)s.")
            % {"limit": MAX_SCORE_LIMIT},
            code="max_score",
        )
    if not Decimal(0) < coefficient <= MAX_COEFFICIENT:
        raise ValidationError(
            _("The coefficient must be above 0 and at most %(limit)s.")
            % {"limit": MAX_COEFFICIENT},
            code="coefficient",
        )


@transaction.atomic
def create_assessment(
    *,
    actor: User,
    assignment: TeachingAssignment,
    title: str,
    held_on: date,
    max_score: Decimal = Decimal(20),
    coefficient: Decimal = Decimal(1),
    rights: Rights | None = None,
) -> Assessment:
    """Set an assessment to the class or group of one of the actor's teaching assignments."""
    division: Division = assignment.school_class or assignment.teaching_group  # type: ignore[assignment]  # assignment: the constraint guarantees one
    if assignment.teacher_id != actor.pk or not can_assess(
        actor, division, assignment.subject_code, rights=rights
    ):
        raise AssessmentRefused
    _check_scale(max_score, coefficient)
    title = title.strip()
    if not title:
        raise ValidationError(_("Give the assessment a title."), code="title")
    school = division.school
    subject = assignment.subject
    assessment = Assessment.objects.create(
        school=school,
        school_class=assignment.school_class,
        teaching_group=assignment.teaching_group,
        subject_code=assignment.subject_code,
        subject_label=subject.label if subject is not None else assignment.subject_code,
        teacher=actor,
        period=ensure_periods(actor=actor, school=school, day=held_on),
        title=title[:200],
        held_on=held_on,
        max_score=max_score,
        coefficient=coefficient,
    )
    record(
        actor=actor,
        action="pupil_records.assessment.create",
        target=assessment,
        data={"max_score": str(max_score), "coefficient": str(coefficient)},
    )
    return assessment


@dataclass(frozen=True)
class GradeEntry:
    """One line of a grade sheet: a value, or a status; no value and GRADED clears it."""

    pupil_id: int
    value: Decimal | None = None
    status: str = GradeStatus.GRADED
    comment: str = ""


def _entry_errors(
    entries: Sequence[GradeEntry], assessment: Assessment, pupils: Mapping[int, User]
) -> list[str]:
    errors: list[str] = []
    seen: set[int] = set()
    for entry in entries:
        pupil = pupils.get(entry.pupil_id)
        if pupil is None:
            errors.append(
                _("Pupil %(id)s is not in %(division)s.")
                % {"id": entry.pupil_id, "division": assessment.division}
            )
            continue
        name = pupil.display_name
        if entry.pupil_id in seen:
            errors.append(_("%(name)s appears twice.") % {"name": name})
        seen.add(entry.pupil_id)
        if entry.status not in GradeStatus.values:
            errors.append(_("%(name)s: unknown status.") % {"name": name})
        elif entry.status != GradeStatus.GRADED and entry.value is not None:
            errors.append(_("%(name)s: give either a grade or a status.") % {"name": name})
        elif entry.value is not None and not Decimal(0) <= entry.value <= assessment.max_score:
            errors.append(
                _("%(name)s: %(value)s is outside 0 to %(max)s.")
                % {"name": name, "value": entry.value, "max": assessment.max_score}
            )
        elif entry.value is not None and entry.value != entry.value.quantize(Decimal("0.01")):
            errors.append(_("%(name)s: at most two decimals.") % {"name": name})
    return errors


@dataclass(frozen=True)
class SheetResult:
    created: int
    changed: int
    removed: int


@transaction.atomic
def enter_grades(
    *,
    actor: User,
    assessment: Assessment,
    entries: Sequence[GradeEntry],
    rights: Rights | None = None,
) -> SheetResult:
    """Enter the grades of a whole class or group at once: every line is checked first, and
    a single wrong line saves nothing."""
    if not can_grade(actor, assessment, rights=rights):
        raise AssessmentRefused
    pupils = {pupil.pk: pupil for pupil in division_pupils(assessment.division)}
    errors = _entry_errors(entries, assessment, pupils)
    if errors:
        raise ValidationError(errors, code="grades")
    existing = {
        grade.pupil_id: grade
        for grade in Grade.objects.select_for_update().filter(assessment=assessment)
    }
    now = timezone.now()
    new: list[Grade] = []
    changed: list[Grade] = []
    history: list[Change] = []
    removed: list[Grade] = []
    for entry in entries:
        grade = existing.get(entry.pupil_id)
        clears = entry.status == GradeStatus.GRADED and entry.value is None
        if grade is None:
            if not clears:
                new.append(
                    Grade(
                        assessment=assessment,
                        pupil_id=entry.pupil_id,
                        value=entry.value,
                        status=entry.status,
                        comment=entry.comment.strip()[:300],
                        updated_at=now,
                    )
                )
            continue
        if clears:
            removed.append(grade)
            continue
        before = (grade.value, grade.status, grade.comment)
        after = (entry.value, entry.status, entry.comment.strip()[:300])
        if tuple(map(_text, before)) == tuple(map(_text, after)):
            continue
        rows = _changes(
            actor=actor,
            obj=grade,
            pupil_id=grade.pupil_id,
            fields=zip(("value", "status", "comment"), before, after, strict=True),
            at=now,
        )
        grade.value, grade.status, grade.comment = after
        grade.updated_at = now
        changed.append(grade)
        history.extend(rows)
    Grade.objects.bulk_create(new)
    for grade in new:
        history.extend(
            _changes(
                actor=actor,
                obj=grade,
                pupil_id=grade.pupil_id,
                fields=(
                    ("value", None, grade.value),
                    ("status", None, grade.status),
                    ("comment", None, grade.comment),
                ),
                at=now,
            )
        )
    Grade.objects.bulk_update(changed, ["value", "status", "comment", "updated_at"])
    for grade in removed:
        history.extend(_deleted(actor, grade, grade.pupil_id, now, _("grade cleared")))
    Grade.objects.filter(pk__in=[grade.pk for grade in removed]).delete()
    _write_history(history)
    result = SheetResult(len(new), len(changed), len(removed))
    record(
        actor=actor,
        action="pupil_records.grades.enter",
        target=assessment,
        data={"created": result.created, "changed": result.changed, "removed": result.removed},
    )
    return result


def _deleted(
    actor: User | None, obj: models.Model, pupil_id: int, at: datetime, reason: str
) -> list[Change]:
    fields = HISTORY_FIELDS[RECORD_TYPE_OF[type(obj)]]
    return _changes(
        actor=actor,
        obj=obj,
        pupil_id=pupil_id,
        fields=((name, getattr(obj, name), None) for name in fields),
        reason=reason,
        at=at,
    )


HISTORY_FIELDS: dict[str, tuple[str, ...]] = {
    RecordType.GRADE: ("value", "status", "comment"),
    RecordType.RATING: ("level",),
    RecordType.ABSENCE: (
        "kind",
        "starts_at",
        "ends_at",
        "minutes_late",
        "reason",
        "justification",
        "status",
    ),
}


def _pupils_and_guardians(pupil_ids: Iterable[int]) -> models.QuerySet[User]:
    ids = list(pupil_ids)
    guardians = Guardianship.objects.filter(
        pupil_id__in=ids, has_legal_authority=True, guardian__is_active=True
    ).values("guardian_id")
    people: models.QuerySet[User] = User.objects.filter(
        models.Q(pk__in=ids) | models.Q(pk__in=guardians), is_active=True
    )
    return people


@transaction.atomic
def publish_assessment(
    *, actor: User, assessment: Assessment, rights: Rights | None = None
) -> Assessment:
    """Publish an assessment's grades to the pupils and their families, and tell them."""
    if not can_grade(actor, assessment, rights=rights):
        raise AssessmentRefused
    if assessment.is_published:
        return assessment
    assessment.is_published = True
    assessment.published_at = timezone.now()
    assessment.save(update_fields=["is_published", "published_at"])
    record(actor=actor, action="pupil_records.assessment.publish", target=assessment)
    pupil_ids = [pupil.pk for pupil in division_pupils(assessment.division)]
    event = Event(
        kind="pupil_records.grades",
        title=_("New grades in %(subject)s: %(title)s")
        % {"subject": assessment.subject_label, "title": assessment.title},
        url=reverse("pupil_records:home"),
        school_id=assessment.school_id,
    )
    transaction.on_commit(lambda: notify(recipients=_pupils_and_guardians(pupil_ids), event=event))
    return assessment


# Competencies ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RatingEntry:
    """One cell of the competency grid: no level clears that day's rating."""

    pupil_id: int
    competency_id: int
    level: int | None


@transaction.atomic
def rate_competencies(
    *,
    actor: User,
    assignment: TeachingAssignment,
    rated_on: date,
    entries: Sequence[RatingEntry],
    rights: Rights | None = None,
) -> SheetResult:
    """Rate pupils of one of the actor's classes or groups on competencies, on one day, in
    their subject (four-level scale); nothing is saved unless every cell is valid."""
    division: Division = assignment.school_class or assignment.teaching_group  # type: ignore[assignment]  # assignment: the constraint guarantees one
    if assignment.teacher_id != actor.pk or not can_assess(
        actor, division, assignment.subject_code, rights=rights
    ):
        raise AssessmentRefused
    pupils = {pupil.pk for pupil in division_pupils(division)}
    competencies = set(Competency.objects.values_list("pk", flat=True))
    for entry in entries:
        if entry.pupil_id not in pupils or entry.competency_id not in competencies:
            raise ValidationError(_("A pupil or a competency is not in this grid."), code="grid")
        if entry.level is not None and entry.level not in MasteryLevel.values:
            raise ValidationError(_("Levels go from 1 to 4."), code="level")
    ensure_periods(actor=actor, school=division.school, day=rated_on)
    existing = {
        (rating.pupil_id, rating.competency_id): rating
        for rating in CompetencyRating.objects.select_for_update().filter(
            rated_by=actor, subject_code=assignment.subject_code, rated_on=rated_on
        )
    }
    now = timezone.now()
    subject = assignment.subject
    new: list[CompetencyRating] = []
    changed: list[CompetencyRating] = []
    removed: list[CompetencyRating] = []
    history: list[Change] = []
    for entry in entries:
        rating = existing.get((entry.pupil_id, entry.competency_id))
        if rating is None and entry.level is not None:
            new.append(
                CompetencyRating(
                    school=division.school,
                    pupil_id=entry.pupil_id,
                    competency_id=entry.competency_id,
                    rated_by=actor,
                    subject_code=assignment.subject_code,
                    subject_label=subject.label if subject else assignment.subject_code,
                    rated_on=rated_on,
                    level=entry.level,
                )
            )
        elif rating is not None and entry.level is None:
            removed.append(rating)
        elif rating is not None and rating.level != entry.level:
            history.extend(
                _changes(
                    actor=actor,
                    obj=rating,
                    pupil_id=rating.pupil_id,
                    fields=[("level", rating.level, entry.level)],
                    at=now,
                )
            )
            rating.level = entry.level  # type: ignore[assignment]  # assignment: not None here
            changed.append(rating)
    CompetencyRating.objects.bulk_create(new)
    for rating in new:
        history.extend(
            _changes(
                actor=actor,
                obj=rating,
                pupil_id=rating.pupil_id,
                fields=[("level", None, rating.level)],
                at=now,
            )
        )
    CompetencyRating.objects.bulk_update(changed, ["level"])
    for rating in removed:
        history.extend(_deleted(actor, rating, rating.pupil_id, now, _("rating cleared")))
    CompetencyRating.objects.filter(pk__in=[rating.pk for rating in removed]).delete()
    _write_history(history)
    result = SheetResult(len(new), len(changed), len(removed))
    record(
        actor=actor,
        action="pupil_records.competencies.rate",
        target=assignment,
        data={"created": result.created, "changed": result.changed, "removed": result.removed},
    )
    return result


# Absences ----------------------------------------------------------------------------------


def _check_times(kind: str, starts_at: datetime, ends_at: datetime, minutes: int | None) -> None:
    if kind not in AbsenceKind.values:
        raise ValidationError(_("Unknown kind of absence."), code="kind")
    if ends_at <= starts_at:
        raise ValidationError(_("The end must come after the start."), code="times")
    if kind == AbsenceKind.LATENESS and not (minutes and 0 < minutes <= MAX_MINUTES_LATE):
        raise ValidationError(
            _("Give the minutes late, from 1 to %(max)d.") % {"max": MAX_MINUTES_LATE},
            code="minutes",
        )
    if kind == AbsenceKind.ABSENCE and minutes is not None:
        raise ValidationError(_("Minutes late are for a lateness only."), code="minutes")


def _notify_guardians(absence: Absence) -> None:
    """Tell the pupil's legal guardians, once the absence is saved."""
    guardians = User.objects.filter(
        pk__in=Guardianship.objects.filter(
            pupil_id=absence.pupil_id, has_legal_authority=True
        ).values("guardian_id"),
        is_active=True,
    )
    local = timezone.localtime(absence.starts_at)
    title = (
        _("Lateness of %(name)s on %(date)s")
        if absence.kind == AbsenceKind.LATENESS
        else _("Absence of %(name)s on %(date)s")
    )
    event = Event(
        kind="pupil_records.absence",
        title=title
        % {
            "name": absence.pupil.first_name or absence.pupil.display_name,
            "date": date_format(local, "SHORT_DATETIME_FORMAT"),
        },
        url=reverse("pupil_records:absence", args=[absence.pk]),
        school_id=absence.school_id,
    )
    transaction.on_commit(lambda: notify(recipients=guardians, event=event))


def _create_absence(
    *,
    actor: User,
    pupil: User,
    school: School,
    kind: str,
    starts_at: datetime,
    ends_at: datetime,
    minutes_late: int | None,
    reason: str,
    now: datetime,
) -> Absence:
    classified = bool(reason)
    ensure_periods(actor=actor, school=school, day=timezone.localdate(starts_at))
    absence = Absence.objects.create(
        pupil=pupil,
        school=school,
        kind=kind,
        starts_at=starts_at,
        ends_at=ends_at,
        minutes_late=minutes_late,
        recorded_by=actor,
        recorded_at=now,
        reason=reason,
        status=AbsenceStatus.CLASSIFIED if classified else AbsenceStatus.REPORTED,
    )
    _write_history(
        _changes(
            actor=actor,
            obj=absence,
            pupil_id=pupil.pk,
            fields=((name, None, getattr(absence, name)) for name in HISTORY_FIELDS["absence"]),
            at=now,
        )
    )
    record(actor=actor, action="pupil_records.absence.record", target=absence)
    _notify_guardians(absence)
    return absence


@transaction.atomic
def record_absence(
    *,
    actor: User,
    pupil: User,
    school: School,
    kind: str,
    starts_at: datetime,
    ends_at: datetime,
    minutes_late: int | None = None,
    reason: str = "",
    rights: Rights | None = None,
) -> Absence:
    """Record an absence or a lateness; the pupil's guardians are told. A reason, given by the
    CPE or the head only, classifies it at once."""
    if not can_record_absence(actor, pupil, school, rights=rights):
        raise AbsenceRefused
    _check_times(kind, starts_at, ends_at, minutes_late)
    if reason:
        if reason not in Reason.values:
            raise ValidationError(_("Unknown reason."), code="reason")
        if not can_classify_absence(actor, school.pk, rights=rights):
            raise ValidationError(
                _("Only the CPE or the head of school gives the reason of an absence."),
                code="reason",
            )
    if Absence.objects.filter(
        pupil=pupil, kind=kind, starts_at__lt=ends_at, ends_at__gt=starts_at
    ).exists():
        raise ValidationError(_("This pupil is already recorded for this time."), code="overlap")
    return _create_absence(
        actor=actor,
        pupil=pupil,
        school=school,
        kind=kind,
        starts_at=starts_at,
        ends_at=ends_at,
        minutes_late=minutes_late,
        reason=reason,
        now=timezone.now(),
    )


PRESENT, ABSENT, LATE = "PRESENT", "ABSENT", "LATE"


@dataclass(frozen=True)
class Mark:
    """One pupil at the register: present, absent, or late by `minutes`."""

    pupil_id: int
    state: str
    minutes: int | None = None


def slot_window(day: date, slot: str) -> tuple[datetime, datetime]:
    """Return the aware start and end of a half-day."""
    start, end = SLOTS[slot]
    return (
        timezone.make_aware(datetime.combine(day, start)),
        timezone.make_aware(datetime.combine(day, end)),
    )


@dataclass(frozen=True)
class RegisterResult:
    absences: int
    lateness: int
    cleared: int


@transaction.atomic
def take_register(
    *,
    actor: User,
    division: Division,
    day: date,
    slot: str,
    marks: Sequence[Mark],
    rights: Rights | None = None,
) -> RegisterResult:
    """Call the register of a class or group for a half-day, in one transaction: absent and
    late pupils are recorded once, and a pupil marked present again loses the absence the
    register gave them while nobody has justified it."""
    if not can_take_register(actor, division, rights=rights):
        raise AbsenceRefused
    if slot not in SLOTS:
        raise ValidationError(_("Choose the morning or the afternoon."), code="slot")
    pupils = {pupil.pk: pupil for pupil in division_pupils(division)}
    for mark in marks:
        if mark.pupil_id not in pupils:
            raise ValidationError(_("A pupil is not in this class or group."), code="pupil")
        if mark.state not in (PRESENT, ABSENT, LATE):
            raise ValidationError(_("Unknown mark."), code="mark")
        if mark.state == LATE and not (mark.minutes and 0 < mark.minutes <= MAX_MINUTES_LATE):
            raise ValidationError(
                _("%(name)s: give the minutes late, from 1 to %(max)d.")
                % {"name": pupils[mark.pupil_id].display_name, "max": MAX_MINUTES_LATE},
                code="minutes",
            )
    start, end = slot_window(day, slot)
    recorded = {
        (absence.pupil_id, absence.kind): absence
        for absence in Absence.objects.select_for_update().filter(
            pupil__in=list(pupils), starts_at__lt=end, ends_at__gt=start
        )
    }
    now = timezone.now()
    counts = {ABSENT: 0, LATE: 0, PRESENT: 0}
    for mark in marks:
        pupil = pupils[mark.pupil_id]
        if mark.state == PRESENT:
            for kind in AbsenceKind.values:
                absence = recorded.get((pupil.pk, kind))
                if absence is not None and _from_register(absence, start, end):
                    _delete_absence(actor, absence, _("marked present at the register"), now)
                    counts[PRESENT] += 1
            continue
        kind = AbsenceKind.ABSENCE if mark.state == ABSENT else AbsenceKind.LATENESS
        if (pupil.pk, kind) in recorded:
            continue
        minutes = mark.minutes if mark.state == LATE else None
        _create_absence(
            actor=actor,
            pupil=pupil,
            school=division.school,
            kind=kind,
            starts_at=start,
            ends_at=end if kind == AbsenceKind.ABSENCE else start + timedelta(minutes=minutes or 1),
            minutes_late=minutes,
            reason="",
            now=now,
        )
        counts[mark.state] += 1
    return RegisterResult(counts[ABSENT], counts[LATE], counts[PRESENT])


def _from_register(absence: Absence, start: datetime, end: datetime) -> bool:
    """Tell whether the register of this half-day made `absence`, and nobody judged it since."""
    return (
        absence.status == AbsenceStatus.REPORTED
        and absence.starts_at == start
        and (absence.kind == AbsenceKind.LATENESS or absence.ends_at == end)
    )


def _delete_absence(actor: User, absence: Absence, reason: str, now: datetime) -> None:
    _write_history(_deleted(actor, absence, absence.pupil_id, now, reason))
    record(
        actor=actor,
        action="pupil_records.absence.delete",
        target=absence,
        data={"reason": reason},
    )
    absence.delete()


@transaction.atomic
def change_absence(
    *,
    actor: User,
    absence: Absence,
    kind: str,
    starts_at: datetime,
    ends_at: datetime,
    minutes_late: int | None = None,
    note: str = "",
    rights: Rights | None = None,
) -> Absence:
    """Correct the kind or the times of an absence; the history keeps the old values."""
    if not can_change_absence(actor, absence, rights=rights):
        raise AbsenceRefused
    _check_times(kind, starts_at, ends_at, minutes_late)
    names = ("kind", "starts_at", "ends_at", "minutes_late")
    rows = _changes(
        actor=actor,
        obj=absence,
        pupil_id=absence.pupil_id,
        fields=zip(
            names,
            (absence.kind, absence.starts_at, absence.ends_at, absence.minutes_late),
            (kind, starts_at, ends_at, minutes_late),
            strict=True,
        ),
        reason=note,
    )
    if not rows:
        return absence
    absence.kind, absence.starts_at, absence.ends_at = kind, starts_at, ends_at
    absence.minutes_late = minutes_late
    absence.save(update_fields=list(names))
    _write_history(rows)
    record(
        actor=actor,
        action="pupil_records.absence.change",
        target=absence,
        data={row.field: [row.old_value, row.new_value] for row in rows},
    )
    return absence


@transaction.atomic
def classify_absence(
    *, actor: User, absence: Absence, reason: str, note: str = "", rights: Rights | None = None
) -> Absence:
    """Judge an absence: the CPE or the head gives its reason, legitimate or not."""
    if not can_classify_absence(actor, absence.school_id, rights=rights):
        raise AbsenceRefused
    if reason not in Reason.values:
        raise ValidationError(_("Unknown reason."), code="reason")
    rows = _changes(
        actor=actor,
        obj=absence,
        pupil_id=absence.pupil_id,
        fields=(
            ("reason", absence.reason, reason),
            ("status", absence.status, AbsenceStatus.CLASSIFIED),
        ),
        reason=note,
    )
    if not rows:
        return absence
    absence.reason, absence.status = reason, AbsenceStatus.CLASSIFIED
    absence.save(update_fields=["reason", "status"])
    _write_history(rows)
    record(
        actor=actor,
        action="pupil_records.absence.classify",
        target=absence,
        data={"reason": reason},
    )
    return absence


@transaction.atomic
def justify_absence(
    *, actor: User, absence: Absence, reason: str, text: str, rights: Rights | None = None
) -> Absence:
    """Give a family's reason for an absence; the CPE or the head then classifies it."""
    if not can_justify_absence(actor, absence, rights=rights):
        raise AbsenceRefused
    if reason not in FAMILY_REASONS:
        raise ValidationError(_("Choose a reason from the list."), code="reason")
    text = text.strip()
    if not text:
        raise ValidationError(_("Write a few words of justification."), code="text")
    now = timezone.now()
    rows = _changes(
        actor=actor,
        obj=absence,
        pupil_id=absence.pupil_id,
        fields=(
            ("reason", absence.reason, reason),
            ("justification", absence.justification, text[:2000]),
            ("status", absence.status, AbsenceStatus.JUSTIFIED),
        ),
        at=now,
    )
    absence.reason, absence.justification = reason, text[:2000]
    absence.status, absence.justified_at, absence.justified_by = (
        AbsenceStatus.JUSTIFIED,
        now,
        actor,
    )
    absence.save(
        update_fields=["reason", "justification", "status", "justified_at", "justified_by"]
    )
    _write_history(rows)
    record(
        actor=actor, action="pupil_records.absence.justify", target=absence, data={"reason": reason}
    )
    return absence


@transaction.atomic
def delete_absence(
    *, actor: User, absence: Absence, note: str, rights: Rights | None = None
) -> None:
    """Delete an absence recorded by mistake; its history stays, with the reason."""
    if not can_change_absence(actor, absence, rights=rights):
        raise AbsenceRefused
    if not note.strip():
        raise ValidationError(_("Say why the absence is deleted."), code="note")
    _delete_absence(actor, absence, note.strip(), timezone.now())


# Retention (UTI-AVE-SIE-05) ----------------------------------------------------------------


@dataclass(frozen=True)
class PurgeResult:
    absences: int
    changes: int
    cutoff: datetime


def _chunks(ids: list[int], size: int = 500) -> Iterable[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


@transaction.atomic
def purge_old_absences(*, actor: User | None = None, now: datetime | None = None) -> PurgeResult:
    """Delete absences recorded for a day more than a year ago, with their history rows: the
    retention rule covers both. One audit record counts what went."""
    cutoff = (now or timezone.now()) - ABSENCE_RETENTION
    ids = list(Absence.objects.filter(starts_at__lt=cutoff).values_list("pk", flat=True))
    changes = absences = 0
    for chunk in _chunks(ids):
        changes += purge_history(
            Change.objects.filter(record_type=RecordType.ABSENCE, object_id__in=chunk)
        )
        absences += Absence.objects.filter(pk__in=chunk).delete()[0]
    record(
        actor=actor,
        action="pupil_records.absences.purge",
        data={"absences": absences, "changes": changes, "before": cutoff.isoformat()},
    )
    return PurgeResult(absences, changes, cutoff)


@transaction.atomic
def erase_pupil_records(person: User) -> None:
    """Erase a purged pupil's grades, ratings, absences, report comments and their history
    (SOC-SUP-ABO-01: a departed pupil's personal data goes with the account)."""
    counts = {
        "changes": purge_history(Change.objects.filter(pupil=person)),
        "grades": Grade.objects.filter(pupil=person).delete()[0],
        "ratings": CompetencyRating.objects.filter(pupil=person).delete()[0],
        "absences": Absence.objects.filter(pupil=person).delete()[0],
        "comments": ReportComment.objects.filter(pupil=person).delete()[0],
    }
    if any(counts.values()):
        record(actor=None, action="pupil_records.person.erase", target=person, data=counts)


# Report comments ---------------------------------------------------------------------------


@transaction.atomic
def comment_report(
    *, actor: User, pupil: User, period: Period, text: str, rights: Rights | None = None
) -> ReportComment | None:
    """Write, change or (with no text) remove the class teacher's comment of a report."""
    if not can_comment_report(actor, pupil.pk, period.school_id, rights=rights):
        raise PermissionDenied
    text = text.strip()[:2000]
    if not text:
        ReportComment.objects.filter(pupil=pupil, period=period).delete()
        record(actor=actor, action="pupil_records.report.uncomment", target=pupil)
        return None
    comment, _created = ReportComment.objects.update_or_create(
        pupil=pupil,
        period=period,
        defaults={"text": text, "author": actor, "updated_at": timezone.now()},
    )
    record(
        actor=actor,
        action="pupil_records.report.comment",
        target=comment,
        data={"period": period.pk},
    )
    return comment


# The school's choice and the service's grants ----------------------------------------------


@transaction.atomic
def install_school_grants(*, actor: User | None = None, school: School | None = None) -> int:
    """Grant the service in every active school (or one) to the profiles of `SCHOOL_GRANTS`,
    once: a grant an administrator revoked since is never installed again."""
    schools = School.objects.filter(is_active=True)
    if school is not None:
        schools = schools.filter(pk=school.pk)
    done = set(SchoolGrant.objects.values_list("school_id", "profile"))
    external = set(
        SchoolSetting.objects.filter(uses_external_tool=True).values_list("school_id", flat=True)
    )
    created = 0
    for row in schools.order_by("pk"):
        for default in SCHOOL_GRANTS:
            if (row.pk, default.profile) in done:
                continue
            grant = grant_service(
                actor=None,
                service=SERVICE,
                level=default.level,
                profile=default.profile,
                school=row,
            )
            suspended = row.pk in external
            if suspended:
                suspend_grant(actor=None, grant=grant)
            SchoolGrant.objects.create(
                school=row,
                profile=default.profile,
                grant=grant,
                is_suspended_for_external=suspended,
            )
            created += 1
    if created:
        record(actor=actor, action="pupil_records.grants.install", data={"created": created})
    return created


def _apply_external(actor: User, school: School, external: bool) -> int:
    """Suspend the school's grants of the service for an external tool, or resume them."""
    rows = SchoolGrant.objects.filter(school=school, is_suspended_for_external=not external)
    rows = rows.select_related("grant")
    count = 0
    for row in rows:
        if row.grant.revoked_at is not None:
            continue
        if external:
            if row.grant.suspended_at is not None:
                continue  # suspended by an administrator: theirs to resume, not ours
            suspend_grant(actor=actor, grant=row.grant)
        else:
            resume_grant(actor=actor, grant=row.grant)
        row.is_suspended_for_external = external
        row.save(update_fields=["is_suspended_for_external"])
        count += 1
    return count


@transaction.atomic
def set_school_setting(
    *, actor: User, school: School, uses_external_tool: bool, connector_code: str = ""
) -> SchoolSetting:
    """Choose between the native service and the school's external vie scolaire tool. With
    the external tool, the service's grants in the school are suspended: the launcher hides
    it and its pages answer 404 there; the connector is an SSO service the head approves."""
    if not can_manage_settings(actor, school.pk):
        raise PermissionDenied
    setting, _created = SchoolSetting.objects.select_for_update().get_or_create(school=school)
    switched = setting.uses_external_tool != uses_external_tool
    setting.uses_external_tool = uses_external_tool
    setting.connector_code = connector_code.strip()
    setting.updated_at, setting.updated_by = timezone.now(), actor
    setting.save()
    moved = _apply_external(actor, school, uses_external_tool) if switched else 0
    record(
        actor=actor,
        action="pupil_records.setting.change",
        target=setting,
        data={
            "uses_external_tool": uses_external_tool,
            "connector_code": setting.connector_code,
            "grants_suspended" if uses_external_tool else "grants_resumed": moved,
        },
    )
    return setting


@transaction.atomic
def apply_settings(
    *,
    actor: User,
    school: School,
    year: SchoolYear,
    uses_external_tool: bool,
    connector_code: str = "",
    periods: str = "",
) -> SchoolSetting:
    """Save the settings page: the school's choice of tool, and its periods when asked."""
    setting = set_school_setting(
        actor=actor,
        school=school,
        uses_external_tool=uses_external_tool,
        connector_code=connector_code,
    )
    if periods:
        define_periods(actor=actor, school=school, count=int(periods), year=year)
    return setting


@transaction.atomic
def install_reference_competencies() -> int:
    """Create the reference competencies that are missing (the migration seeds them; a test
    database flushed between tests loses them); return how many were created."""
    known = set(Competency.objects.values_list("code", flat=True))
    missing = [
        Competency(code=code, domain=domain, label=label)
        for code, domain, label in COMPETENCIES
        if code not in known
    ]
    Competency.objects.bulk_create(missing)
    return len(missing)
