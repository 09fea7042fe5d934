"""The pupil follow-up REST endpoints: a pupil's grades (their own, a child's), grades entered
by a teacher, absences recorded, and a family's justification. Same actions as the pages."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import cast

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema
from ninja import Status as Answer

from ent.directory.models import School, User
from ent.rights.decorators import ServiceAuth
from ent.rights.queries import rights_of
from ent.rights.registry import Level

from . import actions, queries
from .apps import SERVICE
from .models import Absence, AbsenceKind, Assessment, GradeStatus, Reason


class RecordsAuth(ServiceAuth):
    """401 without a session; 404 for the people of a school that chose an external tool;
    403 without the service."""

    def authenticate(self, request: HttpRequest, key: str | None) -> User | None:
        user = request.user
        if (
            isinstance(user, User)
            and user.is_active
            and not rights_of(request).has(SERVICE)
            and queries.in_external_school(user)
        ):
            raise Http404
        return super().authenticate(request, key)


router = Router(tags=["pupil_records"], auth=RecordsAuth(SERVICE))
WRITE = RecordsAuth(SERVICE, level=Level.USE)


class GradeOut(Schema):
    id: int
    assessment_id: int
    subject_code: str
    subject: str
    title: str
    held_on: date
    max_score: Decimal
    coefficient: Decimal
    value: Decimal | None
    status: GradeStatus
    comment: str


class SubjectOut(Schema):
    code: str
    label: str
    average: Decimal | None = Field(description="Out of 20, coefficients applied.")
    grades: list[GradeOut]


class RecordOut(Schema):
    pupil_id: int
    period_id: int | None
    period: str
    overall: Decimal | None = Field(description="The mean of the subjects' averages.")
    subjects: list[SubjectOut]


class PeriodFilter(Schema):
    period_id: int | None = None


class GradeIn(Schema):
    pupil_id: int
    value: Decimal | None = None
    status: GradeStatus = GradeStatus.GRADED
    comment: str = Field("", max_length=300)


class GradesIn(Schema):
    grades: list[GradeIn] = Field(min_length=1, max_length=200)


class SheetOut(Schema):
    created: int
    changed: int
    removed: int


class AbsenceIn(Schema):
    pupil_id: int
    school_id: int
    kind: AbsenceKind = AbsenceKind.ABSENCE
    starts_at: datetime
    ends_at: datetime
    minutes_late: int | None = None
    reason: Reason | None = None


class JustificationIn(Schema):
    reason: Reason
    text: str = Field(min_length=1, max_length=2000)


class ChangeOut(Schema):
    at: datetime
    actor_label: str
    field: str
    old_value: str
    new_value: str
    reason: str


class AbsenceOut(Schema):
    id: int
    pupil_id: int
    school_id: int
    kind: AbsenceKind
    starts_at: datetime
    ends_at: datetime
    minutes_late: int | None
    reason: str
    justification: str
    status: str
    history: list[ChangeOut] = []


def _person(request: HttpRequest) -> User:
    # RecordsAuth put the signed-in User in request.auth.
    return cast(User, request.auth)  # type: ignore[attr-defined]  # attr-defined: ninja sets request.auth


def _record(request: HttpRequest, pupil: User, period_id: int | None) -> dict[str, object]:
    record = queries.pupil_record(
        _person(request), pupil, period_id=period_id, rights=rights_of(request)
    )
    subjects = [
        {
            "code": subject.code,
            "label": subject.label,
            "average": subject.average,
            "grades": [
                {
                    "id": grade.pk,
                    "assessment_id": grade.assessment_id,
                    "subject_code": grade.assessment.subject_code,
                    "subject": grade.assessment.subject_label,
                    "title": grade.assessment.title,
                    "held_on": grade.assessment.held_on,
                    "max_score": grade.assessment.max_score,
                    "coefficient": grade.assessment.coefficient,
                    "value": grade.value,
                    "status": grade.status,
                    "comment": grade.comment,
                }
                for grade in subject.grades
            ],
        }
        for subject in record.subjects
    ]
    return {
        "pupil_id": pupil.pk,
        "period_id": record.period.pk if record.period else None,
        "period": record.period.label if record.period else "",
        "overall": record.overall,
        "subjects": subjects,
    }


@router.get("/me/grades", response=RecordOut)
def my_grades(request: HttpRequest, filters: Query[PeriodFilter]) -> dict[str, object]:
    """Read the caller's own published grades in a period, with their averages."""
    person = _person(request)
    return _record(request, person, filters.period_id)


@router.get("/pupils/{pupil_id}/grades", response=RecordOut)
def pupil_grades(
    request: HttpRequest, pupil_id: int, filters: Query[PeriodFilter]
) -> dict[str, object]:
    """Read a pupil's grades in a period as the caller may see them: a child's for a guardian,
    a class's for its professeur principal; another pupil's answer 404."""
    pupil = get_object_or_404(queries.record_pupils(_person(request)), pk=pupil_id)
    return _record(request, pupil, filters.period_id)


@router.post("/assessments/{assessment_id}/grades", response=SheetOut, auth=WRITE)
def enter_grades(request: HttpRequest, assessment_id: int, payload: GradesIn) -> object:
    """Enter grades of an assessment the caller teaches; one wrong line saves nothing (422)."""
    person, rights = _person(request), rights_of(request)
    assessment = get_object_or_404(
        Assessment.objects.gradable_by(person, rights=rights), pk=assessment_id
    )
    entries = [
        actions.GradeEntry(row.pupil_id, row.value, row.status, row.comment)
        for row in payload.grades
    ]
    return actions.enter_grades(actor=person, assessment=assessment, entries=entries, rights=rights)


def _absence_out(absence: Absence) -> dict[str, object]:
    return {
        **AbsenceOut.from_orm(absence).model_dump(exclude={"history"}),
        "history": queries.history_of(absence),
    }


@router.post("/absences", response={201: AbsenceOut}, auth=WRITE)
def record_absence(request: HttpRequest, payload: AbsenceIn) -> Answer[dict[str, object]]:
    """Record an absence or a lateness of a pupil the caller teaches or follows (CPE, head)."""
    person = _person(request)
    pupil = get_object_or_404(queries.record_pupils(person), pk=payload.pupil_id)
    school = get_object_or_404(School, pk=payload.school_id, is_active=True)
    absence = actions.record_absence(
        actor=person,
        pupil=pupil,
        school=school,
        kind=payload.kind,
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
        minutes_late=payload.minutes_late,
        reason=payload.reason or "",
        rights=rights_of(request),
    )
    return Answer(201, _absence_out(absence))


@router.get("/absences/{absence_id}", response=AbsenceOut)
def get_absence(request: HttpRequest, absence_id: int) -> dict[str, object]:
    """Read an absence and its history (404 when the caller may not see it)."""
    rows = Absence.objects.visible_to(_person(request), rights=rights_of(request))
    return _absence_out(get_object_or_404(rows, pk=absence_id))


@router.post("/absences/{absence_id}/justification", response=AbsenceOut, auth=WRITE)
def justify(request: HttpRequest, absence_id: int, payload: JustificationIn) -> dict[str, object]:
    """Justify a child's absence (a guardian with legal authority)."""
    person, rights = _person(request), rights_of(request)
    absence = get_object_or_404(Absence.objects.visible_to(person, rights=rights), pk=absence_id)
    actions.justify_absence(
        actor=person, absence=absence, reason=payload.reason, text=payload.text, rights=rights
    )
    return _absence_out(absence)
