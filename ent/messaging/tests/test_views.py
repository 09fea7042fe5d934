"""The webmail's pages: the permission matrix, writing and sending with the bad inputs of issue 6
(forbidden recipient, oversized file, script), folders, batch actions, search, settings, the
school's policy, and an inbox whose query count does not grow with its messages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from ent.core import attachments as file_sources
from ent.messaging import actions
from ent.messaging.addresses import address_of
from ent.messaging.models import (
    AutoReply,
    BlockedSender,
    Entry,
    ExternalPolicy,
    Folder,
    Message,
    Role,
    Signature,
    Status,
)
from ent.rights.actions import install_default_grants
from ent.rights.tests.factories import build_world, person_in

pytestmark = pytest.mark.django_db


def url(name: str, *args: int) -> str:
    return reverse(f"messaging:{name}", args=args)


@pytest.fixture
def grants(db):
    install_default_grants(actor=None)


@pytest.fixture
def world(cast, grants):
    return build_world(cast)


@pytest.fixture
def send(django_capture_on_commit_callbacks) -> Callable[..., Message]:
    """Send a message and run its delivery, as the background task does."""

    def _send(sender, recipients, subject="Bonjour", body="<p>Texte</p>", **extra: Any):
        with django_capture_on_commit_callbacks(execute=True):
            return actions.send_message(
                actor=sender,
                to=[address_of(person) for person in recipients],
                cc=[],
                bcc=[],
                subject=subject,
                body_html=body,
                **extra,
            )

    return _send


def inbox_entries(person) -> list[Entry]:
    return list(
        Entry.objects.filter(owner=person, folder__role=Role.INBOX).select_related("message")
    )


def drafts_of(person) -> list[Message]:
    entries = Entry.objects.filter(owner=person, folder__role=Role.DRAFTS)
    return [entry.message for entry in entries.select_related("message")]


def compose_post(client, data: dict[str, Any], **files: Any):
    payload = {"to": "", "cc": "", "bcc": "", "subject": "", "body": "", **data, **files}
    return client.post(url("compose"), payload)


# The permission matrix.


def test_anonymous_visitors_are_sent_to_the_login_page(client, world):
    for path in (url("home"), url("compose"), url("folders"), url("search"), url("settings"),
                 url("policy"), url("folder", 1), url("message", 1)):  # fmt: skip
        response = client.get(path)
        assert response.status_code == 302
        assert "/auth/login" in response["Location"]
    assert client.post(url("batch"), {"entries": [1], "action": "delete"}).status_code == 302


@pytest.mark.sdet("UTI-CCO-CEL-00")
def test_every_member_of_the_school_community_has_a_mailbox_from_the_portal(client, world):
    cast = world.cast
    for person in (cast.pupil, cast.guardian, cast.teacher, cast.head, cast.school_admin):
        client.force_login(person)
        home = client.get("/").content.decode()
        assert 'data-service="messaging"' in home
        inbox = client.get(url("home"))
        assert inbox.status_code == 200
        assert address_of(person) in inbox.content.decode()


def test_people_without_the_mail_service_get_403(client, world):
    guest = person_in(world.cast.school, "GST", login="invite")
    client.force_login(guest)
    for path in (url("home"), url("compose"), url("folders"), url("search"), url("settings")):
        assert client.get(path).status_code == 403


@pytest.mark.sdet("UTI-CCO-CEL-02")
def test_someone_elses_message_and_folder_are_404(client, world, send):
    cast = world.cast
    send(cast.teacher, [cast.pupil], subject="Pour Léa")
    lea_entry = inbox_entries(cast.pupil)[0]
    attachment_path = url("attachment", lea_entry.pk, 1)
    client.force_login(cast.outsider)
    assert client.get(url("message", lea_entry.pk)).status_code == 404
    assert client.get(url("folder", lea_entry.folder_id)).status_code == 404
    assert client.get(attachment_path).status_code == 404
    response = client.post(url("batch"), {"entries": [lea_entry.pk], "action": "delete"})
    assert response.status_code == 404
    assert Entry.objects.filter(pk=lea_entry.pk, folder__role=Role.INBOX).exists()
    assert client.post(url("folder-delete", lea_entry.folder_id)).status_code == 404


def test_only_a_head_of_school_opens_the_policy_page(client, world):
    client.force_login(world.cast.teacher)
    assert client.get(url("policy")).status_code == 403
    client.force_login(world.cast.head)
    assert client.get(url("policy")).status_code == 200


# The inbox and a message.


@pytest.mark.sdet("UTI-CCO-CEL-02")
def test_the_inbox_lists_messages_with_unread_ones_marked(client, world, send):
    cast = world.cast
    send(cast.teacher, [cast.pupil], subject="Devoir de maths")
    send(cast.teacher, [cast.pupil], subject="Sortie au musée")
    client.force_login(cast.pupil)
    page = client.get(url("home")).content.decode()
    assert "Devoir de maths" in page
    assert "Sortie au musée" in page
    assert page.count('class="unread') == 2
    entry = next(e for e in inbox_entries(cast.pupil) if e.message.subject == "Sortie au musée")
    opened = client.get(url("message", entry.pk)).content.decode()
    assert "Sortie au musée" in opened
    assert "<p>Texte</p>" in opened
    entry.refresh_from_db()
    assert entry.seen
    assert client.get(url("home")).content.decode().count('class="unread') == 1


@pytest.mark.sdet("UTI-CCO-CEL-02")
def test_the_inbox_costs_the_same_queries_for_2_or_30_messages(
    client, world, send, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    cast = world.cast
    for number in range(2):
        send(cast.teacher, [cast.pupil], subject=f"Message {number}")
    client.force_login(cast.pupil)
    client.get(url("home"))  # the box's folders exist from now on
    with CaptureQueriesContext(connection) as few:
        assert client.get(url("home")).status_code == 200
    for number in range(28):
        send(cast.teacher, [cast.pupil], subject=f"Autre {number}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(url("home")).content.decode()
    assert page.count("data-entry=") == 30
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url("folder", inbox_entries(cast.pupil)[0].folder_id)).status_code == 200


def test_a_page_past_the_end_is_404(client, world, send):
    send(world.cast.teacher, [world.cast.pupil])
    client.force_login(world.cast.pupil)
    assert client.get(url("home") + "?page=9").status_code == 404
    assert client.get(url("home") + "?page=abc").status_code == 200


@pytest.mark.sdet("UTI-CCO-CEL-02")
def test_reply_and_reply_all_prefill_the_editor(client, world, send):
    cast = world.cast
    send(cast.teacher, [cast.pupil, world.tom], subject="Sortie")
    entry = inbox_entries(cast.pupil)[0]
    client.force_login(cast.pupil)
    reply = client.get(url("compose") + f"?reply={entry.pk}").content.decode()
    assert address_of(cast.teacher) in reply
    assert ": Sortie" in reply
    everyone = client.get(url("compose") + f"?reply={entry.pk}&mode=all").content.decode()
    assert address_of(world.tom) in everyone
    assert f'value="{address_of(cast.pupil)}' not in everyone
    forward = client.get(url("compose") + f"?reply={entry.pk}&mode=forward").content.decode()
    assert ": Sortie" in forward


# Writing and sending.


@pytest.mark.sdet("UTI-CCO-CEL-02", "UTI-CCO-CEL-07")
def test_a_draft_is_saved_then_sent_with_its_attachment(
    client, world, django_capture_on_commit_callbacks
):
    cast = world.cast
    client.force_login(cast.teacher)
    upload = SimpleUploadedFile("consignes.txt", b"Lire le chapitre 3.", "text/plain")
    response = compose_post(
        client,
        {"to": address_of(cast.pupil), "subject": "Consignes", "body": "Bonjour Léa,\nà demain.",
         "action": "save"},
        uploads=upload,
    )  # fmt: skip
    assert response.status_code == 302
    (draft,) = drafts_of(cast.teacher)
    assert draft.subject == "Consignes"
    assert draft.status == Status.DRAFT
    assert [a.filename for a in draft.attachments.all()] == ["consignes.txt"]
    assert "à demain" in client.get(response["Location"]).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = compose_post(
            client,
            {"draft": draft.pk, "to": address_of(cast.pupil), "subject": "Consignes",
             "body": "<p><b>Bonjour</b></p>", "body_format": "html", "action": "send"},
        )  # fmt: skip
    assert response.status_code == 302
    assert drafts_of(cast.teacher) == []
    (received,) = inbox_entries(cast.pupil)
    assert "<b>Bonjour</b>" in received.message.body_html
    assert [a.filename for a in received.message.attachments.all()] == ["consignes.txt"]
    client.force_login(cast.pupil)
    attachment = received.message.attachments.get()
    download = client.get(url("attachment", received.pk, attachment.pk))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"Lire le chapitre 3."


@pytest.mark.sdet("UTI-CCO-CEL-02", "UTI-CCO-CEL-05")
def test_a_forbidden_recipient_is_refused_on_the_form_and_the_draft_kept(client, world):
    cast = world.cast
    client.force_login(cast.pupil)
    response = compose_post(
        client,
        {"to": address_of(cast.outsider), "subject": "Salut", "body": "Coucou", "action": "send"},
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert 'id="form-errors"' in page
    assert address_of(cast.outsider) in page
    (draft,) = drafts_of(cast.pupil)
    assert draft.subject == "Salut"
    assert inbox_entries(cast.outsider) == []


@pytest.mark.sdet("UTI-CCO-CEL-07")
def test_an_oversized_upload_is_refused_and_the_draft_kept(client, world, settings):
    settings.ENT_UPLOAD_MAX_BYTES = 1000
    cast = world.cast
    client.force_login(cast.teacher)
    big = SimpleUploadedFile("video.mp4", b"x" * 2000, "video/mp4")
    response = compose_post(
        client,
        {"to": address_of(cast.pupil), "subject": "Vidéo", "body": "Voici", "action": "send"},
        uploads=big,
    )
    assert response.status_code == 422
    assert "video.mp4" in response.content.decode()
    (draft,) = drafts_of(cast.teacher)
    assert draft.subject == "Vidéo"
    assert not draft.attachments.exists()
    assert inbox_entries(cast.pupil) == []


@pytest.mark.sdet("UTI-CCO-CEL-07")
def test_script_in_rich_text_is_refused_and_the_draft_kept_without_it(client, world):
    cast = world.cast
    client.force_login(cast.teacher)
    response = compose_post(
        client,
        {"to": address_of(cast.pupil), "subject": "Piège", "action": "send", "body_format": "html",
         "body": '<p>Bonjour<script>alert(1)</script><img src=x onerror="alert(2)"></p>'},
    )  # fmt: skip
    assert response.status_code == 422
    assert "scripts" in response.content.decode()
    (draft,) = drafts_of(cast.teacher)
    assert "Bonjour" in draft.body_html
    assert "script" not in draft.body_html
    assert "onerror" not in draft.body_html
    assert inbox_entries(cast.pupil) == []


def test_autosave_answers_json_with_the_draft_and_its_attachments(client, world):
    cast = world.cast
    client.force_login(cast.teacher)
    upload = SimpleUploadedFile("plan.txt", b"plan", "text/plain")
    response = compose_post(
        client, {"subject": "Brouillon", "body": "<p>x</p>", "body_format": "html",
                 "action": "autosave"}, uploads=upload,
    )  # fmt: skip
    assert response.status_code == 200
    answer = response.json()
    (draft,) = drafts_of(cast.teacher)
    assert answer["draft"] == draft.pk
    assert "plan.txt" in answer["attachments_html"]
    again = compose_post(
        client, {"draft": draft.pk, "subject": "Brouillon 2", "action": "autosave"}
    ).json()
    assert again["draft"] == draft.pk
    draft.refresh_from_db()
    assert draft.subject == "Brouillon 2"
    assert draft.attachments.count() == 1


def test_another_persons_draft_cannot_be_opened_or_saved(client, world):
    cast = world.cast
    client.force_login(cast.teacher)
    compose_post(client, {"subject": "Secret", "action": "save"})
    (draft,) = drafts_of(cast.teacher)
    client.force_login(cast.pupil)
    assert client.get(url("compose") + f"?draft={draft.pk}").status_code == 404
    assert compose_post(client, {"draft": draft.pk, "subject": "x"}).status_code == 404
    draft.refresh_from_db()
    assert draft.subject == "Secret"


@pytest.fixture
def documents(world):
    """A storage service holding one file of the teacher's, "Maths/cours.pdf" (id 7)."""
    teacher = world.cast.teacher
    stored = file_sources.StoredFile(7, "cours.pdf", "application/pdf", 9, "Maths")

    def list_files(person):
        return [stored] if person == teacher else []

    def open_file(person, pk):
        if person != teacher or pk != stored.id:
            raise LookupError(pk)
        return stored, b"%PDF-1.4 "

    before = file_sources.source()
    file_sources.register(file_sources.FileSource(list_files=list_files, open_file=open_file))
    yield stored
    file_sources._source = before


@pytest.mark.sdet("UTI-CCO-CEL-07")
def test_a_file_of_my_documents_is_attached(client, world, documents):
    cast = world.cast
    client.force_login(cast.teacher)
    page = client.get(url("compose")).content.decode()
    assert "Maths/cours.pdf" in page
    response = compose_post(client, {"subject": "Cours", "stored_file_ids": [7], "action": "save"})
    assert response.status_code == 302
    (draft,) = drafts_of(cast.teacher)
    attached = draft.attachments.get()
    assert attached.filename == "cours.pdf"
    assert attached.file.read() == b"%PDF-1.4 "
    # A file the person may not read is refused on the form.
    assert compose_post(client, {"subject": "x", "stored_file_ids": [8]}).status_code == 422


# Folders and batch actions.


@pytest.mark.sdet("UTI-CCO-CEL-11")
def test_nested_folders_are_created_renamed_and_deleted(client, world, send):
    cast = world.cast
    client.force_login(cast.pupil)
    client.get(url("home"))
    assert client.post(url("folders"), {"name": "Maths"}).status_code == 302
    maths = Folder.objects.get(owner=cast.pupil, name="Maths")
    assert client.post(url("folders"), {"name": "Devoirs", "parent": maths.pk}).status_code == 302
    devoirs = Folder.objects.get(owner=cast.pupil, name="Devoirs")
    assert devoirs.parent == maths
    page = client.get(url("folders")).content.decode()
    assert f'data-folder="{devoirs.pk}" data-depth="1"' in page
    duplicate = client.post(url("folders"), {"name": "Devoirs", "parent": maths.pk})
    assert duplicate.status_code == 422
    assert client.post(url("folders"), {"name": "a/b"}).status_code == 422
    response = client.post(
        url("folder-rename", devoirs.pk), {"name": "Exercices", "parent": maths.pk}
    )
    assert response.status_code == 302
    devoirs.refresh_from_db()
    assert devoirs.name == "Exercices"
    send(cast.teacher, [cast.pupil], subject="À classer")
    entry = inbox_entries(cast.pupil)[0]
    client.post(url("batch"), {"entries": [entry.pk], "action": "move", "target": devoirs.pk})
    assert Entry.objects.get(pk=entry.pk).folder == devoirs
    assert client.post(url("folder-delete", maths.pk)).status_code == 302
    assert not Folder.objects.filter(pk__in=[maths.pk, devoirs.pk]).exists()
    assert Entry.objects.get(message=entry.message, owner=cast.pupil).folder.role == Role.TRASH
    inbox = Folder.objects.get(owner=cast.pupil, role=Role.INBOX)
    client.post(url("folder-delete", inbox.pk))
    assert Folder.objects.filter(pk=inbox.pk).exists()


@pytest.mark.sdet("UTI-CCO-CEL-15")
def test_batch_actions_delete_mark_and_move_several_messages(client, world, send):
    cast = world.cast
    for number in range(4):
        send(cast.teacher, [cast.pupil], subject=f"Message {number}")
    entries = inbox_entries(cast.pupil)
    client.force_login(cast.pupil)
    three = [entry.pk for entry in entries[:3]]
    response = client.post(url("batch"), {"entries": three[:2], "action": "read"})
    assert response.status_code == 302
    assert Entry.objects.filter(pk__in=three[:2], seen=True).count() == 2
    response = client.post(url("batch"), {"entries": three, "action": "delete",
                                          "next": url("home")})  # fmt: skip
    assert response["Location"] == url("home")
    assert [e.pk for e in inbox_entries(cast.pupil)] == [entries[3].pk]
    assert Entry.objects.filter(owner=cast.pupil, folder__role=Role.TRASH).count() == 3
    # Nothing chosen, or a move without a target: a message, nothing changes.
    client.post(url("batch"), {"action": "delete"})
    client.post(url("batch"), {"entries": [entries[3].pk], "action": "move"})
    assert inbox_entries(cast.pupil)[0].pk == entries[3].pk
    # An outside "next" is not followed.
    response = client.post(
        url("batch"),
        {"entries": [entries[3].pk], "action": "flag", "next": "https://evil.example/"},
    )
    assert response["Location"] == url("home")


@pytest.mark.sdet("UTI-CCO-CEL-02")
def test_search_finds_my_messages_only(client, world, send):
    cast = world.cast
    send(cast.teacher, [cast.pupil], subject="Contrôle de géographie")
    send(cast.teacher, [world.tom], subject="Contrôle de géographie pour Tom")
    client.force_login(cast.pupil)
    page = client.get(url("search") + "?q=géographie").content.decode()
    assert "Contrôle de géographie" in page
    assert "pour Tom" not in page
    assert client.get(url("search") + "?q=").status_code == 200


# Settings and the school's policy.


@pytest.mark.sdet("UTI-CCO-CEL-12", "UTI-CCO-CEL-13")
def test_settings_save_out_of_office_blocked_senders_and_signature(client, world):
    cast = world.cast
    client.force_login(cast.teacher)
    assert client.get(url("settings")).status_code == 200
    response = client.post(
        url("settings-auto-reply"),
        {"enabled": "on", "starts_on": "2030-04-01", "ends_on": "2030-04-08",
         "subject": "Absente", "body": "Je suis absente."},
    )  # fmt: skip
    assert response.status_code == 302
    assert AutoReply.objects.get(owner=cast.teacher).subject == "Absente"
    wrong = client.post(
        url("settings-auto-reply"),
        {"starts_on": "2030-04-08", "ends_on": "2030-04-01", "subject": "x", "body": "y"},
    )
    assert wrong.status_code == 422
    assert client.post(url("settings-block"), {"address": "spam@example.org"}).status_code == 302
    blocked = BlockedSender.objects.get(owner=cast.teacher)
    assert client.post(url("settings-block"), {"address": "not an address"}).status_code == 422
    assert client.post(url("settings-unblock", blocked.pk)).status_code == 302
    assert not BlockedSender.objects.filter(owner=cast.teacher).exists()
    client.post(url("settings-signature"), {"body": "Mme Dupont\nProfesseure"})
    assert "Mme Dupont" in Signature.objects.get(owner=cast.teacher).body_html
    assert "Mme Dupont" in client.get(url("compose")).content.decode()


@pytest.mark.sdet("UTI-CCO-CEL-04")
def test_forwarding_is_offered_to_staff_not_to_pupils(client, world):
    client.force_login(world.cast.pupil)
    assert 'id="forwarding-form"' not in client.get(url("settings")).content.decode()
    client.force_login(world.cast.teacher)
    assert 'id="forwarding-form"' in client.get(url("settings")).content.decode()


@pytest.mark.sdet("UTI-CCO-CEL-05", "UTI-CCO-CEL-06")
def test_the_head_sets_an_internal_only_rule_with_allowed_domains(client, world):
    cast = world.cast
    client.force_login(cast.head)
    response = client.post(
        url("policy"),
        {"school": cast.school.pk, "target": "profile:ELV", "internal_only": "on",
         "allowed": "ac-exemple.fr, corres@partenaire.es"},
    )  # fmt: skip
    assert response.status_code == 302
    rule = ExternalPolicy.objects.get(school=cast.school, profile="ELV")
    assert rule.internal_only
    assert set(rule.allowed) == {"ac-exemple.fr", "corres@partenaire.es"}
    page = client.get(url("policy")).content.decode()
    assert "corres@partenaire.es" in page
    bad = client.post(
        url("policy"), {"school": cast.school.pk, "target": "profile:ELV", "allowed": "nonsense"}
    )
    assert bad.status_code == 422
    foreign = client.post(
        url("policy"), {"school": cast.school.pk, "target": f"class:{world.class_6b.pk}"}
    )
    assert foreign.status_code == 422


@pytest.mark.sdet("UTI-UTL-AID-01")
@pytest.mark.parametrize("view_name", ["messaging:home", "messaging:compose"])
def test_the_inbox_and_the_editor_have_their_own_help(client, world, view_name):
    client.force_login(world.cast.pupil)
    response = client.get(reverse("support:page-help", args=[view_name]))
    assert response.status_code == 200
    assert f'data-help="{view_name}"' in response.content.decode()
