"""External accounts (SDET §9.2, scenario 10): the head of school creates an account for an
internship tutor, valid until D+30, with one shared space; on D+31 sign-in is refused. Nobody
but the head creates one."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
import time_machine
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from ent.audit.models import AuditEvent, Outcome
from ent.backoffice.actions import (
    change_external_validity,
    create_external_account,
    deactivate_expired_accounts,
    end_external_account,
    end_of_day,
)
from ent.directory.actions import purge_departed_accounts
from ent.directory.models import Membership, Profile, User
from ent.identity.models import ActivationCode
from ent.rights.actions import delegate_rights
from ent.rights.queries import services_for

from .factories import NEW_PASSWORD, french, letter_code, page

pytestmark = pytest.mark.django_db

PARIS = timezone.get_default_timezone()


def _tutor_form(day, **changes):
    return {
        "first_name": "Jeanne",
        "last_name": "Martin-Lefèvre",
        "email": "jeanne.tutrice@example.org",
        "note": "Tutrice de stage",
        "valid_until": day.isoformat(),
        **changes,
    }


def _login(client, login, password=NEW_PASSWORD):
    return client.post(reverse("identity:login"), {"username": login, "password": password})


@pytest.mark.sdet("SOC-SEC-AUT-03", "SOC-SEC-IAU-13")
def test_scenario_10_a_tutor_valid_until_d30_with_one_space_is_refused_on_d31(
    client, cast, defaults
):
    space = defaults
    today = timezone.localdate()
    last_day = today + timedelta(days=30)
    client.force_login(cast.head)
    response = client.post(page("external-create", cast.school), _tutor_form(last_day))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    letter = response.content
    tutor = User.objects.get(last_name="Martin-Lefèvre")
    assert tutor.login == "jeanne.martin-lefevre"
    assert not tutor.has_usable_password()
    # Valid through D+30 in Paris: the account ends at the midnight that starts D+31.
    assert timezone.localtime(tutor.valid_until, PARIS) == datetime.combine(
        last_day + timedelta(days=1), time.min, tzinfo=PARIS
    )
    membership = Membership.objects.get(person=tutor)
    assert (membership.school, membership.profile) == (cast.school, Profile.GST)
    assert membership.ends_on == last_day + timedelta(days=1)
    assert membership.functions == [{"label": "Tutrice de stage"}]
    assert AuditEvent.objects.filter(
        action="backoffice.external_account.create", actor=cast.head, target_id=str(tutor.pk)
    ).exists()

    # One shared space: the head grants it to the tutor alone, for the same period.
    assert {item.code for item in services_for(tutor)} == set()
    response = client.post(
        page("grant-add", cast.school),
        {
            "service": space,
            "level": "20",
            "grantee_kind": "person",
            "person": tutor.login,
            "ends_on": last_day.isoformat(),
        },
    )
    assert response.status_code == 302
    codes = {item.code for item in services_for(tutor)}
    assert codes == {space}
    # Nothing of the school's work: no lesson log, no pupil records, no administration.
    assert not codes & {"school_admin", "lesson_log", "pupil_records", "liaison_book"}

    # The tutor activates the account with the letter, then signs in.
    tutor_client = client.__class__()
    activation = tutor_client.post(
        reverse("identity:activate"),
        {
            "login": tutor.login,
            "code": letter_code(letter),
            "password": NEW_PASSWORD,
            "password_again": NEW_PASSWORD,
            "charter": "on",
        },
    )
    assert activation.status_code == 302, activation.content[:500]
    assert _login(client.__class__(), tutor.login).status_code == 302

    last_evening = datetime.combine(last_day, time(23, 30), tzinfo=PARIS)
    with time_machine.travel(last_evening, tick=False):
        assert _login(client.__class__(), tutor.login).status_code == 302
        assert {item.code for item in services_for(tutor)} == {space}
    on_d31 = datetime.combine(last_day + timedelta(days=1), time(9), tzinfo=PARIS)
    with time_machine.travel(on_d31, tick=False):
        refused = client.__class__()
        response = _login(refused, tutor.login)
        assert response.status_code == 200
        assert response.context["refused"] is True
        assert "_auth_user_id" not in refused.session
        assert services_for(tutor) == []
    failure = AuditEvent.objects.filter(
        action="identity.login.fail", outcome=Outcome.FAILURE, target_id=str(tutor.pk)
    ).get()
    assert failure.data["reason"] == "expired"


def test_the_letter_of_a_new_external_account_carries_a_working_code(client, cast, defaults):
    client.force_login(cast.head)
    last_day = timezone.localdate() + timedelta(days=10)
    response = client.post(page("external-create", cast.school), _tutor_form(last_day))
    code = letter_code(response.content)
    tutor = User.objects.get(last_name="Martin-Lefèvre")
    assert ActivationCode.objects.filter(person=tutor, used_at=None).count() == 1
    answer = client.__class__().post(
        reverse("identity:activate"),
        {
            "login": tutor.login,
            "code": code,
            "password": NEW_PASSWORD,
            "password_again": NEW_PASSWORD,
            "charter": "on",
        },
    )
    assert answer.status_code == 302
    tutor.refresh_from_db()
    assert tutor.has_usable_password()


@pytest.mark.parametrize("person", ["school_admin", "teacher"])
def test_nobody_but_the_head_creates_an_external_account(client, cast, defaults, person):
    actor = getattr(cast, person)
    client.force_login(actor)
    last_day = timezone.localdate() + timedelta(days=30)
    response = client.post(page("external-create", cast.school), _tutor_form(last_day))
    assert response.status_code == 403
    assert not User.objects.filter(last_name="Martin-Lefèvre").exists()


def test_a_school_administrator_is_refused_with_a_message_and_the_refusal_is_audited(
    client, cast, defaults
):
    client.force_login(cast.school_admin)
    assert b'data-notice="head-only"' in client.get(page("externals", cast.school)).content
    last_day = timezone.localdate() + timedelta(days=30)
    response = client.post(page("external-create", cast.school), _tutor_form(last_day))
    assert response.status_code == 403
    assert [str(message) for message in response.context["messages"]] == [
        french("Only the head of the school sets up external accounts and their validity.")
    ]
    refusal = AuditEvent.objects.get(action="backoffice.external_account.create")
    assert (refusal.actor, refusal.outcome) == (cast.school_admin, Outcome.FAILURE)


def test_a_delegate_of_the_school_administration_is_not_the_head(cast, defaults):
    delegate_rights(
        actor=cast.head,
        delegate=cast.teacher,
        school=cast.school,
        service="school_admin",
        ends_at=timezone.now() + timedelta(days=7),
    )
    with pytest.raises(PermissionDenied):
        create_external_account(
            actor=cast.teacher,
            school=cast.school,
            first_name="Jeanne",
            last_name="Tutrice",
            email="",
            valid_until=timezone.localdate() + timedelta(days=5),
        )


def test_the_head_of_another_school_may_not_create_one_here(cast, defaults):
    from .factories import member

    other_head = member("head.y", cast.other_school, Profile.DIR)
    with pytest.raises(PermissionDenied):
        create_external_account(
            actor=other_head,
            school=cast.school,
            first_name="Jeanne",
            last_name="Tutrice",
            email="",
            valid_until=timezone.localdate() + timedelta(days=5),
        )


@pytest.mark.parametrize(
    ("days", "field_error"),
    [(-1, "past"), (367, "too_far"), (None, "required")],
)
def test_the_validity_date_is_required_future_and_within_a_year(
    client, cast, defaults, days, field_error
):
    client.force_login(cast.head)
    day = timezone.localdate() + timedelta(days=days) if days is not None else None
    data = _tutor_form(timezone.localdate(), valid_until=day.isoformat() if day else "")
    response = client.post(page("external-create", cast.school), data)
    assert response.status_code == 422
    assert response.context["form"].has_error("valid_until")
    assert not User.objects.filter(last_name="Martin-Lefèvre").exists()
    if day is not None:
        with pytest.raises(ValidationError):
            create_external_account(
                actor=cast.head,
                school=cast.school,
                first_name="Jeanne",
                last_name="Tutrice",
                email="",
                valid_until=day,
            )


def test_today_is_a_valid_last_day_and_a_name_is_required(cast, defaults):
    person, code = create_external_account(
        actor=cast.head,
        school=cast.school,
        first_name="Jeanne",
        last_name="Tutrice",
        email="",
        valid_until=timezone.localdate(),
    )
    assert person.valid_until is not None
    assert person.valid_until > timezone.now()
    assert len(code) == 14
    with pytest.raises(ValidationError):
        create_external_account(
            actor=cast.head,
            school=cast.school,
            first_name=" ",
            last_name="Tutrice",
            email="",
            valid_until=timezone.localdate(),
        )


def test_two_tutors_of_the_same_name_get_two_logins(cast, defaults):
    day = timezone.localdate() + timedelta(days=3)
    arguments = {"school": cast.school, "first_name": "Léa", "last_name": "Petit", "email": ""}
    first, _code = create_external_account(actor=cast.head, valid_until=day, **arguments)
    # Léa Petit the pupil already holds lea.petit.
    assert first.login == "lea.petit2"
    second, _code = create_external_account(actor=None, valid_until=day, **arguments)
    assert second.login == "lea.petit3"


def test_the_head_extends_shortens_and_ends_an_external_account(client, cast, defaults):
    tutor, _code = create_external_account(
        actor=cast.head,
        school=cast.school,
        first_name="Jeanne",
        last_name="Tutrice",
        email="",
        valid_until=timezone.localdate() + timedelta(days=30),
    )
    client.force_login(cast.head)
    listing = client.get(page("externals", cast.school))
    assert listing.context["rows"][0].last_day == timezone.localdate() + timedelta(days=30)
    longer = timezone.localdate() + timedelta(days=60)
    response = client.post(
        page("external-validity", cast.school, uuid=tutor.uuid), {"valid_until": longer}
    )
    assert response.status_code == 302
    tutor.refresh_from_db()
    assert tutor.valid_until == end_of_day(longer)
    assert Membership.objects.get(person=tutor).ends_on == longer + timedelta(days=1)
    response = client.post(
        page("external-validity", cast.school, uuid=tutor.uuid), {"valid_until": "2001-01-01"}
    )
    assert response.status_code == 302
    tutor.refresh_from_db()
    assert tutor.valid_until == end_of_day(longer)
    response = client.post(page("external-end", cast.school, uuid=tutor.uuid))
    assert response.status_code == 302
    tutor.refresh_from_db()
    assert tutor.valid_until <= timezone.now()
    assert not Membership.objects.current().filter(person=tutor).exists()
    actions = list(
        AuditEvent.objects.filter(target_id=str(tutor.pk), action__startswith="backoffice.")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == [
        "backoffice.external_account.create",
        "backoffice.external_account.validity",
        "backoffice.external_account.end",
    ]
    listing = client.get(page("externals", cast.school))
    assert listing.context["rows"][0].is_expired


def test_a_school_administrator_may_not_change_the_validity(client, cast, defaults):
    tutor, _code = create_external_account(
        actor=cast.head,
        school=cast.school,
        first_name="Jeanne",
        last_name="Tutrice",
        email="",
        valid_until=timezone.localdate() + timedelta(days=30),
    )
    client.force_login(cast.school_admin)
    later = timezone.localdate() + timedelta(days=90)
    url = page("external-validity", cast.school, uuid=tutor.uuid)
    assert client.post(url, {"valid_until": later}).status_code == 403
    assert client.post(page("external-end", cast.school, uuid=tutor.uuid)).status_code == 403
    tutor.refresh_from_db()
    assert tutor.valid_until == end_of_day(timezone.localdate() + timedelta(days=30))
    with pytest.raises(PermissionDenied):
        change_external_validity(
            actor=cast.school_admin, school=cast.school, person=tutor, valid_until=later
        )
    with pytest.raises(PermissionDenied):
        end_external_account(actor=cast.school_admin, school=cast.school, person=tutor)


def test_an_account_of_the_school_that_is_not_external_answers_404(client, cast, defaults):
    client.force_login(cast.head)
    url = page("external-end", cast.school, uuid=cast.teacher.uuid)
    assert client.post(url).status_code == 404


def test_ending_an_account_ends_its_open_sessions(client, cast, defaults):
    tutor, _code = create_external_account(
        actor=None,
        school=cast.school,
        first_name="Jeanne",
        last_name="Tutrice",
        email="",
        valid_until=timezone.localdate() + timedelta(days=30),
    )
    tutor.set_password(NEW_PASSWORD)
    tutor.save()
    tutor_client = client.__class__()
    assert _login(tutor_client, tutor.login).status_code == 302
    assert tutor_client.get(reverse("portal:home")).status_code == 200
    end_external_account(actor=cast.head, school=cast.school, person=tutor)
    response = tutor_client.get(reverse("portal:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("identity:login"))


@pytest.mark.sdet("SOC-SUP-ABO-02", "SOC-SUP-ABO-01")
def test_an_expired_account_is_first_deactivated_then_purged_after_the_retention(cast, defaults):
    last_day = timezone.localdate() + timedelta(days=30)
    tutor, _code = create_external_account(
        actor=cast.head,
        school=cast.school,
        first_name="Jeanne",
        last_name="Tutrice",
        email="jeanne@example.org",
        valid_until=last_day,
    )
    assert deactivate_expired_accounts(actor=None) == 0
    on_d31 = datetime.combine(last_day + timedelta(days=1), time(2), tzinfo=PARIS)
    with time_machine.travel(on_d31, tick=False):
        assert deactivate_expired_accounts(actor=None) == 1
        assert deactivate_expired_accounts(actor=None) == 0
        tutor.refresh_from_db()
        assert not tutor.is_active
        assert tutor.deactivated_at is not None
        # Deactivated for a while, not deleted: the personal data is still there.
        assert (tutor.last_name, tutor.email) == ("Tutrice", "jeanne@example.org")
        assert purge_departed_accounts(actor=None) == 0
    after = on_d31 + timedelta(days=settings.ENT_PURGE_AFTER_DAYS + 1)
    with time_machine.travel(after, tick=False):
        assert purge_departed_accounts(actor=None) == 1
    tutor.refresh_from_db()
    assert tutor.last_name == ""
    assert tutor.email == ""
    assert tutor.purged_at is not None


def test_the_expiry_job_runs_as_a_command(cast, defaults):
    from io import StringIO

    from django.core.management import call_command

    tutor, _code = create_external_account(
        actor=cast.head,
        school=cast.school,
        first_name="Jeanne",
        last_name="Tutrice",
        email="",
        valid_until=timezone.localdate(),
    )
    out = StringIO()
    assert tutor.valid_until is not None
    with time_machine.travel(tutor.valid_until + timedelta(minutes=1), tick=False):
        call_command("backoffice", "expire-accounts", stdout=out)
    assert out.getvalue().startswith("1 ")
    tutor.refresh_from_db()
    assert tutor.deactivated_at is not None


def test_the_list_of_external_accounts_costs_the_same_whatever_its_length(
    client, cast, defaults, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def add(count: int) -> None:
        for number in range(count):
            create_external_account(
                actor=None,
                school=cast.school,
                first_name="Tuteur",
                last_name=f"Numéro {number} {User.objects.count()}",
                email="",
                valid_until=timezone.localdate() + timedelta(days=number + 1),
                note="Partenaire",
            )

    client.force_login(cast.head)
    add(2)
    client.get(page("externals", cast.school))
    with CaptureQueriesContext(connection) as first:
        assert len(client.get(page("externals", cast.school)).context["rows"]) == 2
    add(5)
    with django_assert_num_queries(len(first.captured_queries)):
        assert len(client.get(page("externals", cast.school)).context["rows"]) == 7


def test_a_missing_validity_date_is_refused_by_the_action_too():
    from ent.backoffice.actions import check_validity_date

    with pytest.raises(ValidationError):
        check_validity_date(None)
