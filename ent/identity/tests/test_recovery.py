"""Recovery (SOC-SEC-IAU-14): forgotten password by e-mail link or by a school administrator's
new letter, forgotten login. Answers never tell whether an account exists."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from ent.audit.models import AuditEvent, Outcome
from ent.directory.models import User

from .accounts_support import CODE, NEW_PASSWORD, PASSWORD, activate, pdf_pages, sign_in

FORGOTTEN = reverse("identity:password-forgotten")
LOGIN_FORGOTTEN = reverse("identity:login-forgotten")
LINK = re.compile(r"https?://\S+/auth/password/reset/\S+")


@pytest.fixture
def with_email(cast):
    for person in (cast.pupil, cast.guardian):
        person.email = "famille.petit@example.org"
        person.save(update_fields=["email"])
    return cast


def same_page(response) -> bytes:
    """The page without its CSRF tokens, which differ on every response."""
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", response.content)


def ask(client, capture, url, **data):
    with capture(execute=True):
        return client.post(url, data)


@pytest.mark.sdet("SOC-SEC-IAU-14")
def test_the_answer_is_the_same_whether_the_account_exists_or_not(
    client, with_email, mailoutbox, django_capture_on_commit_callbacks
):
    pages = [
        ask(client, django_capture_on_commit_callbacks, FORGOTTEN, identifier=identifier)
        for identifier in ("lea.petit", "nobody.here", "agnes.dupont")
    ]
    assert {page.status_code for page in pages} == {200}
    assert len({same_page(page) for page in pages}) == 1
    # Agnès has no e-mail address and nobody is nobody.here: only Léa gets a link.
    assert [message.to for message in mailoutbox] == [["famille.petit@example.org"]]
    assert AuditEvent.objects.filter(
        action="identity.password.reset_request", outcome=Outcome.FAILURE
    ).exists()


@pytest.mark.sdet("SOC-SEC-IAU-14", "SOC-SEC-APS-03", "SOC-SUP-ABO-03")
def test_an_emailed_link_sets_a_new_password_once(
    client, with_email, mailoutbox, django_capture_on_commit_callbacks
):
    ask(client, django_capture_on_commit_callbacks, FORGOTTEN, identifier="lea.petit")
    [message] = mailoutbox
    assert "lea.petit" in message.body
    [link] = LINK.findall(message.body)
    path = urlsplit(link).path
    assert client.get(path).status_code == 200
    data = {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD}
    response = client.post(path, data)
    assert response.status_code == 302
    assert sign_in(client, with_email.pupil, PASSWORD).status_code != 302
    assert sign_in(client, with_email.pupil, NEW_PASSWORD).status_code == 302
    client.logout()
    assert client.post(path, data).status_code == 400, "a link works once"
    events = AuditEvent.objects.filter(action="identity.password.reset")
    assert [event.outcome for event in events.order_by("pk")] == [Outcome.SUCCESS, Outcome.FAILURE]
    assert NEW_PASSWORD not in str(list(events.values_list("data", flat=True)))


def test_an_email_address_shared_by_a_family_gets_one_message_with_each_login(
    client, with_email, mailoutbox, django_capture_on_commit_callbacks
):
    ask(
        client,
        django_capture_on_commit_callbacks,
        FORGOTTEN,
        identifier="Famille.Petit@example.org",
    )
    [message] = mailoutbox
    assert len(LINK.findall(message.body)) == 2
    assert "lea.petit" in message.body
    assert "paul.petit" in message.body


def test_a_second_request_within_minutes_sends_no_second_message(
    client, with_email, mailoutbox, django_capture_on_commit_callbacks
):
    for _attempt in range(3):
        ask(client, django_capture_on_commit_callbacks, FORGOTTEN, identifier="lea.petit")
    assert len(mailoutbox) == 1
    with time_machine.travel(timezone.now() + timedelta(minutes=6)):
        ask(client, django_capture_on_commit_callbacks, FORGOTTEN, identifier="lea.petit")
    assert len(mailoutbox) == 2


@pytest.mark.sdet("SOC-SEC-IAU-14")
def test_an_expired_or_forged_link_is_refused(
    client, with_email, mailoutbox, django_capture_on_commit_callbacks
):
    ask(client, django_capture_on_commit_callbacks, FORGOTTEN, identifier="lea.petit")
    [link] = LINK.findall(mailoutbox[0].body)
    path = urlsplit(link).path
    forged = path.rsplit("/", 1)[0] + "/abc-123"
    assert client.get(forged).status_code == 400
    with time_machine.travel(timezone.now() + timedelta(days=1)):
        assert client.get(path).status_code == 400


def test_a_weak_password_is_refused_on_the_reset_page(
    client, with_email, mailoutbox, django_capture_on_commit_callbacks
):
    ask(client, django_capture_on_commit_callbacks, FORGOTTEN, identifier="lea.petit")
    path = urlsplit(LINK.findall(mailoutbox[0].body)[0]).path
    response = client.post(path, {"password": "azerty", "password_again": "azerty"})
    assert response.status_code == 422
    assert sign_in(client, with_email.pupil, PASSWORD).status_code == 302


@pytest.mark.sdet("SOC-SEC-IAU-14", "SOC-SUP-ABO-03")
def test_a_forgotten_login_is_sent_to_its_address_with_a_uniform_answer(
    client, with_email, mailoutbox, django_capture_on_commit_callbacks
):
    known = ask(
        client,
        django_capture_on_commit_callbacks,
        LOGIN_FORGOTTEN,
        email="famille.petit@example.org",
    )
    unknown = ask(
        client, django_capture_on_commit_callbacks, LOGIN_FORGOTTEN, email="inconnu@example.org"
    )
    assert known.status_code == unknown.status_code == 200
    assert same_page(known) == same_page(unknown)
    [message] = mailoutbox
    assert message.to == ["famille.petit@example.org"]
    assert "lea.petit" in message.body
    assert "paul.petit" in message.body
    assert AuditEvent.objects.filter(action="identity.login.reminder").count() == 3


@pytest.mark.sdet("SOC-SEC-IAU-14", "SOC-SEC-APS-03")
def test_a_school_administrator_resets_a_password_with_a_new_letter(client, cast):
    client.force_login(cast.school_admin)
    response = client.post(reverse("identity:account-reset", kwargs={"uuid": cast.pupil.uuid}))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    [text] = pdf_pages(response.content)
    assert "lea.petit" in text
    [code] = CODE.findall(text)
    client.logout()
    assert sign_in(client, cast.pupil, PASSWORD).status_code != 302, "the old password is gone"
    assert activate(client, "lea.petit", code).status_code == 302
    client.logout()
    assert sign_in(client, User.objects.get(pk=cast.pupil.pk), NEW_PASSWORD).status_code == 302
    event = AuditEvent.objects.get(action="identity.password.reset_by_letter")
    assert event.actor == cast.school_admin


def test_a_teacher_may_not_reset_a_pupils_password(client, cast):
    client.force_login(cast.teacher)
    response = client.post(reverse("identity:account-reset", kwargs={"uuid": cast.pupil.uuid}))
    assert response.status_code == 403
    assert sign_in(client, cast.pupil, PASSWORD).status_code == 302
