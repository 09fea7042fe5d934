"""Standard mail clients reach the ENT's mailboxes over IMAP (UTI-CCO-CEL-01, scenario 2).

The client is Python's imaplib; the server is Twisted's IMAP4 server over the ENT's store,
started in-process on a free port. Every check reads what a person's mail program would show,
or what the webmail shows afterwards (the same folders and entries).
"""

from __future__ import annotations

import imaplib
import re
import smtplib
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest

from ent.audit.models import AuditEvent, Outcome
from ent.identity.models import Lockout, LoginFailure
from ent.messaging import actions
from ent.messaging.addresses import address_of
from ent.messaging.models import Entry, Folder, Message, Role
from ent.rights.actions import install_default_grants

from .servers import (
    HOST,
    PASSWORD,
    client_tls,
    imap_port,
    imaps_port,
    mail_db,
    reactor,
    strict_imap_port,
    submission_port,
    tls_files,
)

__all__ = [
    "imap_port",
    "imaps_port",
    "mail_db",
    "reactor",
    "strict_imap_port",
    "submission_port",
    "tls_files",
]

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.sdet("UTI-CCO-CEL-01"),
    # The embedded demo's submission server takes AUTH without TLS, as these tests do.
    pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning"),
]


@pytest.fixture
def world(cast):
    install_default_grants(actor=None)
    return cast


def _client(port: int, person) -> Any:
    client: Any = imaplib.IMAP4(HOST, port, timeout=20)
    client.login(person.login, PASSWORD)
    return client


def _folders(client: Any) -> dict[str, str]:
    status, lines = client.list()
    assert status == "OK"
    found = {}
    for line in lines:
        flags, _delimiter, name = re.match(rb'\((.*?)\) "(.)" (.+)', line).groups()
        found[name.decode().strip('"')] = flags.decode()
    return found


def _send_from_webmail(world, subject: str = "Devoirs pour jeudi") -> Message:
    return actions.send_message(
        actor=world.teacher,
        to=[address_of(world.pupil)],
        cc=[],
        bcc=[],
        subject=subject,
        body_html="<p>Exercices <strong>1 à 3</strong> page 12</p>",
    )


def _uids(client: Any, *criteria: str) -> list[int]:
    status, data = client.uid("SEARCH", *criteria)
    assert status == "OK"
    return [int(value) for value in data[0].split()]


def test_teacher_reads_her_sent_mail_and_sends_with_her_ent_credentials(
    world, imap_port, submission_port
):
    """Scenario 2: list the folders, fetch from Sent, send through authenticated submission;
    the new message is in her Sent (webmail data) and in the recipient's inbox."""
    sent = _send_from_webmail(world)
    client = _client(imap_port, world.teacher)

    folders = _folders(client)
    assert {"INBOX", "Sent", "Drafts", "Trash"} <= {name.split("/")[-1] for name in folders} | {
        "INBOX"
    }
    sent_name = next(name for name, flags in folders.items() if "\\Sent" in flags)
    assert "\\Drafts" in " ".join(folders.values())
    assert "\\Trash" in " ".join(folders.values())

    status, data = client.select(sent_name)
    assert status == "OK"
    assert int(data[0]) == 1
    status, data = client.fetch("1", "(RFC822)")
    assert status == "OK"
    shown = message_from_bytes(data[0][1], policy=policy.default)
    assert shown["Subject"] == "Devoirs pour jeudi"
    assert shown["Message-ID"] == f"<{sent.message_id}>"
    assert "<strong>1 à 3</strong>" in shown.get_body(("html",)).get_content()

    mail = EmailMessage()
    mail["From"] = f"Agnès Dupont <{address_of(world.teacher)}>"
    mail["To"] = address_of(world.pupil)
    mail["Subject"] = "Envoyé depuis Thunderbird"
    mail.set_content("Bonjour Léa,\nN'oublie pas ton cahier.\n")
    with smtplib.SMTP(HOST, submission_port, timeout=20) as smtp:
        smtp.login(world.teacher.login, PASSWORD)
        refused = smtp.send_message(mail)
    assert refused == {}

    # The webmail's data: her Sent folder and Léa's inbox hold the new message.
    new = Message.objects.get(subject="Envoyé depuis Thunderbird")
    assert new.author == world.teacher
    assert Entry.objects.filter(owner=world.teacher, message=new, folder__role=Role.SENT).exists()
    assert Entry.objects.filter(owner=world.pupil, message=new, folder__role=Role.INBOX).exists()
    # Her client sees it too once it polls (NOOP), then in a search of Sent.
    status, _data = client.noop()
    assert status == "OK"
    assert len(_uids(client, "ALL")) == 2
    client.logout()

    pupil = _client(imap_port, world.pupil)
    status, data = pupil.select("INBOX")
    assert int(data[0]) == 2
    status, data = pupil.uid("SEARCH", "SUBJECT", '"Thunderbird"')
    assert status == "OK"
    assert len(data[0].split()) == 1
    pupil.logout()


def test_flags_expunge_search_copy_and_append_change_the_same_box_as_the_webmail(world, imap_port):
    _send_from_webmail(world, "Premier")
    _send_from_webmail(world, "Second")
    client = _client(imap_port, world.pupil)
    client.select("INBOX")
    first, second = _uids(client, "ALL")

    # Reading a body marks it read; PEEK does not.
    client.uid("FETCH", str(first), "(BODY.PEEK[])")
    assert _uids(client, "UNSEEN") == [first, second]
    client.uid("FETCH", str(first), "(BODY[])")
    assert _uids(client, "UNSEEN") == [second]
    assert Entry.objects.get(owner=world.pupil, uid=first, folder__role=Role.INBOX).seen

    # \Flagged and \Seen through STORE; SEARCH finds by flag, subject and sender.
    status, data = client.uid("STORE", str(second), "+FLAGS", r"(\Seen \Flagged)")
    assert status == "OK"
    assert b"\\Flagged" in data[0]
    assert _uids(client, "FLAGGED") == [second]
    assert _uids(client, "SUBJECT", "Second") == [second]
    assert _uids(client, "FROM", address_of(world.teacher)) == [first, second]
    entry = Entry.objects.get(owner=world.pupil, uid=second, folder__role=Role.INBOX)
    assert entry.flagged
    assert entry.seen

    # CREATE a nested folder, COPY into it: the webmail shows "Maths" > "Devoirs".
    assert client.create("Maths/Devoirs")[0] == "OK"
    assert client.uid("COPY", str(first), "Maths/Devoirs")[0] == "OK"
    devoirs = Folder.objects.get(owner=world.pupil, name="Devoirs")
    assert devoirs.parent.name == "Maths"
    assert devoirs.entries.get().message.subject == "Premier"
    assert "Maths/Devoirs" in _folders(client)

    # \Deleted then EXPUNGE removes it from the inbox, not the copy.
    client.uid("STORE", str(first), "+FLAGS", r"(\Deleted)")
    status, data = client.expunge()
    assert status == "OK"
    assert data == [b"1"]
    assert _uids(client, "ALL") == [second]
    assert not Entry.objects.filter(owner=world.pupil, folder__role=Role.INBOX, uid=first).exists()
    assert devoirs.entries.count() == 1

    # APPEND: a client saves a draft; the webmail finds it in Drafts.
    draft = (
        f"From: {address_of(world.pupil)}\r\nTo: {address_of(world.teacher)}\r\n"
        "Subject: Question\r\n\r\nMadame, pour l'exercice 2...\r\n"
    ).encode()
    drafts = next(name for name, flags in _folders(client).items() if "\\Drafts" in flags)
    status, _data = client.append(drafts, r"(\Draft)", None, draft)
    assert status == "OK"
    saved = Entry.objects.get(owner=world.pupil, folder__role=Role.DRAFTS)
    assert saved.message.subject == "Question"
    client.select(drafts)
    status, data = client.fetch("1", "(FLAGS)")
    assert b"\\Draft" in data[0]

    # Rename and delete a folder; the special ones stay.
    assert client.rename("Maths/Devoirs", "Maths/Exercices")[0] == "OK"
    assert Folder.objects.filter(owner=world.pupil, name="Exercices").exists()
    assert client.delete("Maths/Exercices")[0] == "OK"
    assert not Folder.objects.filter(owner=world.pupil, name="Exercices").exists()
    status, _data = client.delete(drafts)
    assert status == "NO"
    assert Folder.objects.filter(owner=world.pupil, role=Role.DRAFTS).exists()
    client.logout()


def test_a_folder_a_client_asks_for_twice_or_in_another_box_is_refused(world, imap_port):
    client = _client(imap_port, world.pupil)
    assert client.create("Maths")[0] == "OK"
    assert client.create("Maths")[0] == "NO"
    status, _data = client.select("Nowhere")
    assert status == "NO"
    status, _data = client.append("Nowhere", None, None, b"From: a@b.fr\r\n\r\nx")
    assert status == "NO"
    client.logout()
    # Another person sees only her own folders.
    other = _client(imap_port, world.teacher)
    assert "Maths" not in _folders(other)
    other.logout()


@pytest.mark.sdet("SOC-SEC-DVS-01")
def test_a_wrong_password_is_refused_audited_and_counts_towards_the_lockout(
    world, imap_port, settings
):
    settings.ENT_LOGIN_MAX_FAILURES = 3
    for _attempt in range(3):
        client = imaplib.IMAP4(HOST, imap_port, timeout=20)
        with pytest.raises(imaplib.IMAP4.error):
            client.login(world.teacher.login, "not-her-password")
        client.logout()

    failures = AuditEvent.objects.filter(action="identity.login.fail", outcome=Outcome.FAILURE)
    assert failures.count() == 3
    assert failures.first().data["reason"] == "bad_password"
    assert LoginFailure.objects.filter(login=world.teacher.login).count() == 3
    assert Lockout.objects.filter(key=world.teacher.login).exists()
    # Locked: even the right password is refused now, here and on the web alike.
    client = imaplib.IMAP4(HOST, imap_port, timeout=20)
    with pytest.raises(imaplib.IMAP4.error):
        client.login(world.teacher.login, PASSWORD)
    client.logout()
    assert not AuditEvent.objects.filter(action="messaging.client.sign_in").exists()


@pytest.mark.sdet("SOC-SEC-IAU-12")
def test_accounts_that_may_not_sign_in_are_refused(world, imap_port):
    world.pupil.is_active = False
    world.pupil.save(update_fields=["is_active"])
    client = imaplib.IMAP4(HOST, imap_port, timeout=20)
    with pytest.raises(imaplib.IMAP4.error):
        client.login(world.pupil.login, PASSWORD)
    client.logout()
    # The head of school must give a one-time code: a password alone opens no mailbox.
    client = imaplib.IMAP4(HOST, imap_port, timeout=20)
    with pytest.raises(imaplib.IMAP4.error, match="one-time code"):
        client.login(world.head.login, PASSWORD)
    client.logout()
    refusal = AuditEvent.objects.get(action="messaging.client.sign_in", outcome=Outcome.FAILURE)
    assert refusal.data == {"protocol": "imap", "reason": "second_factor_required"}


def test_a_successful_sign_in_is_audited(world, imap_port):
    client = _client(imap_port, world.teacher)
    client.logout()
    event = AuditEvent.objects.get(action="messaging.client.sign_in")
    assert event.outcome == Outcome.SUCCESS
    assert event.actor == world.teacher
    assert event.data == {"protocol": "imap"}
    assert event.address == "127.0.0.1"


def test_without_tls_a_production_server_refuses_passwords_in_clear(world, strict_imap_port):
    client = imaplib.IMAP4(HOST, strict_imap_port, timeout=20)
    assert "LOGINDISABLED" in client.capabilities
    with pytest.raises(imaplib.IMAP4.error):
        client.login(world.teacher.login, PASSWORD)
    client.logout()
    assert not AuditEvent.objects.filter(action="messaging.client.sign_in").exists()


@pytest.mark.sdet("SOC-SEC-IAU-01")
def test_over_tls_a_client_signs_in_and_reads_her_box(world, imaps_port, tls_files):
    _send_from_webmail(world)
    client: Any = imaplib.IMAP4_SSL(
        HOST, imaps_port, ssl_context=client_tls(tls_files[0]), timeout=20
    )
    assert "LOGINDISABLED" not in client.capabilities
    client.login(world.pupil.login, PASSWORD)
    status, data = client.select("INBOX")
    assert status == "OK"
    assert int(data[0]) == 1
    client.logout()
