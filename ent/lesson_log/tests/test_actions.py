"""The actions of the cahier de textes: what teachers write, what is refused, what is told."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from ent.audit.models import AuditEvent
from ent.directory.models import SchoolClass, TeachingGroup
from ent.lesson_log import actions
from ent.lesson_log.actions import WorkInput
from ent.lesson_log.models import (
    MAX_ATTACHMENT_BYTES,
    AccessKind,
    Attachment,
    Homework,
    LessonEntry,
    Log,
    Status,
    WorkKind,
)
from ent.lesson_log.tasks import publish_due_entries
from ent.notifications.models import Notification

from .conftest import PARIS
from .factories import enrol, lesson, pupil_in, teacher_in

TUESDAY = date(2026, 3, 10)
FRIDAY = date(2026, 3, 13)


def _notified(person) -> list[str]:
    return list(Notification.objects.filter(recipient=person).values_list("kind", flat=True))


@pytest.mark.sdet("UTI-AVE-CDT-02")
def test_ensure_logs_creates_one_log_per_class_and_group_per_year(world, clock):
    group = TeachingGroup.objects.create(school=world.cast.school, code="3A-LATIN")
    created = actions.ensure_logs(actor=world.cast.head, school=world.cast.school)
    classes = SchoolClass.objects.filter(school=world.cast.school).count()
    assert created == classes + 1
    assert Log.objects.filter(teaching_group=group, year=2025).exists()
    assert actions.ensure_logs(actor=None, school=world.cast.school) == 0
    assert AuditEvent.objects.filter(action="lesson_log.log.ensure").count() == 2


def test_only_the_head_creates_every_log_of_a_school(world, clock):
    with pytest.raises(PermissionDenied):
        actions.ensure_logs(actor=world.cast.teacher, school=world.cast.school)


@pytest.mark.sdet("UTI-AVE-CDT-04")
def test_a_lesson_carries_every_field_of_cdt04(world, clock, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    sheet = SimpleUploadedFile("fiche.pdf", b"%PDF-1.4 fiche", content_type="application/pdf")
    work = WorkInput(
        "Exercices 3 à 7 p. 112",
        FRIDAY,
        WorkKind.HOMEWORK,
        45,
        [SimpleUploadedFile("exos.odt", b"odt", content_type="application/vnd.oasis")],
    )
    entry = actions.create_entry(
        actor=world.cast.teacher,
        division=world.class_4b,
        date=TUESDAY,
        starts_at=time(10),
        ends_at=time(11),
        title="La Révolution française",
        content="Lecture du document 2.\nSynthèse.",
        links=[{"url": "https://gallica.bnf.fr/ark:/1", "label": "Gallica"}],
        status=Status.PUBLISHED,
        attachments=[sheet],
        work=[work],
    )
    assert entry.log.school_class == world.class_4b
    assert entry.log.year == 2025
    assert entry.subject_code == "HG"  # her only subject there
    assert entry.links == [{"url": "https://gallica.bnf.fr/ark:/1", "label": "Gallica"}]
    assert [a.name for a in entry.attachments.all()] == ["fiche.pdf"]
    homework = entry.homework.get()
    assert (homework.due_on, homework.estimated_minutes, homework.status) == (
        FRIDAY,
        45,
        "PUBLISHED",
    )
    assert [a.name for a in homework.attachments.all()] == ["exos.odt"]
    assert AuditEvent.objects.filter(action="lesson_log.entry.create", target_id=str(entry.pk))


@pytest.mark.sdet("UTI-AVE-CDT-00")
def test_writing_to_a_class_she_does_not_teach_is_refused_and_nothing_is_saved(world, clock):
    with pytest.raises(PermissionDenied, match="5eC"):
        lesson(world.cast.teacher, world.class_5c, on=TUESDAY)
    assert not LessonEntry.objects.exists()
    assert not Log.objects.filter(school_class=world.class_5c).exists()


def test_a_subject_she_does_not_teach_is_refused(world, clock):
    with pytest.raises(PermissionDenied):
        lesson(world.cast.teacher, world.cast.school_class, on=TUESDAY, subject_code="MATHS")
    assert not LessonEntry.objects.exists()


def test_a_due_date_before_the_lesson_is_bad_input_and_nothing_is_saved(world, clock):
    late = WorkInput("Relire le cours", TUESDAY - timedelta(days=1))
    with pytest.raises(ValidationError) as refused:
        lesson(world.cast.teacher, world.class_4b, on=TUESDAY, work=(late,))
    assert refused.value.code == "due_before_lesson"
    assert "09/03/2026" in refused.value.messages[0]
    assert not LessonEntry.objects.exists()
    assert not Homework.objects.exists()


def test_a_link_that_is_not_http_is_refused(world, clock):
    with pytest.raises(ValidationError):
        lesson(
            world.cast.teacher,
            world.class_4b,
            on=TUESDAY,
            links=[{"url": "javascript:alert(1)", "label": "x"}],
        )
    assert not LessonEntry.objects.exists()


@pytest.mark.parametrize(
    ("name", "size"),
    [("cours.pdf", MAX_ATTACHMENT_BYTES + 1), ("page.html", 10), ("virus.exe", 10)],
)
def test_oversize_or_unlisted_files_are_refused(world, clock, name, size):
    upload = SimpleUploadedFile(name, b"x" * size)
    with pytest.raises(ValidationError) as refused:
        lesson(world.cast.teacher, world.class_4b, on=TUESDAY, attachments=[upload])
    assert refused.value.code in {"too_large", "file_type"}
    assert not LessonEntry.objects.exists()
    assert not Attachment.objects.exists()


@pytest.mark.sdet("UTI-AVE-CDT-04")
def test_publishing_work_to_do_notifies_pupils_and_guardians_once(
    world, clock, django_capture_on_commit_callbacks
):
    cast = world.cast
    work = (WorkInput("Apprendre la leçon", FRIDAY),)
    with django_capture_on_commit_callbacks(execute=True):
        entry = lesson(cast.teacher, cast.school_class, on=TUESDAY, work=work)
    assert _notified(cast.pupil) == ["lesson_log.homework"]
    assert _notified(cast.guardian) == ["lesson_log.homework"]
    assert _notified(world.tom) == []
    assert _notified(world.martin) == []
    with django_capture_on_commit_callbacks(execute=True):
        actions.update_entry(
            actor=cast.teacher,
            entry=entry,
            date=TUESDAY,
            title="Les Lumières (suite)",
            status=Status.PUBLISHED,
        )
    assert len(_notified(cast.pupil)) == 1


def test_a_draft_notifies_nobody_until_published(world, clock, django_capture_on_commit_callbacks):
    cast = world.cast
    work = (WorkInput("Apprendre la leçon", FRIDAY),)
    with django_capture_on_commit_callbacks(execute=True):
        entry = lesson(cast.teacher, cast.school_class, on=TUESDAY, work=work, status="DRAFT")
    assert _notified(cast.pupil) == []
    with django_capture_on_commit_callbacks(execute=True):
        actions.update_entry(
            actor=cast.teacher, entry=entry, date=TUESDAY, title="Publiée", status="PUBLISHED"
        )
    assert _notified(cast.pupil) == ["lesson_log.homework"]


@pytest.mark.sdet("UTI-AVE-CDT-04")
def test_a_scheduled_lesson_appears_at_its_time_and_the_job_notifies_it(
    world, clock, django_capture_on_commit_callbacks
):
    cast = world.cast
    at = datetime(2026, 3, 10, 18, 0, tzinfo=PARIS)
    with django_capture_on_commit_callbacks(execute=True):
        entry = lesson(
            cast.teacher,
            cast.school_class,
            on=TUESDAY,
            status=Status.SCHEDULED,
            publish_at=at,
            work=(WorkInput("Fiche 4", FRIDAY),),
        )
    assert not LessonEntry.objects.visible_to(cast.pupil).exists()
    assert _notified(cast.pupil) == []
    # Reading never publishes nor notifies: only the periodic job does.
    clock.move_to(at + timedelta(minutes=1))
    assert LessonEntry.objects.visible_to(cast.pupil).get() == entry
    assert _notified(cast.pupil) == []
    with django_capture_on_commit_callbacks(execute=True):
        call_command("lesson_log", "publish-due", stdout=open("/dev/null", "w"))  # noqa: SIM115
    entry.refresh_from_db()
    assert entry.status == Status.PUBLISHED
    assert _notified(cast.pupil) == ["lesson_log.homework"]
    with django_capture_on_commit_callbacks(execute=True):
        assert publish_due_entries.call() == 0
    assert _notified(cast.pupil) == ["lesson_log.homework"]


def test_a_schedule_without_a_time_is_bad_input(world, clock):
    with pytest.raises(ValidationError):
        lesson(world.cast.teacher, world.class_4b, on=TUESDAY, status=Status.SCHEDULED)


@pytest.mark.sdet("UTI-AVE-CDT-11")
def test_a_visa_makes_earlier_lessons_read_only(world, clock):
    cast = world.cast
    entry = lesson(cast.teacher, cast.school_class, on=date(2026, 3, 2))
    later = lesson(cast.teacher, cast.school_class, on=TUESDAY)
    visa = actions.sign_log(actor=cast.head, log=entry.log, up_to=date(2026, 3, 6))
    assert visa.log.visa_until == date(2026, 3, 6)
    entry.refresh_from_db()
    with pytest.raises(PermissionDenied, match="06/03/2026"):
        actions.update_entry(actor=cast.teacher, entry=entry, date=entry.date, title="Changée")
    with pytest.raises(PermissionDenied):
        actions.delete_entry(actor=cast.teacher, entry=entry)
    with pytest.raises(PermissionDenied):
        lesson(cast.teacher, cast.school_class, on=date(2026, 3, 5))
    actions.update_entry(actor=cast.teacher, entry=later, date=TUESDAY, title="Toujours libre")
    assert LessonEntry.objects.get(pk=entry.pk).title == "Les Lumières"


@pytest.mark.sdet("UTI-AVE-CDT-11")
def test_only_the_head_signs_and_never_the_future(world, clock):
    cast = world.cast
    entry = lesson(cast.teacher, cast.school_class, on=TUESDAY)
    with pytest.raises(PermissionDenied):
        actions.sign_log(actor=cast.teacher, log=entry.log, up_to=TUESDAY)
    with pytest.raises(ValidationError):
        actions.sign_log(actor=cast.head, log=entry.log, up_to=FRIDAY)


@pytest.mark.sdet("UTI-AVE-CDT-10")
def test_last_years_log_is_read_only_after_the_rollover(world, clock):
    cast = world.cast
    entry = lesson(cast.teacher, cast.school_class, on=TUESDAY)
    clock.move_to(datetime(2026, 9, 15, 9, tzinfo=PARIS))
    assert LessonEntry.objects.visible_to(cast.teacher).get() == entry
    with pytest.raises(PermissionDenied, match=r"read-only|lecture seule"):
        actions.update_entry(actor=cast.teacher, entry=entry, date=TUESDAY, title="x")
    with pytest.raises(PermissionDenied):
        lesson(cast.teacher, cast.school_class, on=date(2026, 6, 1))


@pytest.mark.sdet("UTI-AVE-CDT-14")
def test_a_substitute_writes_until_the_end_date_and_entries_stay_theirs(world, clock):
    cast = world.cast
    log = lesson(cast.teacher, world.class_4b, on=TUESDAY).log
    substitute = teacher_in(world.class_5c, login="remi.remplacant")
    actions.open_access(
        actor=cast.teacher,
        grantee=substitute,
        kind=AccessKind.SUBSTITUTE,
        starts_on=TUESDAY,
        ends_on=TUESDAY + timedelta(days=14),
        log=log,
    )
    clock.move_to(datetime(2026, 3, 13, 9, tzinfo=PARIS))
    written = lesson(substitute, world.class_4b, on=date(2026, 3, 13), title="Séance du remplaçant")
    assert written.author == substitute
    assert written.subject_code == "HG"
    assert LessonEntry.objects.visible_to(cast.teacher).filter(pk=written.pk).exists()
    clock.move_to(datetime(2026, 3, 25, 9, tzinfo=PARIS))
    with pytest.raises(PermissionDenied):
        lesson(substitute, world.class_4b, on=date(2026, 3, 25))
    assert LessonEntry.objects.get(pk=written.pk).author == substitute


def test_a_substitution_revoked_early_ends_at_once(world, clock):
    cast = world.cast
    log = lesson(cast.teacher, world.class_4b, on=TUESDAY).log
    substitute = teacher_in(world.class_5c, login="remi.remplacant")
    [access] = actions.open_access(
        actor=cast.teacher,
        grantee=substitute,
        kind=AccessKind.SUBSTITUTE,
        starts_on=TUESDAY,
        ends_on=FRIDAY,
        log=log,
    )
    with pytest.raises(PermissionDenied):
        actions.revoke_access(actor=substitute, access=access)
    actions.revoke_access(actor=cast.teacher, access=access)
    with pytest.raises(PermissionDenied):
        lesson(substitute, world.class_4b, on=TUESDAY)


def test_nobody_opens_a_log_they_do_not_teach(world, clock):
    cast = world.cast
    log = lesson(cast.teacher, world.class_4b, on=TUESDAY).log
    other = teacher_in(world.class_5c, login="autre.prof")
    with pytest.raises(PermissionDenied):
        actions.open_access(
            actor=other,
            grantee=cast.head,
            kind=AccessKind.WINDOW,
            starts_on=TUESDAY,
            ends_on=FRIDAY,
            log=log,
        )
    with pytest.raises(ValidationError):
        actions.open_access(
            actor=cast.teacher,
            grantee=cast.head,
            kind=AccessKind.WINDOW,
            starts_on=FRIDAY,
            ends_on=TUESDAY,
            log=log,
        )


@pytest.mark.sdet("UTI-AVE-CDT-03")
@pytest.mark.sdet("UTI-AVE-CDT-07")
def test_a_preparation_of_the_personal_cahier_is_copied_into_a_class_as_a_draft(world, clock):
    cast = world.cast
    preparation = actions.save_personal_entry(
        actor=cast.teacher,
        title="Théorème de Pythagore",
        content="Activité d'introduction",
        links=[{"url": "https://example.org/pythagore"}],
    )
    copied = actions.copy_to_log(
        actor=cast.teacher, entry=preparation, division=world.class_4b, date=TUESDAY
    )
    assert copied.status == Status.DRAFT
    assert copied.copied_from == preparation
    assert (copied.title, copied.content) == ("Théorème de Pythagore", "Activité d'introduction")
    assert not LessonEntry.objects.visible_to(world.cast.pupil).exists()
    with pytest.raises(PermissionDenied):
        actions.copy_to_log(
            actor=cast.teacher, entry=preparation, division=world.class_5c, date=TUESDAY
        )


def test_only_teachers_keep_a_personal_cahier(world, clock):
    with pytest.raises(PermissionDenied):
        actions.save_personal_entry(actor=world.cast.pupil, title="Non")


@pytest.mark.sdet("UTI-AVE-CDT-01")
def test_the_cahier_journal_is_written_by_its_teacher_only(family, world, clock):
    plan = actions.save_day_plan(
        actor=family.teacher_z,
        owner=family.teacher_z,
        school_class=family.cm2,
        day=TUESDAY,
        sessions=[
            {"starts_at": "09:00", "ends_at": "09:45", "title": "Lecture", "content": "p. 12"},
            {"starts_at": "08:30", "ends_at": "09:00", "title": "Rituels"},
        ],
    )
    assert [session["title"] for session in plan.sessions] == ["Rituels", "Lecture"]
    with pytest.raises(PermissionDenied):
        actions.save_day_plan(
            actor=world.cast.teacher,
            owner=family.teacher_z,
            school_class=family.cm2,
            day=TUESDAY,
            sessions=[],
        )
    with pytest.raises(ValidationError):
        actions.save_day_plan(
            actor=family.teacher_z,
            owner=family.teacher_z,
            school_class=family.cm2,
            day=TUESDAY,
            sessions=[{"starts_at": "10:00", "ends_at": "09:00", "title": "À l'envers"}],
        )


def test_a_pupil_records_work_against_their_own_homework_only(world, clock):
    cast = world.cast
    entry = lesson(
        cast.teacher, cast.school_class, on=TUESDAY, work=(WorkInput("Exercice 1", FRIDAY),)
    )
    homework = entry.homework.get()
    work = actions.record_work(actor=cast.pupil, text="Fait", done_on=TUESDAY, homework=homework)
    assert work.pupil == cast.pupil
    with pytest.raises(PermissionDenied):
        actions.record_work(actor=world.tom, text="Pas le mien", done_on=TUESDAY, homework=homework)
    with pytest.raises(PermissionDenied):
        actions.update_work_done(actor=cast.guardian, work=work, text="Non", done_on=TUESDAY)
    with pytest.raises(PermissionDenied):
        actions.record_work(actor=cast.teacher, text="Prof", done_on=TUESDAY)


@pytest.mark.sdet("UTI-AVE-CDT-19")
def test_a_pupil_joining_a_class_sees_its_past_lessons(world, clock):
    cast = world.cast
    entry = lesson(cast.teacher, world.class_4b, on=date(2026, 1, 12))
    newcomer = pupil_in(world.class_5c, login="nouvel.eleve")
    assert not LessonEntry.objects.visible_to(newcomer).exists()
    enrol(newcomer, world.class_4b)
    assert LessonEntry.objects.visible_to(newcomer).get() == entry
