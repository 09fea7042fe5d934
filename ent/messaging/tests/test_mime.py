"""Messages in and out of the store: what a client submits is read safely, what the ENT serves
over IMAP or the relay is a standard message that any client shows as the webmail does."""

from __future__ import annotations

from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from ent.messaging import actions
from ent.messaging.addresses import address_of
from ent.messaging.mime import MimeError, parse, render
from ent.messaging.models import Entry, Role, ScanStatus
from ent.rights.actions import install_default_grants

pytestmark = pytest.mark.sdet("UTI-CCO-CEL-01")


def _submitted() -> bytes:
    mail = EmailMessage()
    mail["From"] = "Agnès Dupont <Agnes.Dupont@ent.localhost>"
    mail["To"] = "lea.petit@ent.localhost, Parents: paul.petit@ent.localhost;"
    mail["Cc"] = "marc.bernard@ent.localhost"
    mail["Bcc"] = "sophie.admin@ent.localhost"
    mail["Subject"] = "Sortie au musée"
    mail["Message-ID"] = "<abc.123@client.example>"
    mail["In-Reply-To"] = "<parent.1@ent.localhost>"
    mail["Date"] = "Tue, 03 Mar 2026 10:15:00 +0100"
    mail["List-Id"] = "<parents-4b.ent.localhost>"
    mail["Precedence"] = "list"
    mail.set_content("Bonjour, voir https://eduscol.education.fr\n")
    mail.add_alternative(
        '<p onclick="steal()">Bonjour <strong>à tous</strong><script>steal()</script></p>'
        '<a href="javascript:steal()">lien</a>',
        subtype="html",
    )
    mail.add_attachment(
        b"%PDF-1.4 fake", maintype="application", subtype="pdf", filename="../../etc/plan.pdf"
    )
    return mail.as_bytes()


def test_a_submitted_message_is_read_with_its_html_made_safe():
    parsed = parse(_submitted())

    assert parsed.sender_address == "agnes.dupont@ent.localhost"
    assert parsed.sender_name == "Agnès Dupont"
    assert parsed.to == ["lea.petit@ent.localhost", "paul.petit@ent.localhost"]
    assert parsed.cc == ["marc.bernard@ent.localhost"]
    assert parsed.bcc == ["sophie.admin@ent.localhost"]
    assert parsed.subject == "Sortie au musée"
    assert parsed.message_id == "abc.123@client.example"
    assert parsed.in_reply_to == "parent.1@ent.localhost"
    assert parsed.date is not None
    assert parsed.date.utcoffset() is not None
    assert "<strong>à tous</strong>" in parsed.body_html
    assert "script" not in parsed.body_html
    assert "onclick" not in parsed.body_html
    assert "javascript" not in parsed.body_html
    assert parsed.body_text.startswith("Bonjour, voir https://eduscol.education.fr")
    # The path a client gave is dropped: only the file's name is kept.
    assert parsed.attachments == [("plan.pdf", "application/pdf", b"%PDF-1.4 fake")]
    # CEL-14: the headers that say "this is list mail" are kept for the out-of-office guard.
    assert parsed.headers["List-Id"] == "<parents-4b.ent.localhost>"
    assert parsed.headers["Precedence"] == "list"


def test_a_plain_text_message_gets_escaped_html_with_clickable_links():
    raw = (
        b"From: prof@ac-exemple.fr\r\nTo: lea.petit@ent.localhost\r\nSubject: Bonjour\r\n\r\n"
        b"<b>pas du HTML</b> https://eduscol.education.fr\r\n"
    )

    parsed = parse(raw)

    assert "&lt;b&gt;pas du HTML&lt;/b&gt;" in parsed.body_html
    assert '<a href="https://eduscol.education.fr"' in parsed.body_html
    assert parsed.attachments == []


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"", "empty"),
        (b"   \r\n", "empty"),
        (b"Subject: nobody\r\n\r\nbody", "no sender"),
        (b"From: a@x.fr, b@y.fr\r\nSubject: two\r\n\r\nbody", "more than one sender"),
    ],
)
def test_a_message_that_cannot_be_filed_is_refused_with_a_reason(raw, reason):
    with translation.override("en"), pytest.raises(MimeError, match=reason):
        parse(raw)


def test_nested_parts_and_forwarded_messages_become_attachments():
    inner = EmailMessage()
    inner["From"] = "x@y.fr"
    inner["Subject"] = "transféré"
    inner.set_content("dedans")
    outer = EmailMessage()
    outer["From"] = "prof@ac-exemple.fr"
    outer.set_content("voir pièce jointe")
    outer.add_attachment(inner)
    outer.add_attachment(b"\x89PNG", maintype="image", subtype="png")

    parsed = parse(outer.as_bytes())

    names = [name for name, _type, _data in parsed.attachments]
    assert names == ["attachment-1.eml", "attachment-2.png"]
    assert b"transf" in parsed.attachments[0][2]
    assert parsed.body_text.strip() == "voir pièce jointe"


@pytest.mark.django_db
def test_a_stored_message_renders_as_a_standard_message_for_clients(cast):
    install_default_grants(actor=None)
    sent = actions.send_message(
        actor=cast.teacher,
        to=[address_of(cast.pupil)],
        cc=[],
        bcc=[address_of(cast.guardian)],
        subject="Devoirs de mathématiques",
        body_html="<p>Exercices <strong>1 à 3</strong></p><ul><li>page 12</li></ul>",
        uploads=[SimpleUploadedFile("énoncé.pdf", b"%PDF-1.4 devoir", "application/pdf")],
    )

    raw = render(sent, for_owner=cast.teacher)
    shown = message_from_bytes(raw, policy=policy.default)

    assert b"\r\n" in raw
    assert shown["Subject"] == "Devoirs de mathématiques"
    assert shown["From"].addresses[0].addr_spec == address_of(cast.teacher)
    assert shown["To"].addresses[0].addr_spec == address_of(cast.pupil)
    assert shown["Message-ID"] == f"<{sent.message_id}>"
    html = shown.get_body(preferencelist=("html",)).get_content()
    assert "<strong>1 à 3</strong>" in html
    assert "Exercices 1 à 3" in shown.get_body(preferencelist=("plain",)).get_content()
    files = [(part.get_filename(), part.get_content()) for part in shown.iter_attachments()]
    assert files == [("énoncé.pdf", b"%PDF-1.4 devoir")]
    # Bcc: the author sees whom she copied; nobody else does.
    assert shown["Bcc"].addresses[0].addr_spec == address_of(cast.guardian)
    assert b"Bcc" not in render(sent, for_owner=cast.pupil)
    # Parsing the rendering gives the message back.
    again = parse(raw)
    assert again.subject == sent.subject
    assert again.attachments == [("énoncé.pdf", "application/pdf", b"%PDF-1.4 devoir")]


@pytest.mark.django_db
@pytest.mark.sdet("UTI-CCO-CEL-19")
def test_an_attachment_the_antivirus_did_not_pass_is_never_served(cast):
    install_default_grants(actor=None)
    sent = actions.send_message(
        actor=cast.teacher,
        to=[address_of(cast.pupil)],
        cc=[],
        bcc=[],
        subject="Pièce jointe",
        body_html="<p>voir</p>",
        uploads=[SimpleUploadedFile("virus.exe", b"MZ payload", "application/octet-stream")],
    )
    sent.attachments.update(scan=ScanStatus.INFECTED)

    with translation.override("en"):
        shown = message_from_bytes(render(sent, for_owner=cast.pupil), policy=policy.default)

    files = [(part.get_filename(), part.get_content()) for part in shown.iter_attachments()]
    assert len(files) == 1
    assert files[0][0] == "virus.exe.txt"
    assert "withheld" in files[0][1]
    assert "MZ payload" not in files[0][1]


@pytest.mark.django_db
def test_a_list_recipient_renders_as_a_named_group_without_its_members(cast):
    install_default_grants(actor=None)
    entry = actions.append_raw(
        actor=cast.teacher,
        folder=actions.ensure_mailbox(person=cast.teacher)[Role.SENT],
        raw=(
            f"From: {address_of(cast.teacher)}\r\nTo: lea.petit@ent.localhost\r\n"
            "Subject: liste\r\n\r\ncorps\r\n"
        ).encode(),
    )
    message = entry.message
    message.to = [f"list:class-{cast.school_class.pk}-pupils"]

    shown = message_from_bytes(render(message, for_owner=cast.teacher), policy=policy.default)

    assert shown["To"].groups[0].display_name
    assert shown["To"].addresses == ()
    assert Entry.objects.filter(pk=entry.pk).exists()
