"""The accounts back-office: the permission matrix, the list and its query count, the account
page and its lifecycle buttons (SOC-SEC-IAU-13, -14)."""

from __future__ import annotations

import html

import pytest
from django.conf import settings
from django.shortcuts import resolve_url
from django.urls import reverse

from ent.directory.models import Enrolment, SchoolClass, TeachingAssignment
from ent.identity.lifecycle import issue_access_cards

from .accounts_support import aaf_pupil, french, pdf_pages, sign_in

OPERATIONS = {
    "account-activate": {},
    "account-suspend": {"suspend-reason": "test"},
    "account-reactivate": {},
    "account-deactivate": {},
    "account-revoke": {"revoke-reason": "LOST"},
    "account-delete": {"delete-confirm": "on"},
    "account-reset": {},
    "account-card": {},
    "account-cards-revoke": {},
}


def text(response) -> str:
    return html.unescape(response.content.decode())


def account_url(name, person):
    return reverse(f"identity:{name}", kwargs={"uuid": person.uuid})


@pytest.mark.sdet("SOC-SEC-IAU-13")
@pytest.mark.parametrize("name", ["account", *OPERATIONS])
def test_account_pages_answer_login_404_403_by_who_asks(client, cast, name):
    url = account_url(name, cast.pupil)
    send = client.get if name == "account" else client.post
    anonymous = send(url)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(resolve_url(settings.LOGIN_URL))
    client.force_login(cast.outsider)
    assert send(url, OPERATIONS.get(name, {})).status_code == 404
    client.force_login(cast.teacher)
    assert send(url, OPERATIONS.get(name, {})).status_code == 403
    cast.pupil.refresh_from_db()
    assert cast.pupil.is_active
    assert cast.pupil.has_usable_password()


@pytest.mark.sdet("SOC-SEC-IAU-13")
@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_a_school_admin_runs_each_operation(client, cast, name):
    if name == "account-reactivate":
        client.force_login(cast.head)
        client.post(account_url("account-suspend", cast.pupil))
    client.force_login(cast.school_admin)
    response = client.post(account_url(name, cast.pupil), OPERATIONS[name])
    assert response.status_code in {200, 302}
    if response.status_code == 200:
        assert response["Content-Type"] == "application/pdf"
    else:
        follow = client.get(response["Location"])
        assert follow.status_code == 200
        assert 'class="message success"' in follow.content.decode()


def test_suspending_from_the_account_page_shows_the_new_state(client, cast):
    client.force_login(cast.head)
    page = client.get(account_url("account", cast.pupil))
    assert page.status_code == 200
    assert french("Suspend the account") in text(page)
    response = client.post(account_url("account-suspend", cast.pupil), {"suspend-reason": "x"})
    page = client.get(response["Location"])
    assert french("The account is suspended.") in text(page)
    assert french("Reactivate the account") in text(page)
    assert french("Suspend the account") not in text(page)
    again = client.post(account_url("account-suspend", cast.pupil))
    assert french("This account is already suspended.") in text(client.get(again["Location"]))


def test_the_account_page_shows_activation_last_sign_in_and_credentials(client, cast):
    sign_in(client, cast.pupil)
    issue_access_cards(actor=cast.head, people=[cast.pupil])
    client.force_login(cast.head)
    page = text(client.get(account_url("account", cast.pupil)))
    assert str(cast.pupil.uuid) in page
    assert "Collège X (0000001B)" in page
    assert french("never") not in page.split(french("Last sign-in"))[1].split("</dd>")[0]
    assert french("QR-code cards in use") in page
    assert french("Revoke the cards") in page


def test_deleting_needs_the_confirmation_box(client, cast):
    client.force_login(cast.head)
    response = client.post(account_url("account-delete", cast.pupil))
    assert response.status_code == 302
    cast.pupil.refresh_from_db()
    assert cast.pupil.purged_at is None
    response = client.post(account_url("account-delete", cast.pupil), {"delete-confirm": "on"})
    assert response["Location"] == reverse("identity:accounts")
    cast.pupil.refresh_from_db()
    assert cast.pupil.purged_at is not None


@pytest.mark.sdet("SOC-SEC-IAU-13")
def test_the_account_list_is_for_school_managers_only(client, cast):
    url = reverse("identity:accounts")
    assert client.get(url).status_code == 302
    for person in (cast.teacher, cast.pupil, cast.guardian, cast.outsider):
        client.force_login(person)
        assert client.get(url).status_code == 403, person.login
    client.force_login(cast.head)
    page = text(client.get(url))
    assert "lea.petit" in page
    assert "yves.autre" not in page


def test_the_account_list_filters_by_class_and_pages_with_a_fixed_query_count(
    client, cast, django_assert_num_queries
):
    other = SchoolClass.objects.create(school=cast.school, code="4B", label="4eB")
    for number in range(60):
        aaf_pupil(cast, f"eleve.{number:02d}", "Élève", f"N{number:02d}", cast.school_class)
    aaf_pupil(cast, "ailleurs.eleve", "Ailleurs", "Élève", other)
    client.force_login(cast.school_admin)
    url = reverse("identity:accounts")
    client.get(url)  # warm the session and permission caches
    # Session, user, permissions (2), may manage, the class chosen, count, the class menu,
    # the page's people and their classes, then the page frame's 9 (rights, preferences,
    # layouts, unread notifications, schools) and the alert banner's 1: whatever the number of
    # people.
    with django_assert_num_queries(20) as first_page:
        page = text(client.get(url, {"school_class": cast.school_class.pk}))
    assert page.count("eleve.") == 50
    assert "ailleurs.eleve" not in page
    with django_assert_num_queries(len(first_page.captured_queries)):
        page = text(client.get(url, {"school_class": cast.school_class.pk, "page": 2}))
    assert page.count("eleve.") == 10
    page = text(client.get(url, {"search": "ailleurs"}))
    assert "ailleurs.eleve" in page
    assert "eleve.00" not in page


@pytest.mark.sdet("SOC-SEC-IAU-13")
def test_class_printing_pages_follow_the_same_matrix(client, cast):
    letters = reverse("identity:class-letters", kwargs={"class_id": cast.school_class.pk})
    classes = reverse("identity:classes")
    assert client.post(letters).status_code == 302
    client.force_login(cast.outsider)
    assert client.post(letters).status_code == 404
    assert client.get(classes).status_code == 403
    client.force_login(cast.teacher)
    assert client.post(letters).status_code == 403
    assert client.get(classes).status_code == 403
    TeachingAssignment.objects.create(teacher=cast.teacher, school_class=cast.school_class)
    page = text(client.get(classes))
    assert "3eA" in page
    assert french("Letters for") not in page, "a teacher prints cards, not letters"
    client.force_login(cast.head)
    assert french("Letters for") in text(client.get(classes))
    # Everyone in 3eA has a password already: nothing to print.
    Enrolment.objects.create(pupil=cast.pupil, school_class=cast.school_class)
    response = client.post(letters, {"audience": "pupils"})
    assert response["Location"] == classes


def test_guardians_letters_go_to_the_guardians_of_the_class(client, cast):
    Enrolment.objects.create(pupil=cast.pupil, school_class=cast.school_class)
    cast.guardian.set_unusable_password()
    cast.guardian.save(update_fields=["password"])
    client.force_login(cast.head)
    url = reverse("identity:class-letters", kwargs={"class_id": cast.school_class.pk})
    response = client.post(url, {"audience": "guardians"})
    [page] = pdf_pages(response.content)
    assert "paul.petit" in page
    assert "3eA" in page
