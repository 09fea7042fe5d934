"""Who may do what, and who sees which grades, ratings and absences."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from ent.pupil_records.actions import (
    RatingEntry,
    rate_competencies,
    record_absence,
    set_school_setting,
)
from ent.pupil_records.models import (
    Absence,
    AbsenceKind,
    Competency,
    CompetencyRating,
    Grade,
)
from ent.pupil_records.permissions import (
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
from ent.rights.tests.factories import guardian_of, person_in

from .factories import aware, graded_assessment

pytestmark = pytest.mark.django_db


def test_teachers_assess_the_classes_and_subjects_they_teach(records):
    class_3a = records.cast.school_class
    assert can_assess(records.dupont, class_3a, "HG")
    assert not can_assess(records.dupont, class_3a, "MATHS")
    assert not can_assess(records.dupont, records.world.class_5c, "HG")
    assert not can_assess(records.cast.outsider, class_3a, "HG")
    assert not can_assess(records.lea, class_3a, "HG")
    draft = graded_assessment(records, publish=False)
    assert can_grade(records.dupont, draft)
    assert not can_grade(records.maths_teacher, draft)
    set_school_setting(actor=records.cast.head, school=records.cast.school, uses_external_tool=True)
    assert not can_assess(records.dupont, class_3a, "HG")
    assert not can_grade(records.dupont, draft)


def test_registers_and_absences_belong_to_teachers_of_the_pupil_and_the_cpe(records):
    school, lea, tom = records.cast.school, records.lea, records.world.tom
    assert can_take_register(records.dupont, records.cast.school_class)
    assert not can_take_register(records.dupont, records.world.class_5c)
    assert can_take_register(records.roux, records.world.class_5c)
    assert not can_take_register(records.cast.outsider, records.cast.school_class)
    assert can_record_absence(records.dupont, lea, school)
    assert not can_record_absence(records.dupont, tom, school)
    assert can_record_absence(records.roux, tom, school)
    assert can_record_absence(records.cast.head, tom, school)
    assert not can_record_absence(records.hugo, lea, school)
    assert not can_record_absence(records.cast.outsider, lea, school)
    assert not can_record_absence(records.inspector, lea, school)
    assert can_classify_absence(records.roux, school.pk)
    assert can_classify_absence(records.cast.head, school.pk)
    assert not can_classify_absence(records.dupont, school.pk)


def test_legal_guardians_justify_and_recorders_or_the_cpe_correct(records):
    absence = record_absence(
        actor=records.dupont,
        pupil=records.lea,
        school=records.cast.school,
        kind=AbsenceKind.ABSENCE,
        starts_at=aware("2026-11-16 08:00"),
        ends_at=aware("2026-11-16 12:00"),
    )
    no_authority = person_in(records.cast.school, "TUT")
    guardian_of(records.lea, no_authority, legal=False)
    assert can_justify_absence(records.cast.guardian, absence)
    assert not can_justify_absence(no_authority, absence)
    assert not can_justify_absence(records.tom_guardian, absence)
    assert not can_justify_absence(records.lea, absence)
    assert can_change_absence(records.dupont, absence)
    assert can_change_absence(records.roux, absence)
    assert not can_change_absence(records.maths_teacher, absence)


def test_the_professeur_principal_and_the_head_comment_reports(records):
    school_id = records.cast.school.pk
    assert can_comment_report(records.dupont, records.lea.pk, school_id)
    assert can_comment_report(records.cast.head, records.lea.pk, school_id)
    assert not can_comment_report(records.maths_teacher, records.lea.pk, school_id)
    assert not can_comment_report(records.dupont, records.world.tom.pk, school_id)
    assert not can_comment_report(records.cast.school_admin, records.lea.pk, school_id)


def test_only_the_head_chooses_the_schools_tool(records):
    school_id = records.cast.school.pk
    assert can_manage_settings(records.cast.head, school_id)
    assert not can_manage_settings(records.cast.school_admin, school_id)
    assert not can_manage_settings(records.dupont, school_id)
    assert not can_manage_settings(records.cast.head, records.cast.other_school.pk)


def _grades_seen_by(person) -> set[tuple[int, str]]:
    return {
        (grade.pupil_id, grade.assessment.title)
        for grade in Grade.objects.visible_to(person).select_related("assessment")
    }


@pytest.mark.sdet("UTI-AVE-SIE-01")
def test_who_reads_which_grades(records):
    lea, hugo = records.lea, records.hugo
    graded_assessment(records, grades={lea: Decimal(12), hugo: Decimal(11)}, title="HG")
    graded_assessment(records, grades={lea: Decimal(8)}, title="Brouillon", publish=False)
    graded_assessment(
        records, assignment=records.maths_3a, grades={lea: Decimal(15)}, title="Maths"
    )
    martin = graded_assessment_in_y(records)
    every = {(lea.pk, "HG"), (hugo.pk, "HG"), (lea.pk, "Brouillon"), (lea.pk, "Maths")}
    assert _grades_seen_by(lea) == {(lea.pk, "HG"), (lea.pk, "Maths")}
    assert _grades_seen_by(hugo) == {(hugo.pk, "HG")}
    assert _grades_seen_by(records.cast.guardian) == {(lea.pk, "HG"), (lea.pk, "Maths")}
    assert _grades_seen_by(records.tom_guardian) == set()
    # Mme Dupont: her own assessments, drafts included; as professeur principal of 3eA, every
    # published grade of the class; as Martin's mother in Y, his published grades.
    assert _grades_seen_by(records.dupont) == every | {(martin.pk, "Histoire")}
    assert _grades_seen_by(records.maths_teacher) == {(lea.pk, "Maths")}
    assert _grades_seen_by(records.cast.head) == every - {(lea.pk, "Brouillon")}
    # spec-context scenario 11: an inspector never sees grades; nor does the CPE.
    assert _grades_seen_by(records.inspector) == set()
    assert _grades_seen_by(records.roux) == set()
    # The outsider teaches Martin in school Y: nothing of school X.
    assert _grades_seen_by(records.cast.outsider) == {(martin.pk, "Histoire")}


def graded_assessment_in_y(records):
    """Give Martin (6eB, school Y) a published grade from a teacher of Y."""
    from ent.directory.models import TeachingAssignment

    teacher_y = records.cast.outsider
    assignment = TeachingAssignment.objects.create(
        teacher=teacher_y, school_class=records.world.class_6b, subject_code="HG"
    )
    graded_assessment(
        records, assignment=assignment, grades={records.world.martin: Decimal(16)}, title="Histoire"
    )
    return records.world.martin


def test_who_reads_which_absences_and_ratings(records):
    lea = records.lea
    absence = record_absence(
        actor=records.roux,
        pupil=lea,
        school=records.cast.school,
        kind=AbsenceKind.ABSENCE,
        starts_at=aware("2026-11-16 08:00"),
        ends_at=aware("2026-11-16 12:00"),
    )
    rate_competencies(
        actor=records.maths_teacher,
        assignment=records.maths_3a,
        rated_on=date(2026, 11, 16),
        entries=[RatingEntry(lea.pk, Competency.objects.get(code="MATH_RES").pk, 3)],
    )
    readers = (lea, records.cast.guardian, records.dupont, records.roux, records.cast.head)
    for person in readers:
        assert list(Absence.objects.visible_to(person)) == [absence], person
    assert list(Absence.objects.visible_to(records.maths_teacher)) == [absence]
    for person in (records.hugo, records.tom_guardian, records.inspector, records.cast.outsider):
        assert not Absence.objects.visible_to(person).exists(), person
    for person in (lea, records.cast.guardian, records.maths_teacher, records.dupont):
        assert CompetencyRating.objects.visible_to(person).count() == 1, person
    for person in (records.hugo, records.tom_guardian, records.inspector):
        assert not CompetencyRating.objects.visible_to(person).exists(), person
