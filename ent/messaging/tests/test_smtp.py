"""SMTP: a person's client sends through authenticated submission, the académie's relay
delivers mail from outside (UTI-CCO-CEL-01). The client is Python's smtplib; the servers are
aiosmtpd over the ENT's store. Each refusal is an SMTP reply a mail program shows as is."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

import pytest

from ent.audit.models import AuditEvent, Outcome
from ent.directory.models import Profile
from ent.identity.models import LoginFailure
from ent.messaging import actions
from ent.messaging.addresses import address_of
from ent.messaging.models import Entry, Message, Role
from ent.rights.actions import install_default_grants

from .servers import (
    HOST,
    PASSWORD,
    client_tls,
    inbound_port,
    mail_db,
    submission_port,
    tls_files,
    tls_submission_port,
)

__all__ = ["inbound_port", "mail_db", "submission_port", "tls_files", "tls_submission_port"]

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.sdet("UTI-CCO-CEL-01"),
    # The embedded demo's submission server takes AUTH without TLS, as these tests do.
    pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning"),
]

EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


@pytest.fixture
def world(cast):
    install_default_grants(actor=None)
    return cast


def _mail(sender: str, to: str, subject: str = "Bonjour", body: str = "Bonjour.\n") -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = to
    mail["Subject"] = subject
    mail.set_content(body)
    return mail


def _signed_in(port: int, person) -> smtplib.SMTP:
    client = smtplib.SMTP(HOST, port, timeout=20)
    client.login(person.login, PASSWORD)
    return client


def test_submission_without_signing_in_is_refused(world, submission_port):
    with (
        smtplib.SMTP(HOST, submission_port, timeout=20) as client,
        pytest.raises(smtplib.SMTPSenderRefused) as refused,
    ):
        client.send_message(_mail(address_of(world.teacher), address_of(world.pupil)))
    assert refused.value.smtp_code == 530
    assert not Message.objects.exists()


@pytest.mark.sdet("SOC-SEC-DVS-01")
def test_a_wrong_password_is_refused_audited_and_counted(world, submission_port):
    with (
        smtplib.SMTP(HOST, submission_port, timeout=20) as client,
        pytest.raises(smtplib.SMTPAuthenticationError) as refused,
    ):
        client.login(world.teacher.login, "wrong")
    assert refused.value.smtp_code == 535
    assert b"Wrong login or password" in refused.value.smtp_error
    # smtplib tries each mechanism offered (PLAIN, then LOGIN): each try is one failure.
    failures = AuditEvent.objects.filter(action="identity.login.fail")
    assert failures.exists()
    assert {event.outcome for event in failures} == {Outcome.FAILURE}
    assert {event.data["reason"] for event in failures} == {"bad_password"}
    assert LoginFailure.objects.filter(login=world.teacher.login).count() == failures.count()


def test_a_forged_sender_is_refused_with_a_clear_reason(world, submission_port):
    with (
        _signed_in(submission_port, world.teacher) as client,
        pytest.raises(smtplib.SMTPDataError) as refused,
    ):
        client.send_message(
            _mail(f"Le Principal <{address_of(world.head)}>", address_of(world.pupil))
        )
    assert refused.value.smtp_code == 550
    text = refused.value.smtp_error.decode()
    assert f"(From: {address_of(world.head)}) is not yours" in text
    assert f"send as {address_of(world.teacher)}" in text
    assert not Message.objects.exists()


@pytest.fixture
def small_messages(settings):
    settings.ENT_MAIL_MAX_MESSAGE_BYTES = 20_000


def test_an_oversized_message_is_refused_with_552(world, small_messages, submission_port):
    mail = _mail(address_of(world.teacher), address_of(world.pupil))
    mail.add_attachment(b"x" * 30_000, maintype="application", subtype="octet-stream")
    with (
        _signed_in(submission_port, world.teacher) as client,
        pytest.raises(smtplib.SMTPException) as refused,
    ):
        client.send_message(mail)
    assert "552" in str(refused.value)
    assert not Message.objects.exists()


def test_a_recipient_the_rules_forbid_or_nobody_has_is_refused_with_550(world, submission_port):
    with (
        _signed_in(submission_port, world.teacher) as client,
        pytest.raises(smtplib.SMTPRecipientsRefused) as refused,
    ):
        client.send_message(_mail(address_of(world.teacher), "nobody.here@ent.localhost"))
    code, text = refused.value.recipients["nobody.here@ent.localhost"]
    assert code == 550
    assert b"nobody.here@ent.localhost" in text
    assert not Message.objects.exists()


@pytest.mark.sdet("UTI-CCO-CEL-05")
def test_an_internal_only_pupil_cannot_send_outside_through_her_client(world, submission_port):
    actions.set_external_policy(
        actor=world.head, school=world.school, profile=Profile.ELV, internal_only=True
    )
    with (
        _signed_in(submission_port, world.pupil) as client,
        pytest.raises(smtplib.SMTPRecipientsRefused) as refused,
    ):
        client.send_message(_mail(address_of(world.pupil), "someone@example.org"))
    code, _text = refused.value.recipients["someone@example.org"]
    assert code == 550
    assert not Message.objects.exists()


def test_mail_from_outside_reaches_an_unrestricted_teacher(world, inbound_port):
    with smtplib.SMTP(HOST, inbound_port, timeout=20) as client:
        refused = client.send_message(
            _mail("Parent d'élève <someone@example.org>", address_of(world.teacher), "RDV")
        )
    assert refused == {}
    entry = Entry.objects.get(owner=world.teacher, folder__role=Role.INBOX)
    assert entry.message.subject == "RDV"
    assert entry.message.sender_address == "someone@example.org"
    assert entry.message.author is None


@pytest.mark.sdet("UTI-CCO-CEL-05")
def test_mail_from_outside_to_an_internal_only_pupil_is_rejected(world, inbound_port):
    """Scenario 3, part 3: a message from someone@example.org to Léa is rejected."""
    actions.set_external_policy(
        actor=world.head, school=world.school, profile=Profile.ELV, internal_only=True
    )
    with (
        smtplib.SMTP(HOST, inbound_port, timeout=20) as client,
        pytest.raises(smtplib.SMTPRecipientsRefused) as refused,
    ):
        client.send_message(_mail("someone@example.org", address_of(world.pupil)))
    code, _text = refused.value.recipients[address_of(world.pupil)]
    assert code == 550
    assert not Entry.objects.filter(owner=world.pupil).exists()


def test_unknown_recipients_and_other_domains_are_refused_inbound(world, inbound_port):
    with smtplib.SMTP(HOST, inbound_port, timeout=20) as client:
        with pytest.raises(smtplib.SMTPRecipientsRefused) as unknown:
            client.sendmail("someone@example.org", ["ghost@ent.localhost"], b"Subject: x\r\n\r\nx")
        # Never an open relay.
        with pytest.raises(smtplib.SMTPRecipientsRefused) as foreign:
            client.sendmail("someone@example.org", ["friend@elsewhere.org"], b"Subject: x\r\n\r\nx")
    code, text = unknown.value.recipients["ghost@ent.localhost"]
    assert code == 550
    assert b"no such recipient" in text
    code, text = foreign.value.recipients["friend@elsewhere.org"]
    assert code == 550
    assert b"Relaying denied" in text
    assert not Message.objects.exists()


def test_mail_from_outside_using_an_ent_address_is_refused(world, inbound_port):
    with (
        smtplib.SMTP(HOST, inbound_port, timeout=20) as client,
        pytest.raises(smtplib.SMTPDataError) as refused,
    ):
        client.sendmail(
            "someone@example.org",
            [address_of(world.teacher)],
            _mail(address_of(world.head), address_of(world.teacher)).as_bytes(),
        )
    assert refused.value.smtp_code == 550
    assert not Entry.objects.filter(owner=world.teacher).exists()


def test_with_tls_configured_submission_needs_starttls_before_auth(
    world, tls_submission_port, tls_files
):
    with smtplib.SMTP(HOST, tls_submission_port, timeout=20) as client:
        client.ehlo()
        assert not client.has_extn("auth")
        with pytest.raises(smtplib.SMTPException):
            client.login(world.teacher.login, PASSWORD)
    with smtplib.SMTP(HOST, tls_submission_port, timeout=20) as client:
        client.starttls(context=client_tls(tls_files[0]))
        client.login(world.teacher.login, PASSWORD)
        assert client.send_message(_mail(address_of(world.teacher), address_of(world.pupil))) == {}
    assert Entry.objects.filter(owner=world.pupil, folder__role=Role.INBOX).count() == 1


@pytest.mark.sdet("UTI-CCO-CEL-19")
def test_a_virus_from_outside_never_reaches_the_inbox_and_a_clean_pdf_does(
    world, clamd, inbound_port
):
    """Scenario 5, part 2: EICAR through inbound SMTP is refused; a clean PDF is delivered."""
    infected = _mail("someone@example.org", address_of(world.teacher), "Facture")
    infected.add_attachment(EICAR, maintype="application", subtype="octet-stream", filename="a.com")
    clean = _mail("someone@example.org", address_of(world.teacher), "Programme")
    clean.add_attachment(
        b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n",
        maintype="application",
        subtype="pdf",
        filename="programme.pdf",
    )
    with smtplib.SMTP(HOST, inbound_port, timeout=20) as client:
        with pytest.raises(smtplib.SMTPDataError) as refused:
            client.send_message(infected)
        assert client.send_message(clean) == {}
    assert refused.value.smtp_code == 550
    inbox = Entry.objects.filter(owner=world.teacher, folder__role=Role.INBOX)
    assert [entry.message.subject for entry in inbox] == ["Programme"]
    assert inbox.get().message.attachments.get().filename == "programme.pdf"
