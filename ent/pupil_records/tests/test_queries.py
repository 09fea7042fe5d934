"""Averages with coefficients and half-day counts, checked against figures computed by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from ent.pupil_records.actions import GradeEntry, enter_grades, record_absence
from ent.pupil_records.models import AbsenceKind, GradeStatus, Reason
from ent.pupil_records.queries import absence_counts, pupil_record

from .factories import aware, graded_assessment

pytestmark = pytest.mark.django_db


def _with_status(records, assessment, pupil, status):
    enter_grades(
        actor=assessment.teacher,
        assessment=assessment,
        entries=[GradeEntry(pupil.pk, None, status)],
    )


@pytest.mark.sdet("UTI-AVE-SIE-01")
def test_averages_per_subject_and_overall_follow_the_coefficients(records):
    lea = records.lea
    # History-geography: 12/20 (coefficient 2), 7/10 (14/20, coefficient 1), absent (not counted).
    graded_assessment(records, grades={lea: Decimal(12)}, coefficient=Decimal(2))
    graded_assessment(records, grades={lea: Decimal(7)}, max_score=Decimal(10))
    absent = graded_assessment(records, title="Oral")
    _with_status(records, absent, lea, GradeStatus.ABSENT)
    # Mathematics: 15/20 (coefficient 1), 30/40 (15/20, coefficient 3), exempt (not counted).
    maths = records.maths_3a
    graded_assessment(records, assignment=maths, grades={lea: Decimal(15)})
    graded_assessment(
        records,
        assignment=maths,
        grades={lea: Decimal(30)},
        max_score=Decimal(40),
        coefficient=Decimal(3),
    )
    exempt = graded_assessment(records, assignment=maths, title="Sport")
    _with_status(records, exempt, lea, GradeStatus.EXEMPT)
    # Not published: never in the pupil's averages.
    graded_assessment(records, grades={lea: Decimal(0)}, publish=False, title="Brouillon")

    record = pupil_record(lea, lea, period_id=None)
    averages = {subject.code: subject.average for subject in record.subjects}
    # HG: (12*2 + 14*1) / 3 = 12.666… → 12.67; maths: (15*1 + 15*3) / 4 = 15.
    assert averages == {"HG": Decimal("12.67"), "MATHS": Decimal("15.00")}
    # The overall average is the mean of the subjects' averages: (12.67 + 15.00) / 2 = 13.835.
    assert record.overall == Decimal("13.84")
    assert sum(len(subject.grades) for subject in record.subjects) == 6


def test_a_subject_with_statuses_only_has_no_average_and_does_not_count(records):
    lea = records.lea
    graded_assessment(records, grades={lea: Decimal(10)})
    only = graded_assessment(records, assignment=records.maths_3a)
    _with_status(records, only, lea, GradeStatus.NOT_GRADED)
    record = pupil_record(lea, lea, period_id=None)
    assert {s.code: s.average for s in record.subjects} == {"HG": Decimal("10.00"), "MATHS": None}
    assert record.overall == Decimal("10.00")


@pytest.mark.sdet("UTI-AVE-SIE-03")
@pytest.mark.sdet("UTI-AVE-SIE-04")
def test_half_days_with_a_legitimate_reason_are_counted_per_week(records):
    """spec-utilisateur scenario 33: Monday morning for illness, Tuesday afternoon unjustified."""
    lea, roux, school = records.lea, records.roux, records.cast.school
    record_absence(
        actor=roux,
        pupil=lea,
        school=school,
        kind=AbsenceKind.ABSENCE,
        starts_at=aware("2026-11-16 08:00"),
        ends_at=aware("2026-11-16 12:00"),
        reason=Reason.ILLNESS,
    )
    record_absence(
        actor=roux,
        pupil=lea,
        school=school,
        kind=AbsenceKind.ABSENCE,
        starts_at=aware("2026-11-17 13:30"),
        ends_at=aware("2026-11-17 17:30"),
        reason=Reason.NOT_JUSTIFIED,
    )
    record_absence(
        actor=roux,
        pupil=lea,
        school=school,
        kind=AbsenceKind.LATENESS,
        starts_at=aware("2026-11-18 08:00"),
        ends_at=aware("2026-11-18 08:10"),
        minutes_late=10,
    )
    record = pupil_record(roux, lea, period_id=None)
    assert (record.counts.half_days, record.counts.legitimate_half_days) == (2, 1)
    assert (record.counts.complete_half_days, record.counts.lateness) == (2, 1)
    assert [(week.monday, week.counts.legitimate_half_days) for week in record.weeks] == [
        (date(2026, 11, 16), 1)
    ]


def test_a_lesson_long_absence_is_a_half_day_but_not_a_complete_one(records):
    absence = record_absence(
        actor=records.dupont,
        pupil=records.lea,
        school=records.cast.school,
        kind=AbsenceKind.ABSENCE,
        starts_at=aware("2026-11-16 09:00"),
        ends_at=aware("2026-11-16 10:00"),
    )
    two_days = record_absence(
        actor=records.roux,
        pupil=records.hugo,
        school=records.cast.school,
        kind=AbsenceKind.ABSENCE,
        starts_at=aware("2026-11-16 08:00"),
        ends_at=aware("2026-11-17 17:30"),
        reason=Reason.LEGITIMATE,
    )
    counts, _weeks = absence_counts([absence])
    assert (counts.half_days, counts.complete_half_days, counts.unjustified_half_days) == (1, 0, 1)
    counts, _weeks = absence_counts([two_days])
    assert (counts.half_days, counts.complete_half_days, counts.legitimate_half_days) == (4, 4, 4)
