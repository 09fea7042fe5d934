"""Account lifecycle actions (SOC-SEC-IAU-13) and credential revocation (SOC-SEC-IAU-14), each
audited with time and identity (SOC-SEC-APS-03)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth import get_user
from django.contrib.auth.models import AnonymousUser, Permission
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from ent.audit.models import AuditEvent
from ent.directory.actions import finish_feed_run, purge_departed_accounts
from ent.directory.models import User
from ent.identity import session as session_module
from ent.identity.actions import start_totp_enrolment
from ent.identity.lifecycle import (
    AccountStateError,
    ActivationRefusedError,
    activate_account,
    activate_with_code,
    change_password,
    deactivate_account,
    delete_account,
    issue_access_cards,
    issue_activation_codes,
    reactivate_account,
    request_password_reset,
    revoke_access_cards,
    revoke_credentials,
    suspend_account,
)
from ent.identity.models import AccessCard, ActivationCode, TotpDevice, UserSession
from ent.identity.permissions import (
    can_manage_account,
    can_manage_some_accounts,
    can_print_access_cards,
    can_print_activation_letters,
)
from ent.identity.queries import (
    card_classes,
    letter_classes,
    manageable_people,
    visible_classes,
    visible_people,
)

from .accounts_support import NEW_PASSWORD, PASSWORD, aaf_pupil, sign_in


@pytest.fixture
def operator(db):
    person = User.objects.create_user("olivia.ops", PASSWORD, is_staff=True)
    person.user_permissions.add(
        Permission.objects.get(codename="change_user", content_type__app_label="directory")
    )
    return User.objects.get(pk=person.pk)


@pytest.fixture
def ended_sessions(monkeypatch):
    """The session keys handed to the session-end hooks (single logout of the services)."""
    ended: list[tuple[str, str]] = []
    monkeypatch.setattr(
        session_module,
        "_session_end_hooks",
        [lambda person, key: ended.append((person.login, key))],
    )
    return ended


@pytest.mark.sdet("SOC-SEC-IAU-13")
def test_heads_school_staff_and_operators_manage_accounts_and_no_one_else(cast, operator):
    assert can_manage_account(cast.head, cast.pupil)
    assert can_manage_account(cast.school_admin, cast.teacher)
    assert can_manage_account(operator, cast.outsider)
    assert not can_manage_account(cast.teacher, cast.pupil)
    assert not can_manage_account(cast.guardian, cast.pupil)
    assert not can_manage_account(cast.outsider, cast.pupil)
    assert not can_manage_account(cast.head, cast.outsider)
    assert not can_manage_account(cast.school_admin, operator), "operators are left to operators"
    assert set(manageable_people(cast.head)) == {
        cast.teacher,
        cast.pupil,
        cast.guardian,
        cast.head,
        cast.school_admin,
    }
    assert cast.pupil in visible_people(cast.teacher)
    assert cast.pupil not in visible_people(cast.outsider)


@pytest.mark.sdet("SOC-SEC-IAU-13", "SOC-SEC-APS-03")
def test_suspension_refuses_sign_in_and_ends_sessions_here_and_in_services(
    client, cast, ended_sessions
):
    assert sign_in(client, cast.pupil).status_code == 302
    key = client.session.session_key
    with time_machine.travel(timezone.now() + timedelta(minutes=5), tick=False):
        suspend_account(actor=cast.head, person=cast.pupil, reason="lost laptop")
        when = timezone.now()
    cast.pupil.refresh_from_db()
    assert not cast.pupil.is_active
    assert cast.pupil.suspended_at == when
    assert not Session.objects.filter(session_key=key).exists()
    assert UserSession.objects.get(session_key=key).end_reason == "suspended"
    assert ended_sessions == [("lea.petit", key)]
    assert not get_user(client).is_authenticated
    assert sign_in(client, cast.pupil).status_code != 302
    event = AuditEvent.objects.get(action="identity.account.suspend")
    assert (event.actor, event.at, event.target_id) == (cast.head, when, str(cast.pupil.pk))
    assert event.data == {"reason": "lost laptop", "sessions": 1}


@pytest.mark.sdet("SOC-SEC-IAU-13")
def test_reactivation_lets_the_person_sign_in_again(client, cast):
    suspend_account(actor=cast.head, person=cast.pupil)
    with pytest.raises(AccountStateError) as twice:
        suspend_account(actor=cast.head, person=cast.pupil)
    assert twice.value.code == "already_suspended"
    reactivate_account(actor=cast.school_admin, person=cast.pupil)
    cast.pupil.refresh_from_db()
    assert cast.pupil.is_active
    assert cast.pupil.suspended_at is None
    assert sign_in(client, cast.pupil).status_code == 302
    assert AuditEvent.objects.filter(action="identity.account.reactivate").count() == 1
    with pytest.raises(AccountStateError) as again:
        reactivate_account(actor=cast.head, person=cast.pupil)
    assert again.value.code == "not_suspended"


@pytest.mark.sdet("SOC-SEC-IAU-13")
def test_a_teacher_may_not_suspend_a_pupil(cast):
    with pytest.raises(PermissionDenied):
        suspend_account(actor=cast.teacher, person=cast.pupil)
    cast.pupil.refresh_from_db()
    assert cast.pupil.is_active
    assert not AuditEvent.objects.filter(action="identity.account.suspend").exists()


@pytest.mark.sdet("SOC-SEC-IAU-13")
def test_the_feed_does_not_lift_a_suspension(cast):
    hugo = aaf_pupil(cast, "hugo.martin", "Hugo", "Martin")
    suspend_account(actor=cast.head, person=hugo)
    finish_feed_run(actor=None, run_id=7, seen_keys=[["aaf-hugo.martin"]], covered_school_keys=None)
    hugo.refresh_from_db()
    assert not hugo.is_active
    assert hugo.suspended_at is not None


@pytest.mark.sdet("SOC-SEC-IAU-13", "SOC-SEC-APS-03")
def test_deactivation_is_the_feeds_departure_and_leads_to_the_purge(client, cast, settings):
    settings.ENT_PURGE_AFTER_DAYS = 90
    sign_in(client, cast.teacher)
    deactivate_account(actor=cast.head, person=cast.teacher, reason="left the school")
    cast.teacher.refresh_from_db()
    assert not cast.teacher.is_active
    assert cast.teacher.deactivated_at is not None
    assert not get_user(client).is_authenticated
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"directory.person.deactivate", "identity.account.deactivate"} <= actions
    with pytest.raises(AccountStateError):
        deactivate_account(actor=cast.head, person=cast.teacher)
    with time_machine.travel(timezone.now() + timedelta(days=91)):
        assert purge_departed_accounts(actor=None) == 1
    cast.teacher.refresh_from_db()
    assert cast.teacher.last_name == ""


@pytest.mark.sdet("SOC-SEC-IAU-13")
def test_deletion_withdraws_credentials_and_erases_personal_data(cast):
    uuid = cast.pupil.uuid
    issue_activation_codes(actor=cast.head, people=[cast.pupil])
    delete_account(actor=cast.head, person=cast.pupil)
    person = User.objects.get(uuid=uuid)
    assert person.login == f"purged-{uuid}"
    assert (person.first_name, person.last_name, person.is_active) == ("", "", False)
    assert not person.has_usable_password()
    assert not ActivationCode.objects.filter(person=person, revoked_at=None).exists()
    event = AuditEvent.objects.get(action="identity.account.delete")
    assert event.actor == cast.head
    assert event.data == {"login": "lea.petit"}


@pytest.mark.sdet("SOC-SEC-IAU-14", "SOC-SEC-APS-03")
def test_revoking_a_lost_credential_withdraws_every_means_and_ends_sessions(
    client, cast, ended_sessions
):
    assert sign_in(client, cast.pupil).status_code == 302
    issue_activation_codes(actor=cast.head, people=[cast.pupil])
    issue_access_cards(actor=cast.head, people=[cast.pupil])
    start_totp_enrolment(actor=cast.pupil)
    counts = revoke_credentials(actor=cast.school_admin, person=cast.pupil, reason="STOLEN")
    assert counts == {"codes": 1, "cards": 1, "totp": 1, "sessions": 1}
    cast.pupil.refresh_from_db()
    assert not cast.pupil.has_usable_password()
    assert not ActivationCode.objects.filter(revoked_at=None).exists()
    assert not AccessCard.objects.filter(revoked_at=None).exists()
    assert not TotpDevice.objects.exists()
    assert len(ended_sessions) == 1
    assert not get_user(client).is_authenticated
    assert sign_in(client, cast.pupil).status_code != 302
    event = AuditEvent.objects.get(action="identity.credentials.revoke")
    assert event.actor == cast.school_admin
    assert event.data["reason"] == "STOLEN"
    with pytest.raises(ValidationError):
        revoke_credentials(actor=cast.head, person=cast.pupil, reason="BORED")


@pytest.mark.sdet("SOC-SEC-IAU-13")
def test_an_administrator_may_activate_an_account_once(cast):
    hugo = aaf_pupil(cast, "hugo.martin", "Hugo", "Martin")
    activate_account(actor=cast.head, person=hugo)
    hugo.refresh_from_db()
    assert hugo.activated_at is not None
    with pytest.raises(AccountStateError):
        activate_account(actor=cast.head, person=hugo)


@pytest.mark.sdet("SOC-SEC-APS-03", "SOC-SEC-IAU-01")
def test_a_persons_lifecycle_chain_can_be_rebuilt_from_the_audit_trail(cast):
    uuid = cast.pupil.uuid
    for step, action in enumerate(
        (
            lambda: issue_activation_codes(actor=cast.school_admin, people=[cast.pupil]),
            lambda: suspend_account(actor=cast.head, person=cast.pupil),
            lambda: reactivate_account(actor=cast.head, person=cast.pupil),
            lambda: revoke_credentials(actor=cast.head, person=cast.pupil, reason="LOST"),
        )
    ):
        with time_machine.travel(timezone.now() + timedelta(minutes=step + 1), tick=False):
            action()
    trail = AuditEvent.objects.trail_of(cast.pupil).order_by("at", "pk")
    assert [(event.action, event.actor_label) for event in trail] == [
        ("identity.activation_code.issue", "sophie.admin"),
        ("identity.account.suspend", "marc.bernard"),
        ("identity.account.reactivate", "marc.bernard"),
        ("identity.credentials.revoke", "marc.bernard"),
    ]
    assert len({event.at for event in trail}) == 4
    cast.pupil.refresh_from_db()
    assert cast.pupil.uuid == uuid, "the identifier never changes (SOC-SEC-IAU-01)"


# ---------------------------------------------------------------------------------------------
# Edges of the actions and predicates


def test_issuing_codes_checks_who_asks_and_whom_for(cast):
    with pytest.raises(PermissionDenied):
        issue_activation_codes(actor=cast.teacher, people=[cast.pupil])
    suspend_account(actor=cast.head, person=cast.guardian)
    with pytest.raises(AccountStateError) as inactive:
        issue_activation_codes(actor=cast.head, people=[cast.guardian])
    assert inactive.value.code == "inactive"
    [(person, _code)] = issue_activation_codes(actor=None, people=[cast.pupil])
    assert person == cast.pupil
    assert AuditEvent.objects.get(action="identity.activation_code.issue").actor_label == "platform"


def test_cards_are_for_the_pupils_of_the_classes_one_teaches_or_manages(cast):
    with pytest.raises(PermissionDenied):
        issue_access_cards(actor=cast.teacher, people=[cast.pupil])
    with pytest.raises(PermissionDenied):
        revoke_access_cards(actor=cast.outsider, person=cast.pupil)
    assert len(issue_access_cards(actor=None, people=[cast.pupil])) == 1
    assert revoke_access_cards(actor=cast.head, person=cast.pupil) == 1


def test_the_charter_and_a_code_used_meanwhile_stop_an_activation(cast, monkeypatch):
    hugo = aaf_pupil(cast, "hugo.martin", "Hugo", "Martin")
    [(_hugo, code)] = issue_activation_codes(actor=cast.head, people=[hugo])
    with pytest.raises(ValidationError):
        activate_with_code(
            actor=None,
            login="hugo.martin",
            code=code,
            password=NEW_PASSWORD,
            charter_accepted=False,
        )

    def used_meanwhile(password, user):
        ActivationCode.objects.update(used_at=timezone.now())

    monkeypatch.setattr("ent.identity.lifecycle.validate_password", used_meanwhile)
    with pytest.raises(ActivationRefusedError):
        activate_with_code(
            actor=None, login="hugo.martin", code=code, password=NEW_PASSWORD, charter_accepted=True
        )
    hugo.refresh_from_db()
    assert not hugo.has_usable_password()


def test_only_the_platform_an_operator_or_the_person_sets_a_password(client, cast, operator):
    with pytest.raises(PermissionDenied):
        change_password(actor=cast.head, person=cast.pupil, password=NEW_PASSWORD)
    sign_in(client, cast.pupil)
    change_password(actor=cast.pupil, person=cast.pupil, password=NEW_PASSWORD)
    assert UserSession.objects.open().filter(person=cast.pupil).count() == 1, (
        "one's own change leaves the session to its caller"
    )
    change_password(actor=operator, person=cast.pupil, password="Autre-Mot-De-Passe-Solide-99")
    assert not UserSession.objects.open().filter(person=cast.pupil).exists()


def test_a_mail_server_failure_keeps_the_uniform_answer(
    client, cast, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    cast.pupil.email = "lea@example.org"
    cast.pupil.save(update_fields=["email"])

    def down(*args, **kwargs):
        raise ConnectionRefusedError

    monkeypatch.setattr("ent.identity.lifecycle.send_mail", down)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/auth/password/forgotten", {"identifier": "lea.petit"})
    assert response.status_code == 200
    assert "account e-mail not sent: ConnectionRefusedError" in caplog.text
    assert request_password_reset(actor=None, identifier="  ", site_url="http://x") == 0


def test_suspending_a_deactivated_account_and_deleting_it(cast):
    deactivate_account(actor=cast.head, person=cast.teacher)
    with pytest.raises(AccountStateError) as deactivated:
        suspend_account(actor=cast.head, person=cast.teacher)
    assert deactivated.value.code == "deactivated"
    delete_account(actor=cast.head, person=cast.teacher)
    assert AuditEvent.objects.filter(action="directory.person.deactivate").count() == 1


def test_signed_out_visitors_manage_nothing_and_operators_everything(cast, operator):
    anonymous = AnonymousUser()
    assert not can_manage_account(anonymous, cast.pupil)
    assert not can_manage_some_accounts(anonymous)
    assert not can_print_activation_letters(anonymous, cast.school_class)
    assert not can_print_access_cards(anonymous, cast.school_class)
    assert can_print_access_cards(cast.head, cast.school_class)
    assert not can_print_access_cards(cast.teacher, cast.school_class)
    for query in (visible_people, manageable_people):
        assert not query(anonymous).exists()
    for classes in (visible_classes, letter_classes, card_classes):
        assert not classes(anonymous).exists()
        assert set(classes(operator)) == {cast.school_class}
    assert can_manage_some_accounts(operator)
    assert set(visible_people(operator)) >= {cast.pupil, cast.outsider}
