"""Imports, cancelled and moved lessons, subscriptions and colours, through the actions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from ent.audit.models import AuditEvent
from ent.directory.models import User
from ent.notifications.models import Notification
from ent.rights.tests.factories import guardian_of, person_in
from ent.timetable.actions import (
    cancel_lesson,
    import_timetable,
    issue_feed_token,
    move_lesson,
    restore_lesson,
    revoke_feed_token,
    set_subject_colour,
)
from ent.timetable.importers.resolve import Target
from ent.timetable.models import (
    FeedToken,
    Import,
    ImportStatus,
    Lesson,
    LessonStatus,
    Source,
    SubjectColour,
)

from .conftest import sample
from .factories import encrypt_export, make_lesson, new_key

PARIS = ZoneInfo("Europe/Paris")
STS_FILE = "emp_sts_0000001B_2026.xml"


def state() -> list[tuple]:
    """Everything an import may touch, to prove a refused file touched nothing."""
    return sorted(
        Lesson.objects.values_list("pk", "source_uid", "status", "starts_at", "updated_at")
    )


def run(tt, name: str, data: bytes | None = None, **kwargs) -> Import:
    return import_timetable(
        actor=tt.cast.head,
        school=tt.cast.school,
        filename=name,
        data=sample(name) if data is None else data,
        **kwargs,
    )


@pytest.mark.sdet("UTI-AVE-EDT-01")
def test_head_imports_emp_sts_unknown_class_skipped_teachers_matched(tt, before_term):
    entry = run(tt, STS_FILE)
    assert entry.status == ImportStatus.DONE, entry.error
    assert (entry.created_count, entry.skipped_count) == (16, 4)
    assert "9Z" in entry.warnings
    assert "1002" in entry.warnings
    lessons = Lesson.objects.filter(school=tt.cast.school, source=Source.STS)
    assert lessons.count() == 16
    maths = lessons.filter(school_class=tt.cast.school_class, subject_code="061300")
    assert maths.count() == 8
    assert {teacher for lesson in maths for teacher in lesson.teachers.all()} == {tt.cast.teacher}
    assert maths.first().subject.label == "MATHEMATIQUES"
    spanish = lessons.get(
        teaching_group=tt.group, starts_at=datetime(2026, 9, 11, 15, tzinfo=PARIS)
    )
    assert list(spanish.teachers.all()) == [tt.cast.teacher]  # 1003 unknown, 1001 found
    assert AuditEvent.objects.filter(action="timetable.import.run").count() == 1


def test_the_same_file_again_changes_nothing(tt, before_term):
    run(tt, STS_FILE)
    before = state()
    again = run(tt, STS_FILE)
    assert again.status == ImportStatus.UNCHANGED
    assert state() == before
    assert Import.objects.count() == 2  # the history keeps both


def test_same_lessons_in_another_file_are_left_unchanged(tt, before_term):
    run(tt, STS_FILE)
    before = state()
    entry = run(tt, STS_FILE, sample(STS_FILE) + b"\n<!-- exported again -->\n")
    assert entry.status == ImportStatus.DONE
    assert (entry.created_count, entry.updated_count, entry.deleted_count) == (0, 0, 0)
    assert entry.unchanged_count == 16
    assert state() == before


def test_a_new_file_replaces_future_lessons_and_keeps_the_past(tt, before_term):
    run(tt, STS_FILE)
    past = Lesson.objects.get(
        school_class=tt.cast.school_class, starts_at=datetime(2026, 8, 31, 8, tzinfo=PARIS)
    )
    changed = (
        sample(STS_FILE)
        .decode()
        .replace("<JOUR>3</JOUR><HEURE_DEBUT>1000", "<JOUR>3</JOUR><HEURE_DEBUT>1100", 1)
        .replace(
            "<JOUR>1</JOUR><HEURE_DEBUT>0800</HEURE_DEBUT>",
            "<JOUR>1</JOUR><HEURE_DEBUT>0900</HEURE_DEBUT>",
            1,
        )
        .encode()
    )
    with time_machine.travel(datetime(2026, 9, 10, 12, tzinfo=UTC), tick=False):
        entry = run(tt, STS_FILE, changed)
    assert entry.status == ImportStatus.DONE, entry.error
    # Monday 8:00 → 9:00 and Wednesday 10:00 → 11:00, from 10 September on only.
    assert Lesson.objects.filter(pk=past.pk).exists()  # 31 August stays as it was
    wednesdays = Lesson.objects.filter(
        school_class=tt.cast.school_class, subject_code="061300", starts_at__week_day=4
    ).order_by("starts_at")
    assert [timezone.localtime(item.starts_at).hour for item in wednesdays] == [10, 10, 11, 11]
    assert entry.deleted_count == 4
    assert entry.created_count == 4


def test_a_cancellation_made_in_the_ent_survives_a_new_file(tt, before_term):
    run(tt, STS_FILE)
    lesson = Lesson.objects.filter(school_class=tt.cast.school_class).order_by("-starts_at")[0]
    cancel_lesson(actor=tt.cast.teacher, lesson=lesson, note="Sortie")
    run(tt, STS_FILE, sample(STS_FILE) + b"<!-- again -->")
    lesson.refresh_from_db()
    assert lesson.status == LessonStatus.CANCELLED


@pytest.mark.parametrize(
    ("name", "data", "kind"),
    [
        ("classe_3A.ics", None, "STS"),  # wrong kind asked for
        (STS_FILE, b"<EDT_STS><ALTERNANCES><ALTERNANCE CODE='H'>", None),  # broken XML
        (STS_FILE, b"<?xml version='1.0'?><CARNET/>", None),  # wrong root
        ("sts_emp_0000001B_2026.xml", None, None),  # the reverse STS file
        ("classe.ics", b"BEGIN:VCALENDAR\r\nthis line is wrong\r\nEND:VCALENDAR\r\n", None),
        (STS_FILE, b"", None),  # empty
        ("emploi.pdf", b"%PDF-1.4", None),  # wrong extension
        ("emp_sts_0000002C_2026.xml", None, None),  # another school's UAI
    ],
)
def test_a_bad_file_is_refused_whole_and_recorded(tt, before_term, name, data, kind):
    if name == "emp_sts_0000002C_2026.xml":
        data = sample(STS_FILE)
    before = state()
    entry = import_timetable(
        actor=tt.cast.head,
        school=tt.cast.school,
        filename=name,
        data=sample(name) if data is None else data,
        kind=kind,
    )
    assert entry.status == ImportStatus.FAILED
    assert entry.error
    assert state() == before
    assert Lesson.objects.count() == 0
    assert AuditEvent.objects.filter(action="timetable.import.refuse", outcome="FAILURE").exists()


def test_an_oversize_file_is_refused_and_changes_nothing(tt, before_term, settings):
    run(tt, STS_FILE)
    before = state()
    settings.ENT_TIMETABLE_MAX_UPLOAD_BYTES = 2000
    entry = run(tt, STS_FILE, sample(STS_FILE) + b"<!-- other -->")
    assert entry.status == ImportStatus.FAILED
    assert "2000" in entry.error
    assert state() == before


def test_a_file_whose_classes_are_all_unknown_is_refused(tt, before_term):
    data = (
        sample(STS_FILE)
        .decode()
        .replace('CODE="3A"', 'CODE="7X"')
        .replace('CODE="4B"', 'CODE="7Y"')
    )
    data = data.replace('GROUPE CODE="3A-ESP"', 'GROUPE CODE="7Z"')
    entry = run(tt, STS_FILE, data.encode())
    assert entry.status == ImportStatus.FAILED
    assert Lesson.objects.count() == 0


@pytest.mark.sdet("UTI-AVE-EDT-01")
def test_icalendar_file_for_one_class_and_another_for_one_teacher(tt, before_term):
    target = Target("class", tt.cast.school_class.pk, "3eA")
    entry = run(tt, "classe_3A.ics", target=target)
    assert entry.status == ImportStatus.DONE, entry.error
    assert entry.created_count == 7
    assert "Sortie scolaire" in entry.warnings
    lessons = Lesson.objects.filter(source=Source.ICAL, scope=target.scope)
    assert set(lessons.values_list("school_class", flat=True)) == {tt.cast.school_class.pk}
    maths = lessons.filter(title="Mathématiques").first()
    assert maths.subject.code == "061300"  # SUMMARY matched to the subject
    assert lessons.get(title="Anglais").status == LessonStatus.CANCELLED
    # A teacher's file is another scope: it replaces nothing of the class's.
    teacher = Target("teacher", tt.cast.teacher.pk, "Agnès Dupont")
    run(tt, "classe_3A.ics", sample("classe_3A.ics") + b"\r\n", target=teacher)
    assert lessons.count() == 7
    mine = Lesson.objects.filter(scope=teacher.scope)
    assert mine.count() == 7
    assert mine.filter(teachers=tt.cast.teacher).count() == 7


def test_an_icalendar_file_needs_a_target(tt, before_term):
    entry = run(tt, "classe_3A.ics")
    assert entry.status == ImportStatus.FAILED
    assert Lesson.objects.count() == 0


def test_a_moved_occurrence_in_a_new_icalendar_file_updates_in_place(tt, before_term):
    target = Target("class", tt.cast.school_class.pk, "3eA")
    run(tt, "classe_3A.ics", target=target)
    moved = Lesson.objects.get(starts_at=datetime(2026, 9, 22, 8, tzinfo=PARIS))
    data = sample("classe_3A.ics").replace(
        b"END:VCALENDAR",
        b"BEGIN:VEVENT\r\nUID:maths-3a@tests.example\r\n"
        b"RECURRENCE-ID;TZID=Europe/Paris:20260922T080000\r\n"
        b"DTSTART;TZID=Europe/Paris:20260924T080000\r\nDTEND;TZID=Europe/Paris:20260924T090000\r\n"
        b"SUMMARY:Math\xc3\xa9matiques\r\nEND:VEVENT\r\nEND:VCALENDAR",
    )
    entry = run(tt, "classe_3A.ics", data, target=target)
    assert (entry.updated_count, entry.created_count, entry.deleted_count) == (1, 0, 0)
    moved.refresh_from_db()
    assert moved.starts_at == datetime(2026, 9, 24, 8, tzinfo=PARIS)


@pytest.mark.sdet("UTI-AVE-EDT-01")
def test_edt_clear_and_encrypted_exports_import(tt, before_term, settings, tmp_path):
    entry = run(tt, "edt_clair_0000001B.xml")
    assert entry.status == ImportStatus.DONE, entry.error
    assert entry.created_count == 4
    cancelled = Lesson.objects.get(starts_at=datetime(2026, 9, 7, 8, tzinfo=PARIS))
    assert cancelled.status == LessonStatus.CANCELLED
    assert cancelled.is_cancelled_in_source
    assert list(cancelled.teachers.all()) == [tt.cast.teacher]  # matched by name
    assert "Jean Inconnu" in entry.warnings
    key = new_key()
    from cryptography.hazmat.primitives import serialization

    path = tmp_path / "partner.pem"
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    settings.ENT_TIMETABLE_EDT_KEY_FILE = str(path)
    settings.ENT_TIMETABLE_EDT_PARTNER = "ENT-TEST"
    clear = sample("edt_clair_0000001B.xml").replace(b'"101"', b'"102"')
    encrypted = run(tt, "edt_chiffre.xml", encrypt_export(clear, key.public_key()))
    assert encrypted.status == ImportStatus.DONE, encrypted.error
    assert encrypted.updated_count == 3  # the room changed
    assert set(Lesson.objects.filter(source=Source.EDT).values_list("room", flat=True)) == {
        "102",
        "",
    }
    other = run(tt, "edt_y.xml", encrypt_export(clear, key.public_key(), uai="0000002C"))
    assert other.status == ImportStatus.FAILED
    assert "0000002C" in other.error


def test_a_dry_run_counts_without_saving(tt, before_term):
    entry = run(tt, STS_FILE, dry_run=True)
    assert entry.pk is None
    assert entry.created_count == 16
    assert Lesson.objects.count() == 0
    assert Import.objects.count() == 0


def test_only_who_manages_the_timetable_imports(tt, before_term):
    for person in (tt.cast.teacher, tt.cast.pupil, tt.cast.outsider):
        with pytest.raises(PermissionDenied):
            import_timetable(
                actor=person, school=tt.cast.school, filename=STS_FILE, data=sample(STS_FILE)
            )
    assert (
        import_timetable(
            actor=tt.cast.school_admin,
            school=tt.cast.school,
            filename=STS_FILE,
            data=sample(STS_FILE),
        ).status
        == ImportStatus.DONE
    )


def notified(person: User) -> list[str]:
    return list(
        Notification.objects.filter(recipient=person, kind="timetable.lesson_changed").values_list(
            "title", flat=True
        )
    )


def test_teacher_cancels_a_lesson_pupils_and_guardians_are_told(tt):
    lesson = make_lesson(division=tt.cast.school_class, teachers=(tt.cast.teacher,))
    cancel_lesson(actor=tt.cast.teacher, lesson=lesson, note="Professeure absente")
    lesson.refresh_from_db()
    assert (lesson.status, lesson.note) == (LessonStatus.CANCELLED, "Professeure absente")
    assert len(notified(tt.cast.pupil)) == 1
    assert len(notified(tt.cast.guardian)) == 1
    assert notified(tt.world.tom) == []  # another class
    assert AuditEvent.objects.filter(
        action="timetable.lesson.cancel", actor=tt.cast.teacher
    ).exists()
    with pytest.raises(ValidationError):
        cancel_lesson(actor=tt.cast.teacher, lesson=lesson)


def test_head_moves_a_group_lesson_and_restores_it(tt):
    lesson = make_lesson(division=tt.group, teachers=(tt.cast.teacher,))
    starts = lesson.starts_at + timedelta(days=1)
    moved = move_lesson(
        actor=tt.cast.head,
        lesson=lesson,
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
        room="B2",
    )
    lesson.refresh_from_db()
    assert lesson.status == LessonStatus.MOVED
    assert lesson.moved_to == moved
    assert (moved.teaching_group, moved.room, moved.source) == (tt.group, "B2", Source.MANUAL)
    assert list(moved.teachers.all()) == [tt.cast.teacher]
    assert len(notified(tt.cast.pupil)) == 1  # Léa is in the group
    restore_lesson(actor=tt.cast.head, lesson=lesson)
    lesson.refresh_from_db()
    assert lesson.status == LessonStatus.SCHEDULED
    assert lesson.moved_to is None
    assert not Lesson.objects.filter(pk=moved.pk).exists()
    with pytest.raises(ValidationError):
        restore_lesson(actor=tt.cast.head, lesson=lesson)


def test_a_move_must_end_after_it_starts_and_only_scheduled_lessons_move(tt):
    lesson = make_lesson(division=tt.cast.school_class, teachers=(tt.cast.teacher,))
    with pytest.raises(ValidationError):
        move_lesson(
            actor=tt.cast.teacher, lesson=lesson, starts_at=lesson.ends_at, ends_at=lesson.starts_at
        )
    cancel_lesson(actor=tt.cast.teacher, lesson=lesson)
    with pytest.raises(ValidationError):
        move_lesson(
            actor=tt.cast.teacher, lesson=lesson, starts_at=lesson.starts_at, ends_at=lesson.ends_at
        )


def test_who_is_neither_teacher_of_the_lesson_nor_manager_cannot_change_it(tt):
    other_teacher = person_in(tt.cast.school, "ENS")
    lesson = make_lesson(division=tt.cast.school_class, teachers=(other_teacher,))
    for person in (
        tt.cast.teacher,
        tt.cast.pupil,
        tt.cast.guardian,
        tt.cast.outsider,
        tt.world.cpe,
    ):
        with pytest.raises(PermissionDenied):
            cancel_lesson(actor=person, lesson=lesson)
    assert Lesson.objects.get(pk=lesson.pk).status == LessonStatus.SCHEDULED


@pytest.mark.sdet("UTI-AVE-EDT-06")
def test_lessons_of_a_past_school_year_are_archived_read_only(tt):
    last_year = datetime(2025, 3, 10, 10, tzinfo=PARIS)
    lesson = make_lesson(
        division=tt.cast.school_class, starts_at=last_year, teachers=(tt.cast.teacher,)
    )
    with pytest.raises(PermissionDenied):
        cancel_lesson(actor=tt.cast.head, lesson=lesson)


def test_a_guardian_without_legal_authority_is_not_told(tt):
    other = person_in(tt.cast.school, "TUT")
    guardian_of(tt.cast.pupil, other, legal=False)
    lesson = make_lesson(division=tt.cast.school_class, teachers=(tt.cast.teacher,))
    cancel_lesson(actor=tt.cast.teacher, lesson=lesson)
    # Guardians with an account hear about their child's lessons; the ENT's rights decide
    # what they may open afterwards.
    assert len(notified(tt.cast.guardian)) == 1


def test_subscription_tokens_are_stored_hashed_replaced_and_revoked(tt):
    token = issue_feed_token(actor=tt.cast.pupil)
    stored = FeedToken.objects.get(person=tt.cast.pupil)
    assert token not in stored.digest
    assert len(stored.digest) == 64
    second = issue_feed_token(actor=tt.cast.pupil)
    assert second != token
    assert FeedToken.objects.filter(person=tt.cast.pupil).count() == 1
    assert revoke_feed_token(actor=tt.cast.pupil) is True
    assert revoke_feed_token(actor=tt.cast.pupil) is False
    assert AuditEvent.objects.filter(action="timetable.feed.revoke").count() == 1


@pytest.mark.sdet("UTI-AVE-EDT-03")
def test_subject_colours_are_chosen_and_reset(tt):
    set_subject_colour(actor=tt.cast.pupil, subject_code="061300", colour="green")
    set_subject_colour(actor=tt.cast.pupil, subject_code="061300", colour="purple")
    assert SubjectColour.objects.get(person=tt.cast.pupil).colour == "purple"
    set_subject_colour(actor=tt.cast.pupil, subject_code="061300", colour="")
    assert not SubjectColour.objects.exists()
    with pytest.raises(ValidationError):
        set_subject_colour(actor=tt.cast.pupil, subject_code="061300", colour="#ff0000")


def test_a_week_cancelled_then_restored_in_the_source_follows_the_source(tt, before_term):
    run(tt, "edt_clair_0000001B.xml")
    week_two = datetime(2026, 9, 7, 8, tzinfo=PARIS)
    week_three = datetime(2026, 9, 14, 8, tzinfo=PARIS)
    # Week 2 no longer cancelled, week 3 now cancelled (bit 3 = 8).
    data = sample("edt_clair_0000001B.xml").replace(
        b'SemainesAnnulation="4"', b'SemainesAnnulation="8"'
    )
    entry = run(tt, "edt_clair_0000001B.xml", data)
    assert entry.updated_count == 2
    assert Lesson.objects.get(starts_at=week_two).status == LessonStatus.SCHEDULED
    assert Lesson.objects.get(starts_at=week_three).status == LessonStatus.CANCELLED


def test_import_lessons_checks_its_actor(tt):
    from ent.timetable.actions import import_lessons
    from ent.timetable.importers.resolve import Plan

    with pytest.raises(PermissionDenied):
        import_lessons(
            actor=tt.cast.teacher,
            school=tt.cast.school,
            source=Source.MANUAL,
            scope="",
            plan=Plan(),
        )


def test_an_unreadable_partner_key_refuses_encrypted_exports_only(
    tt, before_term, settings, tmp_path, caplog
):
    settings.ENT_TIMETABLE_EDT_KEY_FILE = str(tmp_path / "missing.pem")
    data = encrypt_export(sample("edt_clair_0000001B.xml"), new_key().public_key())
    entry = run(tt, "edt.xml", data)
    assert entry.status == ImportStatus.FAILED
    assert "ENT_TIMETABLE_EDT_KEY_FILE" in entry.error
    assert "cannot be read" in caplog.text
    assert run(tt, "edt_clair_0000001B.xml").status == ImportStatus.DONE


def test_a_dry_run_of_a_bad_file_says_why_and_saves_nothing(tt, before_term):
    entry = run(tt, "sts_emp_0000001B_2026.xml", dry_run=True)
    assert entry.status == ImportStatus.FAILED
    assert entry.pk is None
    assert Import.objects.count() == 0


def test_a_cancelled_lesson_is_restored(tt):
    lesson = make_lesson(division=tt.cast.school_class, teachers=(tt.cast.teacher,))
    cancel_lesson(actor=tt.cast.teacher, lesson=lesson, note="Grève")
    restore_lesson(actor=tt.cast.teacher, lesson=lesson)
    lesson.refresh_from_db()
    assert (lesson.status, lesson.note) == (LessonStatus.SCHEDULED, "")
    assert len(notified(tt.cast.pupil)) == 2


def test_a_lesson_restored_in_the_ent_stays_scheduled_when_the_source_restores_it(tt, before_term):
    run(tt, "edt_clair_0000001B.xml")
    lesson = Lesson.objects.get(starts_at=datetime(2026, 9, 7, 8, tzinfo=PARIS))
    restore_lesson(actor=tt.cast.teacher, lesson=lesson)
    data = sample("edt_clair_0000001B.xml").replace(b'SemainesAnnulation="4"', b"")
    assert run(tt, "edt_clair_0000001B.xml", data).updated_count == 1
    lesson.refresh_from_db()
    assert lesson.status == LessonStatus.SCHEDULED
    assert not lesson.is_cancelled_in_source
