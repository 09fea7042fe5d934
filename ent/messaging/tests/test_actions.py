"""Mail actions: sending, delivery in the background, folders, batches, settings."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from ent.directory.actions import purge_person
from ent.directory.models import Profile
from ent.messaging import actions, queries
from ent.messaging.actions import MailRefused
from ent.messaging.addresses import address_of, resolve
from ent.messaging.models import (
    Delivery,
    DeliveryStatus,
    Entry,
    Folder,
    Message,
    Role,
    Status,
)
from ent.notifications.models import Notification
from ent.rights.tests.factories import pupil_in

from .factories import box, send, subjects

pytestmark = pytest.mark.django_db


def test_every_member_has_a_lower_case_address_that_resolves_to_them(world):
    teacher = world.cast.teacher
    assert address_of(teacher) == "agnes.dupont@ent.localhost"
    assert resolve("Agnès <AGNES.DUPONT@ent.localhost>") == teacher
    assert resolve("nobody@ent.localhost") is None
    assert resolve("agnes.dupont@elsewhere.org") is None


@pytest.mark.sdet("UTI-CCO-CEL-02")
def test_a_sent_message_lands_in_sent_then_in_the_recipients_inbox(world, delivered):
    teacher, pupil = world.cast.teacher, world.cast.pupil
    with delivered():
        message = send(teacher, pupil, subject="Devoirs", body_html="<p><b>Lire</b> p. 12</p>")
    assert subjects(teacher, Role.SENT) == ["Devoirs"]
    (entry,) = box(pupil)
    assert entry.message.body_html == "<p><b>Lire</b> p. 12</p>"
    assert not entry.seen
    message.refresh_from_db()
    assert message.status == Status.SENT
    assert Delivery.objects.get(message=message).status == DeliveryStatus.DELIVERED
    notice = Notification.objects.get(recipient=pupil, kind="messaging.new_mail")
    assert "Agnès Dupont" in notice.title
    assert "Lire" not in notice.title + notice.body


def test_the_senders_call_returns_before_delivery(world):
    message = send(world.cast.teacher, world.cast.pupil)
    # Nothing ran after the commit: the sender already has their copy, the pupil not yet.
    assert message.status == Status.SENDING
    assert subjects(world.cast.teacher, Role.SENT) == ["Bonjour"]
    assert box(world.cast.pupil) == []


def test_delivering_twice_files_the_message_once(world, delivered):
    with delivered():
        message = send(world.cast.teacher, world.cast.pupil)
    assert actions.deliver_message(message_id=message.pk) == 0
    assert len(box(world.cast.pupil)) == 1


@pytest.mark.sdet("UTI-CCO-CEL-05")
def test_a_recipient_the_rules_forbid_is_refused_and_nothing_is_sent(world, delivered):
    before = Message.objects.count()
    with pytest.raises(MailRefused) as refused, delivered():
        send(world.cast.pupil, world.cast.outsider, world.cast.teacher)
    assert list(refused.value.reasons) == [address_of(world.cast.outsider)]
    assert "communication rules" in str(refused.value)
    assert Message.objects.count() == before
    assert box(world.cast.teacher) == []


def test_unknown_and_malformed_addresses_are_refused_with_a_reason(world):
    with pytest.raises(MailRefused) as refused:
        send(
            world.cast.teacher, "personne@ent.localhost", "pas une adresse", "list:class-999-pupils"
        )
    reasons = refused.value.reasons
    assert "Nobody" in reasons["personne@ent.localhost"]
    assert "not a valid address" in reasons["pas une adresse"]
    assert "does not exist" in reasons["list:class-999-pupils"]


def test_a_message_needs_a_recipient(world):
    with pytest.raises(ValidationError):
        send(world.cast.teacher)


def test_a_pupil_may_not_address_a_class_list(world):
    with pytest.raises(MailRefused):
        send(world.cast.pupil, f"list:class-{world.class_3a.pk}-pupils")


def test_a_list_of_many_pupils_gets_one_entry_each_with_distinct_uids(world, delivered):
    pupils = [pupil_in(world.class_4b) for _ in range(30)]
    with delivered():
        message = send(world.cast.teacher, f"list:class-{world.class_4b.pk}-pupils")
    entries = Entry.objects.filter(message=message, folder__role=Role.INBOX)
    assert {e.owner_id for e in entries} == {p.pk for p in pupils}
    # A second message in the same boxes takes the next uid of each inbox.
    with delivered():
        send(world.cast.teacher, f"list:class-{world.class_4b.pk}-pupils", subject="Deux")
    for pupil in pupils[:3]:
        assert [e.uid for e in box(pupil)] == [2, 1]
    assert all(f.uid_next == 3 for f in Folder.objects.filter(owner__in=pupils, role=Role.INBOX))
    assert Delivery.objects.filter(message=message, status=DeliveryStatus.DELIVERED).count() == 30


def test_a_standard_client_may_not_forge_its_sender(world):
    raw = (
        b"From: marc.bernard@ent.localhost\r\nTo: lea.petit@ent.localhost\r\n"
        b"Subject: Convocation\r\n\r\nVenez.\r\n"
    )
    with pytest.raises(MailRefused) as refused:
        actions.submit_raw(
            actor=world.cast.teacher, raw=raw, envelope_recipients=["lea.petit@ent.localhost"]
        )
    assert "your own address" in str(refused.value)
    assert not Message.objects.filter(subject="Convocation").exists()


def test_a_standard_client_submission_is_delivered_with_its_bcc_hidden(world, delivered):
    raw = (
        b"From: Agnes <agnes.dupont@ent.localhost>\r\nTo: lea.petit@ent.localhost\r\n"
        b"Subject: Par SMTP\r\n\r\nBonjour.\r\n"
    )
    with delivered():
        message = actions.submit_raw(
            actor=world.cast.teacher,
            raw=raw,
            envelope_recipients=["lea.petit@ent.localhost", "jean.roux@ent.localhost"],
        )
    assert message.bcc == ["jean.roux@ent.localhost"]
    assert subjects(world.cast.pupil) == ["Par SMTP"]
    assert subjects(world.cpe) == ["Par SMTP"]


LOOPING = (
    b"X-Loop: ent.localhost\r\nX-Loop: ent.localhost\r\nX-Loop: ent.localhost\r\n"
    b"From: ami@example.org\r\nTo: agnes.dupont@ent.localhost\r\nSubject: Boucle\r\n\r\nx\r\n"
)


def test_mail_that_already_went_through_the_ent_three_times_is_refused(world, delivered):
    with delivered():
        outcome = actions.receive_external(
            raw=LOOPING, envelope_from="ami@example.org", recipients=["agnes.dupont@ent.localhost"]
        )
    assert "looping" in str(outcome["agnes.dupont@ent.localhost"])
    assert box(world.cast.teacher) == []


def test_a_list_of_the_ent_writing_back_to_itself_is_refused(world):
    raw = (
        b"List-Id: <class-1-pupils.ent.localhost>\r\nFrom: ami@example.org\r\n"
        b"To: agnes.dupont@ent.localhost\r\nSubject: Echo\r\n\r\nx\r\n"
    )
    outcome = actions.receive_external(
        raw=raw, envelope_from="", recipients=["agnes.dupont@ent.localhost"]
    )
    assert "list of the ENT" in str(outcome["agnes.dupont@ent.localhost"])


def test_mail_from_outside_may_not_claim_an_ent_sender(world):
    raw = (
        b"From: marc.bernard@ent.localhost\r\nTo: lea.petit@ent.localhost\r\n"
        b"Subject: x\r\n\r\nx\r\n"
    )
    outcome = actions.receive_external(
        raw=raw, envelope_from="", recipients=["lea.petit@ent.localhost"]
    )
    assert "may not use an address of the ENT" in str(outcome["lea.petit@ent.localhost"])


def test_mail_from_outside_reaches_an_unrestricted_person(world, delivered):
    raw = (
        b"From: Ami <ami@example.org>\r\nTo: agnes.dupont@ent.localhost\r\n"
        b"Subject: Salut\r\n\r\nx\r\n"
    )
    with delivered():
        outcome = actions.receive_external(
            raw=raw,
            envelope_from="ami@example.org",
            recipients=["agnes.dupont@ent.localhost", "x@ent.localhost"],
        )
    assert outcome["agnes.dupont@ent.localhost"] is None
    assert "Nobody" in str(outcome["x@ent.localhost"])
    (entry,) = box(world.cast.teacher)
    assert entry.message.sender_address == "ami@example.org"
    assert entry.message.status == Status.RECEIVED


def test_a_full_mailbox_refuses_new_mail_and_the_sender_keeps_the_reason(
    world, delivered, settings
):
    with delivered():
        send(world.cast.teacher, world.cast.pupil, body_html="<p>" + "x" * 3000 + "</p>")
    settings.ENT_MAIL_QUOTA_BYTES = (
        actions.usage_bytes([world.cast.pupil.pk])[world.cast.pupil.pk] + 1000
    )
    with delivered():
        message = send(world.cpe, world.cast.pupil, body_html="<p>" + "y" * 2000 + "</p>")
    message.refresh_from_db()
    assert "mailbox is full" in message.status_reason
    assert Delivery.objects.get(message=message).status == DeliveryStatus.FAILED
    assert len(box(world.cast.pupil)) == 1
    with pytest.raises(ValidationError, match="mailbox is full"):
        send(world.cast.teacher, world.cast.pupil, body_html="<p>" + "z" * 2000 + "</p>")


def test_a_message_larger_than_allowed_is_refused(world, settings):
    settings.ENT_MAIL_MAX_MESSAGE_BYTES = 1000
    upload = SimpleUploadedFile("gros.bin", b"0" * 2000, content_type="application/octet-stream")
    with pytest.raises(ValidationError, match="larger"):
        send(world.cast.teacher, world.cast.pupil, uploads=[upload])


@pytest.mark.sdet("UTI-CCO-CEL-07")
def test_a_draft_keeps_its_attachment_and_is_sent_from_drafts(world, delivered):
    teacher = world.cast.teacher
    upload = SimpleUploadedFile("fiche.txt", b"Fiche de lecture", content_type="text/plain")
    draft = actions.save_draft(
        actor=teacher,
        draft=None,
        to=[address_of(world.cast.pupil)],
        cc=[],
        bcc=[],
        subject="Brouillon",
        body_html="<p>A finir<script>x()</script></p>",
        uploads=[upload],
    )
    assert subjects(teacher, Role.DRAFTS) == ["Brouillon"]
    assert draft.body_html == "<p>A finir</p>"
    draft = actions.save_draft(
        actor=teacher,
        draft=draft,
        to=[address_of(world.cast.pupil)],
        cc=[],
        bcc=[],
        subject="Fiche",
        body_html="<p>Fini</p>",
    )
    with delivered():
        actions.send_message(
            actor=teacher,
            draft=draft,
            to=draft.to,
            cc=[],
            bcc=[],
            subject="Fiche",
            body_html="<p>Fini</p>",
        )
    assert subjects(teacher, Role.DRAFTS) == []
    assert subjects(teacher, Role.SENT) == ["Fiche"]
    (entry,) = box(world.cast.pupil)
    (attachment,) = entry.message.attachments.all()
    assert attachment.file.read() == b"Fiche de lecture"


def test_another_persons_draft_cannot_be_changed(world):
    draft = actions.save_draft(
        actor=world.cast.teacher, draft=None, to=[], cc=[], bcc=[], subject="x", body_html=""
    )
    with pytest.raises(PermissionDenied):
        actions.save_draft(
            actor=world.cpe, draft=draft, to=[], cc=[], bcc=[], subject="y", body_html=""
        )


@pytest.mark.sdet("UTI-CCO-CEL-11")
def test_folders_nest_and_messages_move_between_them(world, delivered):
    pupil = world.cast.pupil
    with delivered():
        send(world.cast.teacher, pupil, subject="Exercice")
    maths = actions.create_folder(actor=pupil, name="Maths")
    homework = actions.create_folder(actor=pupil, name="Devoirs", parent=maths)
    assert actions.move_entries(actor=pupil, entries=box(pupil), folder=homework) == 1
    rows = queries.folders_with_counts(pupil)
    assert [(r.folder.name, r.depth, r.total) for r in rows if r.folder.role == ""] == [
        ("Maths", 0, 0),
        ("Devoirs", 1, 1),
    ]
    with pytest.raises(ValidationError):
        actions.create_folder(actor=pupil, name="Maths")
    with pytest.raises(ValidationError):
        actions.create_folder(actor=pupil, name="a/b")
    deepest = homework
    for level in range(3):
        deepest = actions.create_folder(actor=pupil, name=f"N{level}", parent=deepest)
    with pytest.raises(ValidationError, match="5 levels"):
        actions.create_folder(actor=pupil, name="Trop", parent=deepest)
    with pytest.raises(ValidationError, match="inside itself"):
        actions.rename_folder(actor=pupil, folder=maths, name="Maths", parent=deepest)
    actions.rename_folder(actor=pupil, folder=homework, name="Exercices", parent=None)
    assert actions.delete_folder(actor=pupil, folder=maths) == 0
    assert actions.delete_folder(actor=pupil, folder=homework) == 1
    assert subjects(pupil, Role.TRASH) == ["Exercice"]
    inbox = actions.ensure_mailbox(person=pupil)[Role.INBOX]
    with pytest.raises(PermissionDenied):
        actions.delete_folder(actor=pupil, folder=inbox)
    with pytest.raises(PermissionDenied):
        actions.create_folder(actor=world.cast.teacher, name="Intrus", parent=inbox)


@pytest.mark.sdet("UTI-CCO-CEL-15")
def test_batch_actions_apply_to_every_selected_message(world, delivered):
    pupil = world.cast.pupil
    with delivered():
        for number in range(4):
            send(world.cast.teacher, pupil, subject=f"Message {number}")
    entries = box(pupil)
    assert actions.mark_entries(actor=pupil, entries=entries[:2], seen=True, flagged=True) == 2
    assert queries.unread_count(pupil) == 2
    assert actions.trash_entries(actor=pupil, entries=entries[:3]) == 3
    assert subjects(pupil) == ["Message 0"]
    assert len(box(pupil, Role.TRASH)) == 3
    # From the Trash, messages go for good; the teacher's Sent copy stays.
    assert actions.trash_entries(actor=pupil, entries=box(pupil, Role.TRASH)) == 3
    assert box(pupil, Role.TRASH) == []
    assert len(box(world.cast.teacher, Role.SENT)) == 4
    with pytest.raises(PermissionDenied):
        actions.trash_entries(actor=world.cpe, entries=box(pupil))


def test_copy_then_expunge_answers_the_removed_uids(world, delivered):
    pupil = world.cast.pupil
    with delivered():
        send(world.cast.teacher, pupil)
    folder = actions.create_folder(actor=pupil, name="Copies")
    (copy,) = actions.copy_entries(actor=pupil, entries=box(pupil), folder=folder)
    assert copy.uid == 1
    actions.mark_entries(actor=pupil, entries=[copy], deleted=True)
    assert actions.expunge(actor=pupil, folder=folder) == [1]
    assert len(box(pupil)) == 1


@pytest.mark.sdet("UTI-CCO-CEL-12")
def test_a_blocked_sender_no_longer_reaches_the_box(world, delivered):
    teacher = world.cast.teacher
    actions.block_sender(actor=teacher, address="jean.roux@ent.localhost")
    actions.block_sender(actor=teacher, address="@spam.example")
    with delivered():
        message = send(world.cpe, teacher)
    assert box(teacher) == []
    assert Delivery.objects.get(message=message).status == DeliveryStatus.REFUSED
    raw = (
        b"From: promo@spam.example\r\nTo: agnes.dupont@ent.localhost\r\nSubject: Promo\r\n\r\nx\r\n"
    )
    outcome = actions.receive_external(
        raw=raw, envelope_from="", recipients=["agnes.dupont@ent.localhost"]
    )
    assert "does not accept" in str(outcome["agnes.dupont@ent.localhost"])
    assert actions.unblock_sender(actor=teacher, address="jean.roux@ent.localhost")
    with delivered():
        send(world.cpe, teacher)
    assert len(box(teacher)) == 1
    with pytest.raises(ValidationError):
        actions.block_sender(actor=teacher, address="pas une adresse")


@pytest.mark.sdet("UTI-CCO-CEL-08")
def test_a_requested_receipt_tells_the_sender_what_became_of_each_recipient(world, delivered):
    teacher = world.cast.teacher
    with delivered():
        send(teacher, world.cast.pupil, "ami@example.org", subject="Sortie", receipt_requested=True)
    (report,) = box(teacher)
    assert report.message.subject == "Delivery report: Sortie"
    lines = [line for line in report.message.body_text.splitlines() if line]
    assert lines[0].startswith("lea.petit@ent.localhost: ")
    assert lines[1].startswith("ami@example.org: ")
    assert "not configured" in lines[1]
    assert report.message.headers["Auto-Submitted"] == "auto-generated"


def test_mail_to_the_outside_without_a_relay_stays_in_the_senders_box_with_the_reason(
    world, delivered
):
    with delivered():
        message = send(world.cast.teacher, "ami@example.org")
    message.refresh_from_db()
    assert "not configured" in message.status_reason
    assert subjects(world.cast.teacher, Role.SENT) == ["Bonjour"]


def test_mail_to_the_outside_goes_through_the_relay_with_the_loop_marker(world, delivered, relay):
    with delivered():
        message = send(world.cast.teacher, "ami@example.org", subject="Dehors")
    (mail_from, rcpt, raw) = relay.received[0]
    assert (mail_from, rcpt) == ("agnes.dupont@ent.localhost", ["ami@example.org"])
    assert b"X-Loop: ent.localhost" in raw
    assert b"Subject: Dehors" in raw
    assert Delivery.objects.get(message=message).status == DeliveryStatus.RELAYED


@pytest.mark.sdet("UTI-CCO-CEL-04")
def test_forwarding_goes_to_an_authorised_address_only_and_only_for_staff(world, delivered, relay):
    teacher, head = world.cast.teacher, world.cast.head
    with pytest.raises(ValidationError, match="not authorised"):
        actions.set_forwarding(actor=teacher, address="m.martin@ac-exemple.fr")
    actions.set_external_policy(
        actor=head,
        school=world.cast.school,
        profile=Profile.ENS,
        internal_only=False,
        allowed=["ac-exemple.fr"],
    )
    actions.set_forwarding(actor=teacher, address="m.martin@ac-exemple.fr")
    with pytest.raises(ValidationError, match="not authorised"):
        actions.set_forwarding(actor=teacher, address="m.martin@gmail.com")
    with pytest.raises(ValidationError, match="outside the ENT"):
        actions.set_forwarding(actor=teacher, address="lea.petit@ent.localhost")
    with pytest.raises(PermissionDenied):
        actions.set_forwarding(actor=world.cast.pupil, address="lea@ac-exemple.fr")
    with delivered():
        send(world.cast.pupil, teacher, subject="Question")
    (_mail_from, rcpt, raw) = relay.received[0]
    assert rcpt == ["m.martin@ac-exemple.fr"]
    assert b"Subject: Question" in raw
    assert b"lea.petit@ent.localhost" in raw
    assert subjects(teacher) == ["Question"]  # a copy stays in the ENT box
    assert actions.set_forwarding(actor=teacher, address=None) is None


def test_only_the_head_sets_the_external_policy(world):
    with pytest.raises(PermissionDenied):
        actions.set_external_policy(
            actor=world.cast.teacher,
            school=world.cast.school,
            profile=Profile.ELV,
            internal_only=True,
        )
    with pytest.raises(ValidationError):
        actions.set_external_policy(
            actor=world.cast.head,
            school=world.cast.school,
            profile=Profile.ELV,
            internal_only=True,
            allowed=["pas un domaine!"],
        )
    with pytest.raises(ValidationError):
        actions.set_external_policy(
            actor=world.cast.head,
            school=world.cast.school,
            school_class=world.class_6b,
            internal_only=True,
        )


def test_personal_lists_hold_people_one_may_write_to(world, delivered):
    teacher = world.cast.teacher
    own = actions.save_personal_list(
        actor=teacher,
        personal_list=None,
        name="Délégués",
        member_ids=[world.cast.pupil.pk, world.tom.pk],
    )
    with delivered():
        send(teacher, f"plist:{own.pk}", subject="Conseil")
    assert subjects(world.cast.pupil) == subjects(world.tom) == ["Conseil"]
    with pytest.raises(ValidationError):
        actions.save_personal_list(
            actor=world.cast.pupil,
            personal_list=None,
            name="x",
            member_ids=[world.cast.outsider.pk],
        )
    with pytest.raises(MailRefused):
        send(world.cast.pupil, f"plist:{own.pk}")


def test_suggestions_offer_people_within_the_rules_lists_and_own_lists(world):
    teacher = world.cast.teacher
    actions.save_personal_list(
        actor=teacher, personal_list=None, name="Club 3A", member_ids=[world.cast.pupil.pk]
    )
    found = queries.recipient_suggestions(teacher, "3A")
    kinds = {s.kind for s in found}
    assert {"plist", "list"} <= kinds
    assert f"list:class-{world.class_3a.pk}-pupils" in {s.token for s in found}
    pupil_view = queries.recipient_suggestions(world.cast.pupil, "Autre")
    assert pupil_view == []  # the outsider is beyond the pupil's communication rules
    assert [s.token for s in queries.recipient_suggestions(world.cast.pupil, "Dupont")] == [
        "agnes.dupont@ent.localhost"
    ]


def test_the_folder_page_costs_three_queries_however_many_messages(
    world, delivered, django_assert_max_num_queries
):
    pupil = world.cast.pupil
    with delivered():
        for number in range(12):
            send(
                world.cast.teacher,
                pupil,
                subject=f"M{number}",
                uploads=[SimpleUploadedFile("a.txt", b"a")],
            )
    inbox = actions.ensure_mailbox(person=pupil)[Role.INBOX]
    with django_assert_max_num_queries(3):
        page = queries.folder_page(pupil, inbox, page=1, per_page=10)
        rows = [
            (e.message.subject, getattr(e, "has_attachments", None), e.folder.name) for e in page
        ]
    assert rows[0] == ("M11", True, "INBOX")
    assert page.paginator.count == 12
    assert [e.message.subject for e in queries.search(pupil, "m3")] == ["M3"]
    assert list(queries.search(world.cast.teacher, "M3", folder=inbox)) == []


def test_a_purged_persons_box_is_deleted(world, delivered):
    pupil = world.cast.pupil
    with delivered():
        send(world.cast.teacher, pupil)
        send(pupil, world.cast.teacher, subject="Réponse")
    purge_person(actor=None, person=pupil)
    assert not Entry.objects.filter(owner=pupil).exists()
    assert not Folder.objects.filter(owner=pupil).exists()
    assert subjects(world.cast.teacher) == ["Réponse"]


def test_the_rescan_command_releases_held_mail(world, delivered, scanner_down, settings):
    upload = SimpleUploadedFile("cours.pdf", b"%PDF-1.4 cours", content_type="application/pdf")
    with delivered():
        message = send(world.cast.teacher, world.cast.pupil, uploads=[upload])
    assert message.status == Status.HELD
    settings.ENT_CLAMD_ADDRESS = ""
    with delivered():
        call_command("messaging", "rescan")
    message.refresh_from_db()
    assert message.status == Status.SENT
    assert len(box(world.cast.pupil)) == 1


def test_auto_reply_dates_must_be_in_order(world):
    with pytest.raises(ValidationError):
        actions.set_auto_reply(
            actor=world.cast.teacher,
            enabled=True,
            starts_on=date(2025, 3, 10),
            ends_on=date(2025, 3, 1),
            subject="Absente",
            body="De retour bientôt.",
        )


def test_the_demo_mail_is_written_once(world):
    from ent.messaging import demo_content

    pupil_in(world.class_3a)
    lines: list[str] = []
    demo_content.populate(log=lines.append)
    demo_content.populate(log=lines.append)
    assert len(lines) == 1
    assert Message.objects.filter(subject=demo_content.WELCOME).count() == 1
    assert demo_content.WELCOME in subjects(world.cast.pupil)
    assert "Exercice à rendre" in subjects(world.cast.teacher, Role.SENT)
