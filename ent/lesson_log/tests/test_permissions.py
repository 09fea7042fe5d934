"""Who reads and who writes: the one rule of `visible_to`, and the write predicates."""

from __future__ import annotations

from datetime import date

import pytest

from ent.directory.models import Profile
from ent.lesson_log import permissions
from ent.lesson_log.actions import WorkInput
from ent.lesson_log.models import Homework, LessonEntry, Log, Status
from ent.rights.tests.factories import guardian_of, person_in

from .factories import enrol, inspector, lesson, new_group, pupil_in, teacher_in

TUESDAY = date(2026, 3, 10)


@pytest.fixture
def lessons(world, clock):
    """An HG lesson in 3eA and 4eB by Mme Dupont, a maths lesson in 3eA, one in 5eC, a draft."""
    cast = world.cast
    maths = teacher_in(cast.school_class, "MATHS", login="jean.maths")
    return {
        "hg_3a": lesson(cast.teacher, cast.school_class, on=TUESDAY, title="HG 3eA"),
        "hg_4b": lesson(cast.teacher, world.class_4b, on=TUESDAY, title="HG 4eB"),
        "maths_3a": lesson(maths, cast.school_class, on=TUESDAY, title="Maths 3eA"),
        "maths_4b": lesson(
            teacher_in(world.class_4b, "MATHS", login="luc.maths"), world.class_4b, on=TUESDAY
        ),
        "draft": lesson(cast.teacher, cast.school_class, on=TUESDAY, status=Status.DRAFT),
        "five": lesson(teacher_in(world.class_5c, login="eve.prof"), world.class_5c, on=TUESDAY),
        "maths": maths,
    }


def _titles(person) -> set[str]:
    return set(LessonEntry.objects.visible_to(person).values_list("title", flat=True))


def _visible(person) -> set[int]:
    return set(LessonEntry.objects.visible_to(person).values_list("pk", flat=True))


def test_a_pupil_reads_the_published_lessons_of_their_classes_only(world, lessons):
    assert _visible(world.cast.pupil) == {lessons["hg_3a"].pk, lessons["maths_3a"].pk}
    assert _visible(world.tom) == {lessons["five"].pk}


def test_a_pupil_reads_their_groups_lessons_too(world, lessons):
    group = new_group(school=world.cast.school)
    enrol_group = world.cast.pupil.enrolments.create(teaching_group=group)
    latin = teacher_in(world.class_5c, "LATIN", login="ana.latin")
    latin.assignments.create(teaching_group=group, subject_code="LATIN")
    entry = lesson(latin, group, on=TUESDAY, subject_code="LATIN")
    assert entry.pk in _visible(world.cast.pupil)
    assert entry.pk not in _visible(world.tom)
    assert enrol_group.pk


def test_a_draft_is_its_authors_alone(world, lessons):
    draft = lessons["draft"].pk
    assert draft in _visible(world.cast.teacher)
    for person in (world.cast.pupil, world.cast.head, lessons["maths"], world.cast.guardian):
        assert draft not in _visible(person)


@pytest.mark.sdet("UTI-AVE-CDT-04")
def test_guardians_read_their_childrens_lessons_only(world, lessons):
    assert _visible(world.cast.guardian) == {lessons["hg_3a"].pk, lessons["maths_3a"].pk}
    stranger = person_in(world.cast.school, Profile.TUT, login="sans.enfant")
    assert _visible(stranger) == set()


def test_a_guardian_without_legal_authority_reads_nothing(world, lessons):
    uncle = person_in(world.cast.school, Profile.TUT, login="oncle")
    guardian_of(world.cast.pupil, uncle, legal=False)
    assert _visible(uncle) == set()


def test_a_subject_teacher_reads_their_subjects_only(world, lessons):
    assert _titles(lessons["maths"]) == {"Maths 3eA"}
    # 4eB: Mme Dupont is a subject teacher there, no whole-class view.
    teacher_4b = {e.pk for e in LessonEntry.objects.visible_to(world.cast.teacher)}
    assert lessons["hg_4b"].pk in teacher_4b
    assert lessons["maths_4b"].pk not in teacher_4b


@pytest.mark.sdet("UTI-AVE-CDT-11")
def test_the_head_reads_every_published_lesson_of_the_school(world, lessons):
    expected = {lessons[key].pk for key in ("hg_3a", "hg_4b", "maths_3a", "maths_4b", "five")}
    assert _visible(world.cast.head) == expected
    assert _visible(world.cast.outsider) == set()


def test_school_staff_without_a_role_in_the_log_read_nothing(world, lessons):
    assert _visible(world.cpe) == set()
    assert _visible(world.cast.school_admin) == set()


def test_homework_follows_the_rule_of_its_lesson(world, clock):
    cast = world.cast
    lesson(
        cast.teacher,
        cast.school_class,
        on=TUESDAY,
        status=Status.DRAFT,
        work=(WorkInput("Brouillon", date(2026, 3, 13)),),
    )
    assert not Homework.objects.visible_to(cast.pupil).exists()
    assert Homework.objects.visible_to(cast.teacher).count() == 1


def test_logs_visible_to_each_person(world, lessons):
    cast = world.cast
    log_3a = lessons["hg_3a"].log
    assert set(Log.objects.visible_to(cast.pupil)) == {log_3a}
    assert set(Log.objects.visible_to(cast.teacher)) == {log_3a, lessons["hg_4b"].log}
    assert Log.objects.visible_to(cast.outsider).count() == 0
    assert Log.objects.visible_to(inspector()).count() == 0


def test_write_predicates(world, lessons):
    cast = world.cast
    hg = lessons["hg_3a"]
    assert permissions.can_edit_entry(cast.teacher, hg)
    assert not permissions.can_edit_entry(cast.pupil, hg)
    assert not permissions.can_edit_entry(lessons["maths"], hg)
    assert not permissions.can_edit_entry(cast.head, hg)
    assert permissions.can_write(cast.teacher, world.class_4b, subject_code="HG", year=hg.log.year)
    assert not permissions.can_write(
        cast.teacher, world.class_5c, subject_code="HG", year=hg.log.year
    )
    assert not permissions.can_write(
        cast.teacher, world.class_4b, subject_code="HG", year=hg.log.year - 1
    )
    assert permissions.can_sign(cast.head, hg.log)
    assert not permissions.can_sign(cast.teacher, hg.log)
    assert permissions.can_keep_personal_cahier(cast.teacher)
    assert not permissions.can_keep_personal_cahier(cast.guardian)
    assert permissions.can_record_work(cast.pupil)
    assert not permissions.can_record_work(cast.guardian)


def test_an_inactive_person_reads_nothing(world, lessons):
    pupil = world.cast.pupil
    pupil.is_active = False
    pupil.save()
    assert _visible(pupil) == set()


def test_a_newly_enrolled_pupil_of_another_class_is_not_a_reader(world, lessons):
    pupil = pupil_in(world.class_5c, login="autre.eleve")
    assert lessons["hg_3a"].pk not in _visible(pupil)
    enrol(pupil, world.cast.school_class)
    assert lessons["hg_3a"].pk in _visible(pupil)
