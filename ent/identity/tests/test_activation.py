"""First connection: activation letters and codes, the activation page, QR-code cards."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import time_machine
from django.contrib.auth import get_user
from django.urls import reverse
from django.utils import timezone

from ent.audit.models import AuditEvent, Outcome
from ent.directory.models import Enrolment, SchoolClass, TeachingAssignment
from ent.identity.lifecycle import (
    CODE_ALPHABET,
    issue_access_cards,
    issue_activation_codes,
    revoke_access_cards,
    suspend_account,
)
from ent.identity.models import AccessCard, ActivationCode, LoginFailure, Method, UserSession

from .accounts_support import (
    CODE,
    NEW_PASSWORD,
    aaf_pupil,
    activate,
    french,
    pdf_links,
    pdf_pages,
    sign_in,
)

REFUSED = (
    "This activation code is not valid for this login: it may be mistyped, expired or "
    "already used. Ask your school for a new letter if needed."
)


@pytest.fixture
def newcomers(cast):
    return [
        aaf_pupil(cast, "hugo.martin", "Hugo", "Martin"),
        aaf_pupil(cast, "zoe.leroy", "Zoé", "Leroy"),
        aaf_pupil(cast, "noe.garcon", "Noé", "Garçon"),
    ]


@pytest.mark.sdet("SOC-SEC-IAU-13", "SOC-SEC-IAU-14")
def test_codes_are_readable_unambiguous_and_only_their_digest_is_stored(cast, newcomers):
    issued = issue_activation_codes(actor=cast.school_admin, people=newcomers)
    assert [person for person, _code in issued] == newcomers
    for person, code in issued:
        groups = code.split("-")
        assert [len(group) for group in groups] == [4, 4, 4]
        assert set("".join(groups)) <= set(CODE_ALPHABET)
        assert not set("".join(groups)) & set("0O1I")
        stored = ActivationCode.objects.get(person=person)
        assert code.replace("-", "") not in stored.digest
        assert len(stored.digest) == 64
        assert stored.expires_at.date() == (timezone.now() + timedelta(days=60)).date()
    assert AuditEvent.objects.filter(action="identity.activation_code.issue").count() == 3


@pytest.mark.sdet("SOC-SEC-IAU-13", "SOC-SEC-IAU-14")
def test_class_letters_give_each_pupil_a_page_with_a_code_that_activates_their_account(
    client, cast, newcomers
):
    client.force_login(cast.school_admin)
    url = reverse("identity:class-letters", kwargs={"class_id": cast.school_class.pk})
    response = client.post(url, {"audience": "pupils"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    pages = pdf_pages(response.content)
    # Léa already chose her password: she needs no letter.
    assert len(pages) == 3
    for person in newcomers:
        [text] = [text for text in pages if person.login in text]
        assert person.first_name in text
        assert person.last_name in text
        assert "3eA" in text
        assert "Collège X" in text
        assert "/auth/activate" in text
        [code] = CODE.findall(text)
        client.logout()
        assert activate(client, person.login, code).status_code == 302
        person.refresh_from_db()
        assert person.activated_at is not None
        assert person.check_password(NEW_PASSWORD)


@pytest.mark.sdet("SOC-SEC-IAU-13", "SOC-SEC-APS-03")
def test_activation_sets_the_password_records_the_charter_and_signs_in(client, cast, newcomers):
    hugo = newcomers[0]
    [(_hugo, code)] = issue_activation_codes(actor=cast.school_admin, people=[hugo])
    page = client.get(reverse("identity:activate"))
    assert page.status_code == 200
    assert french("Charter of use of the ENT") in page.content.decode()
    response = activate(client, "hugo.martin", code.lower().replace("-", " "))
    assert response.status_code == 302
    hugo.refresh_from_db()
    assert hugo.activated_at is not None
    assert hugo.charter_accepted_at is not None
    assert get_user(client).pk == hugo.pk
    assert UserSession.objects.get(person=hugo).method == Method.PASSWORD
    assert ActivationCode.objects.get(person=hugo).used_at is not None
    event = AuditEvent.objects.get(action="identity.account.activate")
    assert event.actor == hugo
    assert event.at is not None
    assert NEW_PASSWORD not in str(event.data)
    client.logout()
    assert sign_in(client, hugo, NEW_PASSWORD).status_code == 302


@pytest.mark.sdet("SOC-SEC-IAU-14", "SOC-SEC-APS-03")
def test_a_wrong_code_is_refused_in_french_and_counted_as_a_failure(client, cast, newcomers):
    issue_activation_codes(actor=cast.school_admin, people=newcomers[:1])
    response = activate(client, "hugo.martin", "ABCD-EFGH-JKLM")
    assert response.status_code == 422
    assert french(REFUSED) in response.content.decode().replace("&#x27;", "'")
    assert LoginFailure.objects.filter(login="hugo.martin").count() == 1
    failure = AuditEvent.objects.get(action="identity.activation.fail")
    assert failure.outcome == Outcome.FAILURE
    assert failure.data["reason"] == "unknown"
    assert not get_user(client).is_authenticated


@pytest.mark.sdet("SOC-SEC-IAU-14")
def test_a_code_does_not_work_for_another_login(client, cast, newcomers):
    [(_hugo, code)] = issue_activation_codes(actor=cast.school_admin, people=newcomers[:1])
    assert activate(client, "zoe.leroy", code).status_code == 422
    newcomers[1].refresh_from_db()
    assert newcomers[1].activated_at is None


@pytest.mark.sdet("SOC-SEC-IAU-14")
def test_an_expired_code_is_refused(client, cast, newcomers):
    [(_hugo, code)] = issue_activation_codes(actor=cast.school_admin, people=newcomers[:1])
    with time_machine.travel(timezone.now() + timedelta(days=61)):
        assert activate(client, "hugo.martin", code).status_code == 422
    assert AuditEvent.objects.get(action="identity.activation.fail").data["reason"] == "expired"


@pytest.mark.sdet("SOC-SEC-IAU-14")
def test_a_used_code_cannot_activate_twice(client, cast, newcomers):
    [(_hugo, code)] = issue_activation_codes(actor=cast.school_admin, people=newcomers[:1])
    assert activate(client, "hugo.martin", code).status_code == 302
    client.logout()
    assert activate(client, "hugo.martin", code, "Autre-Mot-De-Passe-Solide-99").status_code == 422
    assert AuditEvent.objects.get(action="identity.activation.fail").data["reason"] == "used"


@pytest.mark.sdet("SOC-SEC-IAU-14")
def test_printing_a_new_letter_revokes_the_previous_code(client, cast, newcomers):
    [(_hugo, first)] = issue_activation_codes(actor=cast.school_admin, people=newcomers[:1])
    [(_hugo, second)] = issue_activation_codes(actor=cast.school_admin, people=newcomers[:1])
    assert activate(client, "hugo.martin", first).status_code == 422
    assert activate(client, "hugo.martin", second).status_code == 302


def test_the_charter_must_be_accepted_and_the_code_stays_usable(client, cast, newcomers):
    [(_hugo, code)] = issue_activation_codes(actor=cast.school_admin, people=newcomers[:1])
    assert activate(client, "hugo.martin", code, charter=False).status_code == 422
    assert activate(client, "hugo.martin", code).status_code == 302


def test_a_weak_password_is_refused_by_the_policy_and_the_code_stays_usable(
    client, cast, newcomers
):
    [(_hugo, code)] = issue_activation_codes(actor=cast.school_admin, people=newcomers[:1])
    response = activate(client, "hugo.martin", code, "azerty")
    assert response.status_code == 422
    assert 'class="errors"' in response.content.decode()
    newcomers[0].refresh_from_db()
    assert not newcomers[0].has_usable_password()
    assert activate(client, "hugo.martin", code).status_code == 302


@pytest.mark.sdet("SOC-SEC-IAU-14")
def test_repeated_wrong_codes_lock_the_login_even_against_the_right_code(
    client, cast, newcomers, settings
):
    settings.ENT_LOGIN_MAX_FAILURES = 3
    [(_hugo, code)] = issue_activation_codes(actor=cast.school_admin, people=newcomers[:1])
    for _attempt in range(3):
        activate(client, "hugo.martin", "AAAA-BBBB-CCCC")
    response = activate(client, "hugo.martin", code)
    assert response.status_code == 422
    assert french("Too many failed attempts: try again later.") in response.content.decode()
    newcomers[0].refresh_from_db()
    assert newcomers[0].activated_at is None


def test_a_suspended_account_cannot_be_activated(client, cast, newcomers):
    [(_hugo, code)] = issue_activation_codes(actor=cast.school_admin, people=newcomers[:1])
    suspend_account(actor=cast.head, person=newcomers[0])
    assert activate(client, "hugo.martin", code).status_code == 422


# ---------------------------------------------------------------------------------------------
# QR-code cards


@pytest.fixture
def first_degree(cast):
    """A CP class whose teacher is the cast's teacher."""
    cp = SchoolClass.objects.create(school=cast.school, code="CP", label="CP Mme Dupont")
    TeachingAssignment.objects.create(teacher=cast.teacher, school_class=cp)
    return cp


@pytest.mark.sdet("SOC-SEC-IAU-13", "SOC-SEC-IAU-14")
def test_a_teacher_prints_qr_cards_that_sign_each_pupil_in(client, cast, first_degree):
    # In the cards' order: alphabetical.
    pupils = [
        aaf_pupil(cast, "ines.blanc", "Inès", "Blanc", first_degree),
        aaf_pupil(cast, "tom.roux", "Tom", "Roux", first_degree),
    ]
    client.force_login(cast.teacher)
    url = reverse("identity:class-cards", kwargs={"class_id": first_degree.pk})
    response = client.post(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = "\n".join(pdf_pages(response.content))
    for pupil in pupils:
        assert pupil.display_name in text
    links = pdf_links(response.content)
    assert len(links) == 2
    assert AccessCard.objects.filter(revoked_at=None).count() == 2
    for pupil, link in zip(pupils, links, strict=True):
        client.logout()
        signed_in = client.get(urlsplit(link).path)
        assert signed_in.status_code == 302
        assert get_user(client).pk == pupil.pk
        session = UserSession.objects.get(person=pupil)
        assert (session.method, session.level) == (Method.CARD, 1)


@pytest.mark.sdet("SOC-SEC-IAU-14")
def test_revoked_and_replaced_cards_no_longer_sign_in(client, cast, first_degree):
    tom = aaf_pupil(cast, "tom.roux", "Tom", "Roux", first_degree)
    [(_tom, old)] = issue_access_cards(actor=cast.teacher, people=[tom])
    [(_tom, new)] = issue_access_cards(actor=cast.teacher, people=[tom])
    refused = client.get(reverse("identity:card", kwargs={"token": old}))
    assert refused.status_code == 403
    assert not get_user(client).is_authenticated
    assert client.get(reverse("identity:card", kwargs={"token": new})).status_code == 302
    client.logout()
    revoke_access_cards(actor=cast.teacher, person=tom)
    assert client.get(reverse("identity:card", kwargs={"token": new})).status_code == 403
    reasons = AuditEvent.objects.filter(action="identity.card.fail").values_list(
        "data__reason", flat=True
    )
    assert sorted(reasons) == ["revoked", "revoked"]


@pytest.mark.sdet("SOC-SEC-IAU-13")
def test_a_suspended_pupils_card_is_refused(client, cast, first_degree):
    tom = aaf_pupil(cast, "tom.roux", "Tom", "Roux", first_degree)
    [(_tom, token)] = issue_access_cards(actor=cast.teacher, people=[tom])
    suspend_account(actor=cast.head, person=tom)
    assert client.get(reverse("identity:card", kwargs={"token": token})).status_code == 403


def test_a_teacher_cannot_print_cards_for_a_class_they_do_not_teach(client, cast, first_degree):
    Enrolment.objects.create(pupil=cast.pupil, school_class=cast.school_class)
    client.force_login(cast.teacher)
    url = reverse("identity:class-cards", kwargs={"class_id": cast.school_class.pk})
    assert client.post(url).status_code == 403
    client.force_login(cast.outsider)
    assert client.post(url).status_code == 404
    assert not AccessCard.objects.exists()
