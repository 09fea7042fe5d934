"""Every refusal and bad input of the actions, each with its clear message, and nothing saved."""

from __future__ import annotations

import os
from datetime import date, datetime, time, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from ent.directory.models import Profile
from ent.lesson_log import actions, permissions
from ent.lesson_log.actions import WorkInput
from ent.lesson_log.models import (
    AccessKind,
    Attachment,
    DayPlan,
    Homework,
    LessonEntry,
    Log,
    LogAccess,
    PersonalEntry,
    Status,
)
from ent.rights.tests.factories import new_class, person_in

from .conftest import PARIS
from .factories import inspector, lesson, teacher_in

TUESDAY = date(2026, 3, 10)
FRIDAY = date(2026, 3, 13)


def _codes(error) -> str:
    return str(error.value.code)


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"title": "  "}, "title"),
        ({"starts_at": time(11), "ends_at": time(10)}, "slot"),
        ({"status": "LOST"}, "status"),
        ({"work": (WorkInput("  ", FRIDAY),)}, "instructions"),
        ({"work": (WorkInput("x", FRIDAY, "ESSAY"),)}, "kind"),
        ({"work": (WorkInput("x", FRIDAY, estimated_minutes=900),)}, "time"),
    ],
)
def test_bad_input_to_a_lesson_is_refused(world, clock, fields, code):
    with pytest.raises(ValidationError) as refused:
        actions.create_entry(
            actor=world.cast.teacher,
            division=world.class_4b,
            date=TUESDAY,
            **({"title": "Séance"} | fields),
        )
    assert _codes(refused) == code
    assert not LessonEntry.objects.exists()


def test_a_schedule_already_due_is_a_publication_and_empty_links_are_dropped(world, clock):
    entry = lesson(
        world.cast.teacher,
        world.class_4b,
        on=TUESDAY,
        status=Status.SCHEDULED,
        publish_at=datetime(2026, 3, 1, 8, tzinfo=PARIS),
        links=[{"url": " "}, {"url": "https://example.org"}],
    )
    assert entry.status == Status.PUBLISHED
    assert entry.links == [{"url": "https://example.org", "label": ""}]


def test_a_teacher_of_two_subjects_must_choose_one(world, clock):
    world.cast.teacher.assignments.create(school_class=world.class_4b, subject_code="EMC")
    with pytest.raises(PermissionDenied):
        actions.create_entry(
            actor=world.cast.teacher, division=world.class_4b, date=TUESDAY, title="x"
        )
    entry = actions.create_entry(
        actor=world.cast.teacher, division=world.class_4b, date=TUESDAY, title="x",
        subject_code="EMC",
    )  # fmt: skip
    assert entry.subject_code == "EMC"


def test_a_log_created_meanwhile_is_reused(world, clock, monkeypatch):
    existing = Log.objects.create(school=world.cast.school, school_class=world.class_4b, year=2025)
    real = Log.objects.filter

    def stale(*args, **kwargs):
        monkeypatch.setattr(Log.objects, "filter", real)
        return Log.objects.none()

    monkeypatch.setattr(Log.objects, "filter", stale)
    assert actions._log_for(world.class_4b, 2025) == existing


def test_the_teacher_home_creates_her_logs(client, world, clock):
    client.force_login(world.cast.teacher)
    page = client.get(reverse("lesson_log:home")).content.decode()
    logs = Log.objects.filter(year=2025)
    assert {log.school_class for log in logs} == {world.cast.school_class, world.class_4b}
    assert 'id="teacher-section"' in page
    assert 'id="to-fill"' in page
    assert actions.ensure_teacher_logs(actor=world.cast.teacher) == 0


def test_changing_a_lesson_checks_its_year_visa_and_title(world, clock):
    cast = world.cast
    entry = lesson(cast.teacher, cast.school_class, on=TUESDAY)
    with pytest.raises(ValidationError):
        actions.update_entry(actor=cast.teacher, entry=entry, date=date(2026, 9, 2), title="x")
    with pytest.raises(ValidationError):
        actions.update_entry(actor=cast.teacher, entry=entry, date=TUESDAY, title=" ")
    with pytest.raises(ValidationError):
        actions.update_entry(
            actor=cast.teacher,
            entry=entry,
            date=TUESDAY,
            title="x",
            work=[WorkInput("Avant", date(2026, 3, 2))],
        )
    actions.sign_log(actor=cast.head, log=entry.log, up_to=date(2026, 3, 6))
    entry.refresh_from_db()
    with pytest.raises(PermissionDenied):
        actions.update_entry(actor=cast.teacher, entry=entry, date=date(2026, 3, 5), title="x")
    with pytest.raises(ValidationError):
        actions.sign_log(actor=cast.head, log=entry.log, up_to=date(2026, 3, 2))


def test_work_to_do_is_added_changed_and_deleted_by_its_teacher_only(
    world, clock, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    cast = world.cast
    entry = lesson(cast.teacher, cast.school_class, on=TUESDAY)
    homework = actions.add_work(
        actor=cast.teacher,
        entry=entry,
        work=WorkInput("Lire", FRIDAY, attachments=[SimpleUploadedFile("a.pdf", b"%PDF")]),
    )
    changed = actions.update_work(
        actor=cast.teacher, homework=homework, instructions="Relire", due_on=FRIDAY, kind="TEST"
    )
    assert (changed.instructions, changed.kind) == ("Relire", "TEST")
    with pytest.raises(PermissionDenied):
        actions.update_work(actor=cast.pupil, homework=homework, instructions="x", due_on=FRIDAY)
    with pytest.raises(PermissionDenied):
        actions.delete_work(actor=cast.pupil, homework=homework)
    document = Attachment.objects.get()
    with pytest.raises(PermissionDenied):
        actions.remove_attachment(actor=cast.pupil, attachment=document)
    actions.remove_attachment(actor=cast.teacher, attachment=document)
    actions.delete_work(actor=cast.teacher, homework=homework)
    assert not Homework.objects.exists()
    actions.delete_entry(actor=cast.teacher, entry=entry)
    assert not LessonEntry.objects.exists()


def test_standalone_work_is_changed_by_a_teacher_of_its_subject(world, clock):
    cast = world.cast
    log = lesson(cast.teacher, cast.school_class, on=TUESDAY).log
    homework = Homework.objects.create(
        log=log,
        author=cast.teacher,
        subject_code="HG",
        instructions="Exposé",
        given_on=TUESDAY,
        due_on=FRIDAY,
        status=Status.PUBLISHED,
    )
    actions.update_work(actor=cast.teacher, homework=homework, instructions="Oral", due_on=FRIDAY)
    with pytest.raises(PermissionDenied):
        actions.update_work(
            actor=teacher_in(cast.school_class, login="m.maths"),
            homework=homework,
            instructions="x",
            due_on=FRIDAY,
        )
    with pytest.raises(PermissionDenied):
        actions.delete_work(actor=cast.teacher, homework=homework)
    orphan = Attachment.objects.create(homework=homework, file="x.pdf", name="x.pdf", size=1)
    with pytest.raises(PermissionDenied):
        actions.remove_attachment(actor=cast.teacher, attachment=orphan)


def test_opening_an_access_refuses_bad_input(world, clock):
    cast = world.cast
    log = lesson(cast.teacher, cast.school_class, on=TUESDAY).log
    base = {"actor": cast.teacher, "grantee": inspector(), "log": log}
    for fields in (
        {"kind": "OWNER", "starts_on": TUESDAY, "ends_on": FRIDAY},
        {"kind": AccessKind.WINDOW, "starts_on": date(2026, 3, 1), "ends_on": date(2026, 3, 2)},
        {"kind": AccessKind.WINDOW, "starts_on": TUESDAY, "ends_on": FRIDAY}
        | {"grantee": cast.teacher},
    ):
        with pytest.raises(ValidationError):
            actions.open_access(**(base | fields))
    with pytest.raises(PermissionDenied):
        actions.open_access(
            actor=cast.teacher,
            grantee=inspector(login="autre.ipr"),
            kind=AccessKind.WINDOW,
            starts_on=TUESDAY,
            ends_on=FRIDAY,
        )
    assert not LogAccess.objects.exists()


@pytest.mark.sdet("UTI-AVE-CDT-13")
def test_a_professeur_principal_opens_her_whole_class_and_an_inspector_signs_it(world, clock):
    cast = world.cast
    henry = inspector()
    log = lesson(cast.teacher, cast.school_class, on=date(2026, 3, 2)).log
    maths = lesson(teacher_in(cast.school_class, login="m.maths"), cast.school_class, on=TUESDAY)
    [access] = actions.open_access(
        actor=cast.teacher,
        grantee=henry,
        kind=AccessKind.WINDOW,
        starts_on=TUESDAY,
        ends_on=FRIDAY,
        log=log,
    )
    assert access.subject_code == ""
    assert maths in LessonEntry.objects.visible_to(henry)
    assert permissions.can_sign(henry, log)
    actions.sign_log(actor=henry, log=log, up_to=date(2026, 3, 9))
    actions.revoke_access(actor=cast.teacher, access=access)
    actions.revoke_access(actor=cast.teacher, access=access)  # twice: nothing more
    assert not LessonEntry.objects.visible_to(henry).exists()
    assert not permissions.can_sign(henry, log)


def test_the_personal_cahier_is_its_owners(world, clock):
    cast = world.cast
    other = teacher_in(world.class_5c, login="autre.prof")
    mine = actions.save_personal_entry(actor=cast.teacher, title="Mienne")
    for call in (
        lambda: actions.save_personal_entry(actor=other, entry=mine, title="x"),
        lambda: actions.delete_personal_entry(actor=other, entry=mine),
        lambda: actions.copy_to_log(actor=other, entry=mine, division=world.class_5c, date=TUESDAY),
    ):
        with pytest.raises(PermissionDenied):
            call()
    with pytest.raises(ValidationError):
        actions.save_personal_entry(actor=cast.teacher, title=" ")
    actions.save_personal_entry(actor=cast.teacher, entry=mine, title="Changée")
    actions.delete_personal_entry(actor=cast.teacher, entry=mine)
    assert not PersonalEntry.objects.exists()


@pytest.mark.parametrize(
    "data",
    [
        {"format": "ent.lesson_log/1"},
        {"format": "ent.lesson_log/1", "entries": [{"title": ""}]},
        {"format": "ent.lesson_log/1", "entries": [{"title": "x", "planned_on": "demain"}]},
        ["not", "a", "document"],
    ],
)
def test_a_broken_personal_cahier_imports_nothing(world, clock, data):
    with pytest.raises(ValidationError):
        actions.import_personal_cahier(actor=world.cast.teacher, data=data)
    assert not PersonalEntry.objects.exists()


@pytest.mark.parametrize(
    "days",
    [
        ["not a day"],
        [{"day": "", "class": "CM2"}],
        [{"day": "2026-03-10", "class": "CM2", "sessions": [{"title": "x", "starts_at": "9h"}]}],
    ],
)
def test_a_broken_cahier_journal_imports_nothing(family, clock, days):
    data = {"format": "ent.lesson_log/1", "days": days}
    with pytest.raises(ValidationError):
        actions.import_journal(actor=family.teacher_z, data=data)
    assert not DayPlan.objects.exists()


@pytest.mark.sdet("UTI-AVE-CDT-14")
def test_a_substitute_of_the_cahier_journal_writes_it_until_the_end(family, clock):
    leroy = family.teacher_z
    substitute = person_in(family.school_z, Profile.ENS, login="sub.z")
    plan = actions.save_day_plan(
        actor=leroy, owner=leroy, school_class=family.cm2, day=TUESDAY, sessions=[]
    )
    with pytest.raises(PermissionDenied):
        actions.delete_day_plan(actor=substitute, plan=plan)
    actions.open_access(
        actor=leroy,
        grantee=substitute,
        kind=AccessKind.SUBSTITUTE,
        starts_on=TUESDAY,
        ends_on=FRIDAY,
        school_class=family.cm2,
    )
    actions.save_day_plan(
        actor=substitute,
        owner=leroy,
        school_class=family.cm2,
        day=FRIDAY,
        sessions=[{"title": "Remplacement", "content": ""}, {"title": "", "content": ""}],
    )
    assert DayPlan.objects.visible_to(substitute).count() == 2
    actions.delete_day_plan(actor=substitute, plan=plan)
    assert DayPlan.objects.count() == 1


def test_a_pupil_changes_only_their_own_record(world, clock):
    cast = world.cast
    work = actions.record_work(actor=cast.pupil, text="Fait", done_on=TUESDAY)
    with pytest.raises(ValidationError):
        actions.record_work(actor=cast.pupil, text=" ", done_on=TUESDAY)
    with pytest.raises(ValidationError):
        actions.update_work_done(actor=cast.pupil, work=work, text=" ", done_on=TUESDAY)
    changed = actions.update_work_done(
        actor=cast.pupil, work=work, text="Refait", done_on=TUESDAY + timedelta(days=1)
    )
    assert changed.text == "Refait"


def test_predicates_for_inactive_people_and_empty_cases(world, clock):
    cast = world.cast
    entry = lesson(cast.teacher, cast.school_class, on=TUESDAY)
    cast.teacher.is_active = False
    assert permissions.writable_codes(cast.teacher, world.class_4b, 2025) == set()
    assert not permissions.can_sign(cast.teacher, entry.log)
    assert not permissions.can_write_journal(cast.teacher, cast.teacher)
    assert not permissions.can_record_work(cast.teacher)
    assert not permissions.can_keep_personal_cahier(cast.teacher)
    cast.teacher.is_active = True
    cast.teacher.assignments.create(school_class=world.class_4b, subject_code="")
    assert permissions.taught_codes(cast.teacher, world.class_4b) == {"HG"}
    assert not permissions.can_record_work(person_in(cast.school, Profile.ELV, login="sans.classe"))


def test_a_teacher_who_lost_the_service_writes_nothing(world, clock):
    """Teaching links kept, the membership (and so the grant) gone: refused, nothing saved."""
    cast = world.cast
    cast.teacher.memberships.all().delete()
    with pytest.raises(PermissionDenied):
        lesson(cast.teacher, world.class_4b, on=TUESDAY)
    assert not LessonEntry.objects.exists()


def test_deleting_a_lesson_removes_its_files_after_commit(
    world, clock, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    cast = world.cast
    entry = lesson(
        cast.teacher,
        cast.school_class,
        on=TUESDAY,
        attachments=[SimpleUploadedFile("cours.pdf", b"%PDF")],
    )
    entry = actions.update_entry(
        actor=cast.teacher,
        entry=entry,
        date=TUESDAY,
        title="Avec travail",
        work=[WorkInput("Lire", FRIDAY, attachments=[SimpleUploadedFile("t.pdf", b"%PDF")])],
    )
    paths = [document.file.path for document in Attachment.objects.all()]
    assert len(paths) == 2
    with django_capture_on_commit_callbacks(execute=True):
        actions.delete_entry(actor=cast.teacher, entry=entry)
    assert not any(os.path.exists(path) for path in paths)


def test_an_access_whose_delegation_is_gone_still_ends(world, clock):
    cast = world.cast
    log = lesson(cast.teacher, cast.school_class, on=TUESDAY).log
    [access] = actions.open_access(
        actor=cast.teacher,
        grantee=inspector(),
        kind=AccessKind.WINDOW,
        starts_on=TUESDAY,
        ends_on=FRIDAY,
        log=log,
    )
    LogAccess.objects.filter(pk=access.pk).update(delegation=None)
    access.refresh_from_db()
    actions.revoke_access(actor=cast.teacher, access=access)
    assert LogAccess.objects.get().revoked_at is not None


def test_a_journal_import_of_several_days_of_one_class(family, clock):
    days = [
        {"day": f"2026-03-{day:02d}", "class": "CM2", "sessions": [{"title": "Lecture"}]}
        for day in (9, 10)
    ]
    data = {"format": "ent.lesson_log/1", "days": days}
    assert actions.import_journal(actor=family.teacher_z, data=data) == 2
    cp = new_class(school=family.school_z, code="CP")  # not his class
    assert not permissions.can_write_journal(family.teacher_z, family.teacher_z, cp)
