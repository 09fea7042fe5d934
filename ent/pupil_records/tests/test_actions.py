"""The actions of the pupil follow-up: grades, competencies, absences, settings, retention."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from ent.audit.models import AuditEvent
from ent.directory.actions import purge_person
from ent.notifications.models import Notification
from ent.pupil_records.actions import (
    AbsenceRefused,
    AssessmentRefused,
    GradeEntry,
    Mark,
    RatingEntry,
    change_absence,
    classify_absence,
    create_assessment,
    define_periods,
    delete_absence,
    enter_grades,
    install_school_grants,
    justify_absence,
    purge_old_absences,
    rate_competencies,
    record_absence,
    set_school_setting,
    take_register,
)
from ent.pupil_records.models import (
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
    SchoolGrant,
)
from ent.rights.actions import revoke_grant
from ent.rights.queries import effective_rights, services_for
from ent.rights.registry import Level

from .factories import aware, graded_assessment

pytestmark = pytest.mark.django_db


def _values(assessment: Assessment) -> dict[int, Decimal | None]:
    return dict(assessment.grades.values_list("pupil_id", "value"))


# Grades --------------------------------------------------------------------------------------


@pytest.mark.sdet("UTI-AVE-SIE-01")
def test_teacher_enters_a_whole_class_at_once_with_history(records):
    assessment = graded_assessment(
        records, grades={records.lea: Decimal("12.5"), records.hugo: Decimal(9)}, publish=False
    )
    assert _values(assessment) == {records.lea.pk: Decimal("12.50"), records.hugo.pk: Decimal(9)}
    grade = assessment.grades.get(pupil=records.lea)
    rows = Change.objects.about(grade)
    assert {(row.field, row.new_value) for row in rows} >= {
        ("value", "12.50"),
        ("status", "GRADED"),
    }
    assert {row.actor_id for row in rows} == {records.dupont.pk}


def test_an_out_of_range_grade_saves_nothing_and_says_why(records):
    assessment = graded_assessment(records, grades={records.lea: Decimal(10)}, publish=False)
    with pytest.raises(ValidationError) as refused:
        enter_grades(
            actor=records.dupont,
            assessment=assessment,
            entries=[
                GradeEntry(records.lea.pk, Decimal(15)),
                GradeEntry(records.hugo.pk, Decimal(25)),
            ],
        )
    assert any("25" in message and "20" in message for message in refused.value.messages)
    assert _values(assessment) == {records.lea.pk: Decimal(10)}


def test_a_grade_for_a_pupil_outside_the_class_is_refused(records):
    assessment = graded_assessment(records, publish=False)
    with pytest.raises(ValidationError):
        enter_grades(
            actor=records.dupont,
            assessment=assessment,
            entries=[
                GradeEntry(records.lea.pk, Decimal(12)),
                GradeEntry(records.world.tom.pk, Decimal(8)),
            ],
        )
    assert not Grade.objects.exists()


def test_a_negative_grade_or_three_decimals_are_refused(records):
    assessment = graded_assessment(records, publish=False)
    for value in (Decimal(-1), Decimal("12.125")):
        with pytest.raises(ValidationError):
            enter_grades(
                actor=records.dupont,
                assessment=assessment,
                entries=[GradeEntry(records.lea.pk, value)],
            )
    assert not Grade.objects.exists()


def test_a_status_replaces_the_value_and_both_together_are_refused(records):
    assessment = graded_assessment(records, publish=False)
    with pytest.raises(ValidationError):
        enter_grades(
            actor=records.dupont,
            assessment=assessment,
            entries=[GradeEntry(records.lea.pk, Decimal(5), GradeStatus.ABSENT)],
        )
    enter_grades(
        actor=records.dupont,
        assessment=assessment,
        entries=[GradeEntry(records.lea.pk, None, GradeStatus.EXEMPT)],
    )
    grade = Grade.objects.get()
    assert (grade.value, grade.status) == (None, GradeStatus.EXEMPT)


def test_only_the_teachers_of_the_class_and_subject_grade(records):
    assessment = graded_assessment(records, publish=False)
    with pytest.raises(AssessmentRefused):
        enter_grades(
            actor=records.maths_teacher,
            assessment=assessment,
            entries=[GradeEntry(records.lea.pk, Decimal(12))],
        )
    with pytest.raises(AssessmentRefused):
        create_assessment(
            actor=records.dupont,
            assignment=records.maths_3a,
            title="Pas ma matière",
            held_on=date(2026, 11, 10),
        )


def test_changing_and_clearing_a_grade_keeps_every_value_in_the_history(records, clock):
    assessment = graded_assessment(records, grades={records.lea: Decimal(12)}, publish=False)
    grade = Grade.objects.get()
    clock.shift(timedelta(hours=1))
    enter_grades(
        actor=records.dupont,
        assessment=assessment,
        entries=[GradeEntry(records.lea.pk, Decimal(14))],
    )
    enter_grades(
        actor=records.dupont, assessment=assessment, entries=[GradeEntry(records.lea.pk, None)]
    )
    assert not Grade.objects.exists()
    values = [
        (row.old_value, row.new_value)
        for row in Change.objects.about(grade).filter(field="value").order_by("at", "pk")
    ]
    assert values == [("", "12.00"), ("12.00", "14.00"), ("14.00", "")]


def test_publishing_notifies_the_pupils_and_their_guardians(
    records, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        graded_assessment(records, grades={records.lea: Decimal(12)})
    told = set(
        Notification.objects.filter(kind="pupil_records.grades").values_list(
            "recipient_id", flat=True
        )
    )
    assert told == {records.lea.pk, records.hugo.pk, records.cast.guardian.pk}


def test_the_first_assessment_creates_three_trimesters(records):
    assessment = graded_assessment(records, publish=False)
    periods = list(Period.objects.filter(school=records.cast.school).order_by("starts_on"))
    assert [(p.starts_on, p.ends_on) for p in periods] == [
        (date(2026, 9, 1), date(2026, 12, 1)),
        (date(2026, 12, 1), date(2027, 3, 1)),
        (date(2027, 3, 1), date(2027, 9, 1)),
    ]
    assert assessment.period == periods[0]


def test_the_head_chooses_semesters_until_an_assessment_uses_the_periods(records):
    from ent.core.calendar import school_year_of

    year = school_year_of()
    semesters = define_periods(
        actor=records.cast.head, school=records.cast.school, count=2, year=year
    )
    assert [(p.starts_on, p.ends_on) for p in semesters] == [
        (date(2026, 9, 1), date(2027, 2, 1)),
        (date(2027, 2, 1), date(2027, 9, 1)),
    ]
    graded_assessment(records, publish=False)
    with pytest.raises(ValidationError):
        define_periods(actor=records.cast.head, school=records.cast.school, count=3, year=year)


# Competencies --------------------------------------------------------------------------------


@pytest.mark.sdet("UTI-AVE-SIE-02")
def test_a_teacher_rates_competencies_on_the_four_level_scale(records):
    problems = Competency.objects.get(code="MATH_RES")
    day = date(2026, 11, 16)
    rate_competencies(
        actor=records.maths_teacher,
        assignment=records.maths_3a,
        rated_on=day,
        entries=[RatingEntry(records.lea.pk, problems.pk, 3)],
    )
    rating = CompetencyRating.objects.get()
    assert (rating.pupil, rating.level, rating.subject_code) == (records.lea, 3, "MATHS")
    rate_competencies(
        actor=records.maths_teacher,
        assignment=records.maths_3a,
        rated_on=day,
        entries=[RatingEntry(records.lea.pk, problems.pk, 4)],
    )
    rating.refresh_from_db()
    assert rating.level == 4
    assert [(r.old_value, r.new_value) for r in Change.objects.about(rating).order_by("pk")] == [
        ("", "3"),
        ("3", "4"),
    ]
    with pytest.raises(ValidationError):
        rate_competencies(
            actor=records.maths_teacher,
            assignment=records.maths_3a,
            rated_on=day,
            entries=[RatingEntry(records.lea.pk, problems.pk, 5)],
        )
    with pytest.raises(ValidationError):
        rate_competencies(
            actor=records.maths_teacher,
            assignment=records.maths_3a,
            rated_on=day,
            entries=[RatingEntry(records.world.tom.pk, problems.pk, 2)],
        )


# Absences ------------------------------------------------------------------------------------


def _monday_morning(records, actor=None, **fields):
    return record_absence(
        actor=actor or records.roux,
        pupil=fields.pop("pupil", records.lea),
        school=records.cast.school,
        kind=fields.pop("kind", AbsenceKind.ABSENCE),
        starts_at=aware("2026-11-16 08:00"),
        ends_at=aware("2026-11-16 12:00"),
        **fields,
    )


def test_a_recorded_absence_notifies_the_guardians(records, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        absence = _monday_morning(records, actor=records.dupont)
    told = Notification.objects.filter(kind="pupil_records.absence")
    assert list(told.values_list("recipient_id", flat=True)) == [records.cast.guardian.pk]
    assert told.get().url.endswith(f"/absences/{absence.pk}/")
    assert absence.status == AbsenceStatus.REPORTED


def test_teachers_record_absences_of_their_pupils_only_and_the_cpe_of_the_school(records):
    with pytest.raises(AbsenceRefused):
        _monday_morning(records, actor=records.dupont, pupil=records.world.tom)
    with pytest.raises(AbsenceRefused):
        _monday_morning(records, actor=records.lea, pupil=records.hugo)
    assert _monday_morning(records, actor=records.roux, pupil=records.world.tom).pk
    assert _monday_morning(records, actor=records.cast.head, pupil=records.hugo).pk


def test_a_reason_comes_from_the_cpe_or_the_head_and_classifies(records):
    with pytest.raises(ValidationError):
        _monday_morning(records, actor=records.dupont, reason=Reason.ILLNESS)
    absence = _monday_morning(records, reason=Reason.ILLNESS)
    assert absence.status == AbsenceStatus.CLASSIFIED
    assert absence.is_legitimate


def test_a_lateness_needs_its_minutes_and_a_pupil_is_not_recorded_twice(records):
    with pytest.raises(ValidationError):
        _monday_morning(records, kind=AbsenceKind.LATENESS)
    _monday_morning(records)
    with pytest.raises(ValidationError):
        _monday_morning(records, actor=records.dupont)
    assert Absence.objects.count() == 1


def test_the_register_records_absent_and_late_pupils_and_clears_a_mistake(records):
    division = records.cast.school_class
    day = date(2026, 11, 17)
    marks = [Mark(records.lea.pk, "ABSENT"), Mark(records.hugo.pk, "LATE", 7)]
    done = take_register(
        actor=records.dupont, division=division, day=day, slot="MORNING", marks=marks
    )
    assert (done.absences, done.lateness) == (1, 1)
    again = take_register(
        actor=records.dupont, division=division, day=day, slot="MORNING", marks=marks
    )
    assert (again.absences, again.lateness) == (0, 0)
    late = Absence.objects.get(pupil=records.hugo)
    assert (late.kind, late.minutes_late) == (AbsenceKind.LATENESS, 7)
    cleared = take_register(
        actor=records.dupont,
        division=division,
        day=day,
        slot="MORNING",
        marks=[Mark(records.lea.pk, "PRESENT")],
    )
    assert cleared.cleared == 1
    assert not Absence.objects.filter(pupil=records.lea).exists()
    assert Change.objects.filter(
        record_type=RecordType.ABSENCE, pupil=records.lea, field="kind", new_value=""
    ).exists()


def test_a_register_with_a_pupil_from_elsewhere_saves_nothing(records):
    with pytest.raises(ValidationError):
        take_register(
            actor=records.dupont,
            division=records.cast.school_class,
            day=date(2026, 11, 17),
            slot="MORNING",
            marks=[Mark(records.lea.pk, "ABSENT"), Mark(records.world.tom.pk, "ABSENT")],
        )
    assert not Absence.objects.exists()


def test_a_guardian_justifies_then_the_cpe_classifies(records):
    absence = _monday_morning(records, actor=records.dupont)
    with pytest.raises(AbsenceRefused):
        justify_absence(
            actor=records.tom_guardian, absence=absence, reason=Reason.ILLNESS, text="Malade"
        )
    with pytest.raises(ValidationError):
        justify_absence(
            actor=records.cast.guardian, absence=absence, reason=Reason.NOT_JUSTIFIED, text="x"
        )
    justify_absence(
        actor=records.cast.guardian, absence=absence, reason=Reason.ILLNESS, text="Fièvre"
    )
    absence.refresh_from_db()
    assert (absence.status, absence.justified_by) == (
        AbsenceStatus.JUSTIFIED,
        records.cast.guardian,
    )
    assert not absence.is_legitimate
    with pytest.raises(AbsenceRefused):
        classify_absence(actor=records.dupont, absence=absence, reason=Reason.ILLNESS)
    classify_absence(actor=records.roux, absence=absence, reason=Reason.LEGITIMATE)
    absence.refresh_from_db()
    assert absence.is_legitimate
    with pytest.raises(AbsenceRefused):
        justify_absence(
            actor=records.cast.guardian, absence=absence, reason=Reason.OTHER, text="Autre"
        )


def test_correcting_and_deleting_an_absence_keep_the_history(records):
    absence = _monday_morning(records, actor=records.dupont)
    change_absence(
        actor=records.roux,
        absence=absence,
        kind=AbsenceKind.ABSENCE,
        starts_at=aware("2026-11-16 08:00"),
        ends_at=aware("2026-11-16 10:00"),
        note="arrivé à la récréation",
    )
    row = Change.objects.about(absence).get(field="ends_at", actor=records.roux)
    assert (row.old_value, row.new_value, row.reason) == (
        "2026-11-16T12:00+01:00",
        "2026-11-16T10:00+01:00",
        "arrivé à la récréation",
    )
    with pytest.raises(AbsenceRefused):
        delete_absence(actor=records.maths_teacher, absence=absence, note="erreur")
    with pytest.raises(ValidationError):
        delete_absence(actor=records.dupont, absence=absence, note=" ")
    pk = absence.pk
    delete_absence(actor=records.dupont, absence=absence, note="erreur de saisie")
    assert not Absence.objects.filter(pk=pk).exists()
    assert Change.objects.filter(record_type=RecordType.ABSENCE, object_id=pk).count() >= 8


# Retention -----------------------------------------------------------------------------------


@pytest.mark.sdet("UTI-AVE-SIE-05")
def test_absence_data_goes_one_year_after_the_absence_with_its_history(records, clock):
    old = _monday_morning(records)
    justify_absence(actor=records.cast.guardian, absence=old, reason=Reason.ILLNESS, text="Malade")
    clock.move_to(aware("2027-11-15 09:00"))
    recent = record_absence(
        actor=records.roux,
        pupil=records.lea,
        school=records.cast.school,
        kind=AbsenceKind.ABSENCE,
        starts_at=aware("2027-11-15 08:00"),
        ends_at=aware("2027-11-15 12:00"),
    )
    assert purge_old_absences().absences == 0  # 364 days: still the current school year
    old_history = Change.objects.filter(record_type=RecordType.ABSENCE, object_id=old.pk).count()
    clock.move_to(aware("2027-11-16 09:00"))
    result = purge_old_absences()
    assert (result.absences, result.changes) == (1, old_history)
    assert list(Absence.objects.all()) == [recent]
    assert not Change.objects.filter(record_type=RecordType.ABSENCE, object_id=old.pk).exists()
    assert Change.objects.filter(record_type=RecordType.ABSENCE, object_id=recent.pk).exists()
    audit = AuditEvent.objects.get(action="pupil_records.absences.purge", data__absences=1)
    assert audit.data["changes"] == result.changes > 0


@pytest.mark.sdet("UTI-AVE-SIE-05")
def test_the_purge_command_runs_the_retention_rule(records, capsys):
    _monday_morning(records)
    with time_machine.travel(aware("2027-12-01 03:00"), tick=False):
        call_command("pupil_records", "purge")
    assert not Absence.objects.exists()
    assert "1 absence(s)" in capsys.readouterr().out


def test_purging_a_departed_pupil_erases_their_records_and_history(records):
    graded_assessment(records, grades={records.lea: Decimal(12), records.hugo: Decimal(11)})
    _monday_morning(records)
    purge_person(actor=None, person=records.lea)
    assert not Grade.objects.filter(pupil=records.lea).exists()
    assert not Absence.objects.filter(pupil=records.lea).exists()
    assert not Change.objects.filter(pupil=records.lea).exists()
    assert Grade.objects.filter(pupil=records.hugo).exists()


# The school's choice of tool and the grants --------------------------------------------------


def test_an_external_tool_suspends_the_schools_grants_and_back(records):
    school = records.cast.school
    assert effective_rights(records.lea).has("pupil_records", school=school)
    with pytest.raises(PermissionDenied):
        set_school_setting(actor=records.dupont, school=school, uses_external_tool=True)
    set_school_setting(
        actor=records.cast.head, school=school, uses_external_tool=True, connector_code="vs_x"
    )
    assert not effective_rights(records.lea).has("pupil_records")
    assert "pupil_records" not in {access.code for access in services_for(records.cast.head)}
    # Mme Dupont keeps it as Martin's mother in school Y, and only there.
    assert effective_rights(records.dupont).school_ids("pupil_records") == {
        records.cast.other_school.pk
    }
    assert SchoolGrant.objects.filter(school=school, is_suspended_for_external=True).count() == 6
    set_school_setting(actor=records.cast.head, school=school, uses_external_tool=False)
    assert effective_rights(records.lea).has("pupil_records", school=school)
    assert effective_rights(records.dupont).has("pupil_records", school=school, level=Level.USE)


def test_grants_are_installed_once_and_a_revoked_one_stays_revoked(records):
    assert install_school_grants() == 0
    row = SchoolGrant.objects.get(school=records.cast.school, profile="ELV")
    revoke_grant(actor=None, grant=row.grant)
    assert install_school_grants() == 0
    assert not effective_rights(records.lea).has("pupil_records")
