"""Scenarios of spec-utilisateur (communication) on the mail core: out-of-office (6),
class lists (8) and the antivirus (5)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from ent.directory.lists import get_list, members
from ent.directory.models import Enrolment
from ent.messaging import actions
from ent.messaging.addresses import address_of
from ent.messaging.models import Message, Role, ScanStatus, Status
from ent.rights.tests.factories import new_class, person_in, pupil_in

from .factories import box, send, subjects

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")
D = date(2026, 3, 2)


def on(day: int, hour: int = 10) -> time_machine.travel:
    return time_machine.travel(datetime(2026, 3, 2 + day, hour, tzinfo=PARIS), tick=False)


@pytest.fixture
def away(world):
    """Mme Dupont is away from D to D+7."""
    with on(0):
        actions.set_auto_reply(
            actor=world.cast.teacher,
            enabled=True,
            starts_on=D,
            ends_on=date(2026, 3, 9),
            subject="Absente",
            body="Je suis absente jusqu'au 9 mars.",
        )


@pytest.mark.sdet("UTI-CCO-CEL-13", "UTI-CCO-CEL-14")
def test_out_of_office_answers_each_sender_once_a_day_inside_its_window(world, away, delivered):
    lea, teacher = world.cast.pupil, world.cast.teacher
    with on(1), delivered():
        send(lea, teacher, subject="Question 1")
    assert subjects(lea) == ["Absente"]
    reply = box(lea)[0].message
    assert reply.headers["Auto-Submitted"] == "auto-replied"
    assert reply.author == teacher
    with on(1, 15), delivered():
        send(lea, teacher, subject="Question 2")
    assert subjects(lea) == ["Absente"]
    with on(2), delivered():
        send(lea, teacher, subject="Question 3")
    assert subjects(lea) == ["Absente", "Absente"]
    with on(8), delivered():
        send(lea, teacher, subject="Question 4")
    assert len(box(lea)) == 2
    assert len(box(teacher)) == 4


@pytest.mark.sdet("UTI-CCO-CEL-14")
def test_out_of_office_never_answers_a_list_or_bulk_mail(world, away, delivered):
    teacher, cpe = world.cast.teacher, world.cpe
    with on(1), delivered():
        send(cpe, f"list:class-{world.class_4b.pk}-teachers", subject="Conseil de classe")
    assert subjects(teacher) == ["Conseil de classe"]
    assert box(cpe) == []
    for header in (
        b"Precedence: list",
        b"List-Id: <maths.ac-exemple.fr>",
        b"Auto-Submitted: auto-generated",
    ):
        raw = (
            header
            + b"\r\nFrom: liste@ac-exemple.fr\r\nTo: agnes.dupont@ent.localhost\r\n"
            + b"Subject: Info\r\n\r\nx\r\n"
        )
        with on(1), delivered():
            assert actions.receive_external(
                raw=raw, envelope_from="", recipients=["agnes.dupont@ent.localhost"]
            ) == {"agnes.dupont@ent.localhost": None}
    # An auto-reply itself is never answered either: two people away do not talk forever.
    with on(0):
        actions.set_auto_reply(
            actor=cpe,
            enabled=True,
            starts_on=D,
            ends_on=date(2026, 3, 9),
            subject="CPE absent",
            body="Absent.",
        )
    with on(1), delivered():
        send(cpe, teacher, subject="Direct")
    assert subjects(cpe) == ["Absente"]
    assert subjects(teacher)[0] == "Direct"
    assert Message.objects.filter(subject="CPE absent").count() == 0


@pytest.mark.sdet("UTI-CCO-EEC-13")
def test_class_lists_follow_the_directory_with_no_action(world, delivered):
    lea, teacher = world.cast.pupil, world.cast.teacher
    class_4a = new_class(school=world.cast.school, code="4A")
    pupils_4a = [pupil_in(class_4a) for _ in range(2)]
    key_3a = f"class-{world.class_3a.pk}-pupils"
    assert lea in members(get_list(key_3a))  # type: ignore[arg-type]  # arg-type: the list exists
    # The next import moves Léa from 3A to 4A: the lists follow, nobody touches them.
    Enrolment.objects.filter(pupil=lea, school_class=world.class_3a).update(school_class=class_4a)
    assert lea not in members(get_list(key_3a))  # type: ignore[arg-type]  # arg-type: the list exists
    from ent.directory.models import TeachingAssignment

    TeachingAssignment.objects.create(teacher=teacher, school_class=class_4a, subject_code="HG")
    with delivered():
        send(teacher, f"list:class-{class_4a.pk}-pupils", subject="Sortie 4A")
    for pupil in [lea, *pupils_4a]:
        assert subjects(pupil) == ["Sortie 4A"]
    assert Message.objects.get(subject="Sortie 4A").to == [f"list:class-{class_4a.pk}-pupils"]


@pytest.mark.sdet("UTI-CCO-CEL-19")
def test_with_the_scanner_down_mail_is_held_in_the_senders_box_not_lost(
    world, delivered, scanner_down
):
    pdf = SimpleUploadedFile("cours.pdf", b"%PDF-1.4\n% cours\n", content_type="application/pdf")
    with delivered():
        message = send(world.cast.teacher, world.cast.pupil, subject="Cours", uploads=[pdf])
    assert message.status == Status.HELD
    assert "antivirus" in message.status_reason
    assert subjects(world.cast.teacher, Role.SENT) == ["Cours"]
    assert box(world.cast.pupil) == []
    assert message.attachments.get().scan == ScanStatus.PENDING
    # Mail from outside waits too: accepted (not lost), in nobody's box until scanned.
    raw = (
        b"From: ami@example.org\r\nTo: agnes.dupont@ent.localhost\r\nSubject: Piece\r\n"
        b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
        b"Content-Type: text/plain\r\n\r\nVoir PJ\r\n--b\r\nContent-Type: application/pdf\r\n"
        b"Content-Disposition: attachment; filename=a.pdf\r\n\r\n%PDF-1.4\r\n--b--\r\n"
    )
    with delivered():
        outcome = actions.receive_external(
            raw=raw, envelope_from="", recipients=["agnes.dupont@ent.localhost"]
        )
    assert outcome == {"agnes.dupont@ent.localhost": None}
    assert Message.objects.get(subject="Piece").status == Status.HELD
    assert box(world.cast.teacher) == []
    # Still down: a rescan changes nothing.
    assert actions.rescan_held() == 0
    assert box(world.cast.pupil) == []


def test_the_sender_of_a_class_list_is_not_sent_their_own_copy_twice(world, delivered):
    teacher = world.cast.teacher
    person_in(world.cast.school, "ENS")
    with delivered():
        send(teacher, f"list:class-{world.class_3a.pk}-teachers", address_of(world.cast.pupil))
    assert box(teacher) == []
    assert len(box(world.cast.pupil)) == 1
