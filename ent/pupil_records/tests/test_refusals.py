"""Every refusal and no-op of the actions: bad input says why and changes nothing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command

from ent.core.calendar import school_year_of
from ent.pupil_records.actions import (
    AbsenceRefused,
    AssessmentRefused,
    GradeEntry,
    Mark,
    RatingEntry,
    apply_settings,
    change_absence,
    classify_absence,
    comment_report,
    create_assessment,
    define_periods,
    ensure_periods,
    enter_grades,
    erase_pupil_records,
    install_school_grants,
    justify_absence,
    publish_assessment,
    rate_competencies,
    record_absence,
    set_school_setting,
    take_register,
)
from ent.pupil_records.models import (
    AbsenceKind,
    Change,
    Competency,
    CompetencyRating,
    Grade,
    Period,
    Reason,
    ReportComment,
    SchoolGrant,
    SchoolSetting,
)
from ent.pupil_records.permissions import can_change_absence
from ent.rights.actions import revoke_grant, suspend_grant
from ent.rights.queries import effective_rights
from ent.rights.tests.factories import new_school

from .factories import aware, graded_assessment

pytestmark = pytest.mark.django_db


def test_a_day_outside_every_period_of_the_year_is_refused(records):
    school = records.cast.school
    Period.objects.create(
        school=school, label="T1", starts_on=date(2026, 9, 1), ends_on=date(2026, 10, 1)
    )
    with pytest.raises(ValidationError):
        ensure_periods(actor=None, school=school, day=date(2026, 11, 2))


def test_periods_are_the_heads_and_come_in_twos_or_threes(records):
    year = school_year_of()
    with pytest.raises(PermissionDenied):
        define_periods(actor=records.dupont, school=records.cast.school, count=2, year=year)
    with pytest.raises(ValidationError):
        define_periods(actor=records.cast.head, school=records.cast.school, count=4, year=year)
    apply_settings(
        actor=records.cast.head,
        school=records.cast.school,
        year=year,
        uses_external_tool=False,
        periods="2",
    )
    assert Period.objects.filter(school=records.cast.school).count() == 2


def test_an_assessment_needs_a_scale_and_a_title(records):
    for fields in (
        {"title": "x", "max_score": Decimal(0)},
        {"title": "x", "coefficient": Decimal(101)},
        {"title": "  "},
    ):
        with pytest.raises(ValidationError):
            create_assessment(
                actor=records.dupont,
                assignment=records.hg_3a,
                held_on=date(2026, 11, 10),
                **fields,
            )


def test_a_grade_sheet_refuses_twice_the_same_pupil_or_an_unknown_status(records):
    assessment = graded_assessment(records, publish=False)
    for entries in (
        [GradeEntry(records.lea.pk, Decimal(1)), GradeEntry(records.lea.pk, Decimal(2))],
        [GradeEntry(records.lea.pk, None, "LOST")],
    ):
        with pytest.raises(ValidationError):
            enter_grades(actor=records.dupont, assessment=assessment, entries=entries)
    assert not Grade.objects.exists()


def test_an_unchanged_or_empty_line_writes_nothing(records):
    assessment = graded_assessment(records, grades={records.lea: Decimal(12)}, publish=False)
    before = Change.objects.count()
    result = enter_grades(
        actor=records.dupont,
        assessment=assessment,
        entries=[GradeEntry(records.lea.pk, Decimal(12)), GradeEntry(records.hugo.pk, None)],
    )
    assert (result.created, result.changed, result.removed) == (0, 0, 0)
    assert Change.objects.count() == before


def test_only_a_teacher_of_the_subject_publishes_or_rates(records):
    assessment = graded_assessment(records, publish=False)
    with pytest.raises(AssessmentRefused):
        publish_assessment(actor=records.maths_teacher, assessment=assessment)
    assert publish_assessment(actor=records.dupont, assessment=assessment).is_published
    assert publish_assessment(actor=records.dupont, assessment=assessment).is_published
    with pytest.raises(AssessmentRefused):
        rate_competencies(
            actor=records.dupont,
            assignment=records.maths_3a,
            rated_on=date(2026, 11, 16),
            entries=[],
        )


def test_rating_again_at_the_same_level_changes_nothing(records):
    entry = RatingEntry(records.lea.pk, Competency.objects.get(code="MATH_CAL").pk, 2)
    for _ in range(2):
        rate_competencies(
            actor=records.maths_teacher,
            assignment=records.maths_3a,
            rated_on=date(2026, 11, 16),
            entries=[entry],
        )
    assert CompetencyRating.objects.get().level == 2
    assert Change.objects.filter(record_type="rating").count() == 1


def _absence(records, **fields):
    values = {
        "actor": records.roux,
        "pupil": records.lea,
        "school": records.cast.school,
        "kind": AbsenceKind.ABSENCE,
        "starts_at": aware("2026-11-16 08:00"),
        "ends_at": aware("2026-11-16 12:00"),
    }
    return record_absence(**(values | fields))


def test_absence_times_kinds_and_reasons_are_checked(records):
    for fields in (
        {"kind": "HOLIDAY"},
        {"ends_at": aware("2026-11-16 07:00")},
        {"minutes_late": 5},
        {"reason": "BORED"},
    ):
        with pytest.raises(ValidationError):
            _absence(records, **fields)


def test_the_register_refuses_strangers_bad_slots_and_marks(records):
    division = records.cast.school_class
    day = date(2026, 11, 16)
    with pytest.raises(AbsenceRefused):
        take_register(
            actor=records.maths_teacher,
            division=records.world.class_5c,
            day=day,
            slot="MORNING",
            marks=[],
        )
    for slot, marks in (
        ("EVENING", []),
        ("MORNING", [Mark(records.lea.pk, "GONE")]),
        ("MORNING", [Mark(records.lea.pk, "LATE")]),
    ):
        with pytest.raises(ValidationError):
            take_register(actor=records.dupont, division=division, day=day, slot=slot, marks=marks)


def test_corrections_by_others_are_refused_and_no_change_is_no_history(records):
    absence = _absence(records, reason=Reason.ILLNESS)
    with pytest.raises(AbsenceRefused):
        change_absence(
            actor=records.maths_teacher,
            absence=absence,
            kind=AbsenceKind.ABSENCE,
            starts_at=absence.starts_at,
            ends_at=absence.ends_at,
        )
    before = Change.objects.count()
    change_absence(
        actor=records.roux,
        absence=absence,
        kind=AbsenceKind.ABSENCE,
        starts_at=absence.starts_at,
        ends_at=absence.ends_at,
    )
    classify_absence(actor=records.roux, absence=absence, reason=Reason.ILLNESS)
    assert Change.objects.count() == before
    with pytest.raises(ValidationError):
        classify_absence(actor=records.roux, absence=absence, reason="BORED")


def test_a_justification_needs_words(records):
    absence = _absence(records)
    with pytest.raises(ValidationError):
        justify_absence(
            actor=records.cast.guardian, absence=absence, reason=Reason.ILLNESS, text=" "
        )


def test_erasing_a_pupil_without_records_leaves_no_trace(records):
    erase_pupil_records(records.hugo)
    assert not Change.objects.exists()


def test_the_class_teachers_comment_is_written_then_removed(records):
    period = ensure_periods(actor=None, school=records.cast.school, day=date(2026, 11, 16))
    with pytest.raises(PermissionDenied):
        comment_report(actor=records.maths_teacher, pupil=records.lea, period=period, text="x")
    comment_report(actor=records.dupont, pupil=records.lea, period=period, text="Bien.")
    assert ReportComment.objects.get().text == "Bien."
    assert comment_report(actor=records.dupont, pupil=records.lea, period=period, text="") is None
    assert not ReportComment.objects.exists()


def test_a_new_school_with_an_external_tool_gets_its_grants_suspended(records):
    school = new_school(degree=2, kind="COLLEGE")
    SchoolSetting.objects.create(school=school, uses_external_tool=True)
    assert install_school_grants(school=school) == 6
    rows = SchoolGrant.objects.filter(school=school).select_related("grant")
    assert all(row.grant.suspended_at and row.is_suspended_for_external for row in rows)


def test_the_external_switch_leaves_revoked_and_administrators_suspensions_alone(records):
    school = records.cast.school
    revoked = SchoolGrant.objects.get(school=school, profile="DOC")
    revoke_grant(actor=None, grant=revoked.grant)
    held = SchoolGrant.objects.get(school=school, profile="EVS")
    suspend_grant(actor=None, grant=held.grant)
    set_school_setting(actor=records.cast.head, school=school, uses_external_tool=True)
    set_school_setting(actor=records.cast.head, school=school, uses_external_tool=False)
    held.grant.refresh_from_db()
    assert held.grant.suspended_at is not None
    assert not effective_rights(records.roux).has("pupil_records")
    assert effective_rights(records.lea).has("pupil_records")


def test_nobody_corrects_an_absence_of_a_school_with_an_external_tool(records):
    absence = _absence(records)
    set_school_setting(actor=records.cast.head, school=records.cast.school, uses_external_tool=True)
    assert not can_change_absence(records.roux, absence)


def test_the_grants_command_installs_one_school_or_says_it_is_unknown(records, capsys):
    school = new_school(degree=1, kind="ECOLE_PRIMAIRE")
    call_command("pupil_records", "grants", "--uai", school.uai)
    assert "6 grant(s)" in capsys.readouterr().out
    with pytest.raises(CommandError):
        call_command("pupil_records", "grants", "--uai", "9999999Z")
