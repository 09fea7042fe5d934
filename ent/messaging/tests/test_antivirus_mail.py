"""Scenario 5 of spec-utilisateur, the mail antivirus (UTI-CCO-CEL-19), against a real ClamAV
daemon (the root conftest's `clamd`, loaded with the EICAR test signature).

A message carrying the EICAR test file is sent to Léa from inside the ENT (webmail upload, a
draft, a file from "my documents", a standard client's submission) and from outside through the
inbound SMTP server: it is refused with the signature's name, or quarantined, and never reaches
her box. A clean PDF sent the same ways is delivered, intact and marked clean.
"""

from __future__ import annotations

import io
import smtplib
import zipfile
from email.message import EmailMessage
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from ent.audit.models import AuditEvent
from ent.core.testing.clamd import EICAR, SIGNATURE
from ent.messaging import actions
from ent.messaging.addresses import address_of
from ent.messaging.models import Attachment, Entry, Message, Role, ScanStatus, Status
from ent.notifications.models import Notification

from .factories import box, send, subjects
from .servers import HOST, PASSWORD, inbound_port, mail_db, submission_port

__all__ = ["inbound_port", "mail_db", "submission_port"]

pytestmark = [
    pytest.mark.sdet("UTI-CCO-CEL-19"),
    # The embedded demo's submission server takes AUTH without TLS, as these tests do.
    pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning"),
]

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _virus(name: str = "facture.com") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, EICAR, content_type="application/octet-stream")


def _pdf(name: str = "programme.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def _nothing_reached(person) -> None:
    assert box(person) == []
    assert not Entry.objects.filter(owner=person).exists()
    assert not Notification.objects.filter(recipient=person).exists()


def _delivered_pdf(person, subject: str, filename: str = "programme.pdf") -> None:
    """`person` has the message in her inbox, with the PDF intact and scanned clean."""
    assert subjects(person) == [subject]
    attachment = box(person)[0].message.attachments.get()
    assert attachment.filename == filename
    assert attachment.scan == ScanStatus.CLEAN
    with attachment.file.open("rb") as handle:
        assert handle.read() == PDF


# ---------------------------------------------------------------- from inside the ENT


@pytest.mark.django_db
def test_a_virus_sent_from_the_webmail_is_refused_naming_the_signature(world, clamd, delivered):
    teacher, lea = world.cast.teacher, world.cast.pupil
    with delivered(), pytest.raises(actions.MailRefused) as refused:
        send(teacher, lea, subject="Facture", uploads=[_virus(), _pdf()])
    # The reason is keyed by the infected file and names what the antivirus found.
    assert list(refused.value.reasons) == ["facture.com"]
    assert SIGNATURE in refused.value.reasons["facture.com"]
    assert "facture.com" in str(refused.value)
    assert SIGNATURE in str(refused.value)
    _nothing_reached(lea)
    assert not Message.objects.filter(subject="Facture").exists()
    assert not Attachment.objects.exists()
    assert subjects(teacher, Role.SENT) == []


@pytest.mark.django_db
def test_a_virus_inside_a_zip_archive_is_found_too(world, clamd, delivered):
    teacher, lea = world.cast.teacher, world.cast.pupil
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("lisez-moi.txt", "Bonjour")
        archive.writestr("outils/facture.com", EICAR)
    upload = SimpleUploadedFile("devoirs.zip", packed.getvalue(), content_type="application/zip")
    with delivered(), pytest.raises(actions.MailRefused) as refused:
        send(teacher, lea, subject="Devoirs", uploads=[upload])
    assert list(refused.value.reasons) == ["devoirs.zip"]
    assert SIGNATURE in refused.value.reasons["devoirs.zip"]
    _nothing_reached(lea)


@pytest.mark.django_db
def test_a_clean_pdf_sent_from_the_webmail_is_delivered(world, clamd, delivered):
    teacher, lea = world.cast.teacher, world.cast.pupil
    with delivered():
        message = send(teacher, lea, subject="Programme", uploads=[_pdf()])
    message.refresh_from_db()
    assert message.status == Status.SENT
    assert subjects(teacher, Role.SENT) == ["Programme"]
    _delivered_pdf(lea, "Programme")


@pytest.mark.django_db
def test_a_draft_with_a_virus_cannot_be_sent_and_stays_in_drafts(world, clamd, delivered):
    """The webmail saves the draft first, then sends it: the draft keeps everything, nobody
    receives the virus; once the file is removed the message goes."""
    teacher, lea = world.cast.teacher, world.cast.pupil
    fields: dict[str, Any] = {"to": [address_of(lea)], "cc": [], "bcc": [], "subject": "Sortie"}
    draft = actions.save_draft(
        actor=teacher, draft=None, body_html="<p>Voir PJ</p>", uploads=[_virus(), _pdf()], **fields
    )
    with delivered(), pytest.raises(actions.MailRefused) as refused:
        actions.send_message(actor=teacher, draft=draft, body_html="<p>Voir PJ</p>", **fields)
    assert list(refused.value.reasons) == ["facture.com"]
    assert SIGNATURE in refused.value.reasons["facture.com"]
    assert subjects(teacher, Role.DRAFTS) == ["Sortie"]
    assert sorted(draft.attachments.values_list("filename", flat=True)) == [
        "facture.com",
        "programme.pdf",
    ]
    _nothing_reached(lea)

    virus = draft.attachments.get(filename="facture.com")
    draft = actions.save_draft(
        actor=teacher,
        draft=draft,
        body_html="<p>Voir PJ</p>",
        remove_attachment_ids=[virus.pk],
        **fields,
    )
    with delivered():
        actions.send_message(actor=teacher, draft=draft, body_html="<p>Voir PJ</p>", **fields)
    assert subjects(teacher, Role.DRAFTS) == []
    assert subjects(teacher, Role.SENT) == ["Sortie"]
    _delivered_pdf(lea, "Sortie")


def _upload_to_my_documents(person, name: str, data: bytes) -> int:
    """Store a file in `person`'s documents through the files API, as their browser would."""
    client = Client()
    client.force_login(person)
    response = client.post(
        "/api/v1/files/documents", {"file": SimpleUploadedFile(name, data)}, format="multipart"
    )
    assert response.status_code == 201, response.content
    return int(response.json()["id"])


@pytest.mark.django_db
def test_an_infected_file_from_my_documents_is_refused_and_a_clean_one_delivered(
    world, clamd, settings, delivered
):
    """A document stored before the antivirus was switched on (the embedded default scans
    nothing) is scanned when it is attached: the virus is refused, naming the signature."""
    teacher, lea = world.cast.teacher, world.cast.pupil
    settings.ENT_CLAMD_ADDRESS = ""
    old_virus = _upload_to_my_documents(teacher, "vieux.com", EICAR)
    settings.ENT_CLAMD_ADDRESS = clamd.address
    pdf = _upload_to_my_documents(teacher, "programme.pdf", PDF)
    with delivered(), pytest.raises(actions.MailRefused) as refused:
        send(teacher, lea, subject="Documents", stored_file_ids=[pdf, old_virus])
    assert list(refused.value.reasons) == ["vieux.com"]
    assert SIGNATURE in refused.value.reasons["vieux.com"]
    _nothing_reached(lea)
    assert not Message.objects.filter(subject="Documents").exists()

    with delivered():
        send(teacher, lea, subject="Documents", stored_file_ids=[pdf])
    _delivered_pdf(lea, "Documents")


@pytest.mark.django_db
def test_a_document_the_antivirus_holds_cannot_be_attached(world, clamd, scanner_down, settings):
    """A document stored while the scanner was down waits in quarantine: it is not offered and
    cannot be attached until a scan passes it."""
    teacher, lea = world.cast.teacher, world.cast.pupil
    held = _upload_to_my_documents(teacher, "compte-rendu.pdf", PDF)
    settings.ENT_CLAMD_ADDRESS = clamd.address
    with pytest.raises(ValidationError):
        send(teacher, lea, subject="Compte rendu", stored_file_ids=[held])
    _nothing_reached(lea)
    assert not Message.objects.filter(subject="Compte rendu").exists()


# ---------------------------------------------------------------- standard clients and outside


def _mail(sender: str, to: str, subject: str, attachment: tuple[str, bytes]) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = to
    mail["Subject"] = subject
    mail.set_content("Bonjour,\nvoir la pièce jointe.\n")
    name, data = attachment
    subtype = "pdf" if name.endswith(".pdf") else "octet-stream"
    mail.add_attachment(data, maintype="application", subtype=subtype, filename=name)
    return mail


@pytest.mark.django_db(transaction=True)
def test_a_virus_submitted_by_a_mail_client_is_refused_naming_the_signature(
    world, clamd, submission_port
):
    teacher, lea = world.cast.teacher, world.cast.pupil
    with smtplib.SMTP(HOST, submission_port, timeout=30) as client:
        client.login(teacher.login, PASSWORD)
        with pytest.raises(smtplib.SMTPDataError) as refused:
            client.send_message(
                _mail(address_of(teacher), address_of(lea), "Facture", ("facture.com", EICAR))
            )
        clean = _mail(address_of(teacher), address_of(lea), "Programme", ("programme.pdf", PDF))
        assert client.send_message(clean) == {}
    assert refused.value.smtp_code == 550
    assert b"facture.com" in refused.value.smtp_error
    assert SIGNATURE.encode() in refused.value.smtp_error
    assert not Message.objects.filter(subject="Facture").exists()
    assert subjects(teacher, Role.SENT) == ["Programme"]
    _delivered_pdf(lea, "Programme")


@pytest.mark.django_db(transaction=True)
def test_a_virus_from_outside_is_refused_and_never_reaches_lea_a_clean_pdf_does(
    world, clamd, inbound_port
):
    """Scenario 5 through the relay: Léa is not restricted to internal mail here."""
    lea = world.cast.pupil
    infected = _mail("Parent <someone@example.org>", address_of(lea), "Facture", ("a.com", EICAR))
    clean = _mail(
        "Parent <someone@example.org>", address_of(lea), "Programme", ("programme.pdf", PDF)
    )
    with smtplib.SMTP(HOST, inbound_port, timeout=30) as client:
        with pytest.raises(smtplib.SMTPDataError) as refused:
            client.send_message(infected)
        assert client.send_message(clean) == {}
    assert refused.value.smtp_code == 550
    assert SIGNATURE.encode() in refused.value.smtp_error
    assert not Message.objects.filter(subject="Facture").exists()
    assert not Attachment.objects.filter(filename="a.com").exists()
    found = AuditEvent.objects.get(action="messaging.message.infected")
    assert found.data["from"] == "someone@example.org"
    _delivered_pdf(lea, "Programme")


@pytest.mark.django_db(transaction=True)
def test_mail_from_outside_held_while_the_scanner_is_down_is_quarantined_if_infected(
    world, clamd, scanner_down, settings, inbound_port
):
    """The scan is a hard gate: with the scanner down, mail is accepted and held, in nobody's
    box; the rescan quarantines the virus (never delivered) and releases the clean PDF."""
    lea = world.cast.pupil
    with smtplib.SMTP(HOST, inbound_port, timeout=30) as client:
        client.send_message(
            _mail("someone@example.org", address_of(lea), "Facture", ("a.com", EICAR))
        )
        client.send_message(
            _mail("someone@example.org", address_of(lea), "Programme", ("programme.pdf", PDF))
        )
    assert set(Message.objects.values_list("subject", "status")) == {
        ("Facture", Status.HELD),
        ("Programme", Status.HELD),
    }
    _nothing_reached(lea)

    settings.ENT_CLAMD_ADDRESS = clamd.address
    assert actions.rescan_held() == 1
    quarantined = Message.objects.get(subject="Facture")
    assert quarantined.status == Status.QUARANTINED
    assert SIGNATURE in quarantined.status_reason
    assert quarantined.attachments.get().scan == ScanStatus.INFECTED
    assert not Entry.objects.filter(message=quarantined).exists()
    _delivered_pdf(lea, "Programme")
