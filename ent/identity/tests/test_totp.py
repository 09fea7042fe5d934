"""One-time codes (RFC 6238): the algorithm against the RFC's vectors, the clock tolerance, no
code twice, secrets encrypted at rest, enrolment, and the code required of heads and operators."""

from __future__ import annotations

import html
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from ent.audit.models import AuditEvent
from ent.directory.models import User
from ent.identity.actions import check_code, remove_totp_device, start_totp_enrolment
from ent.identity.models import Method, TotpDevice, UserSession
from ent.identity.totp import (
    UnreadableSecretError,
    base32,
    decrypt_secret,
    encrypt_secret,
    matching_step,
    provisioning_uri,
    requires_totp,
    totp,
)

PASSWORD = "secret-Passw0rd!"
LOGIN = reverse("identity:login")
ENROL = reverse("identity:totp")
CODE = reverse("identity:code")
# RFC 6238 Appendix B: the SHA-1 seed and the expected 8-digit codes.
RFC_SEED = b"12345678901234567890"
RFC_VECTORS = [
    (59, "94287082"),
    (1111111109, "07081804"),
    (1111111111, "14050471"),
    (1234567890, "89005924"),
    (2000000000, "69279037"),
    (20000000000, "65353130"),
]
MOMENT = datetime(2026, 3, 9, 8, 0, 10, tzinfo=UTC)


def page(response) -> str:
    return html.unescape(response.content.decode())


def french(msgid: str) -> str:
    with translation.override("fr"):
        return gettext(msgid)


def code_now(secret: bytes, shift: int = 0) -> str:
    return totp(secret, timezone.now().timestamp() + shift)


def enrolled(person) -> bytes:
    device = start_totp_enrolment(actor=person)
    TotpDevice.objects.filter(pk=device.pk).update(confirmed_at=timezone.now())
    return decrypt_secret(device.secret)


def sign_in(client, person, url=LOGIN):
    return client.post(url, {"username": person.login, "password": PASSWORD})


@pytest.mark.parametrize(("at", "expected"), RFC_VECTORS)
def test_codes_match_the_rfc_6238_sha1_test_vectors(at, expected):
    assert totp(RFC_SEED, at, digits=8) == expected


@pytest.mark.parametrize(("at", "expected"), RFC_VECTORS)
def test_codes_match_the_rfc_vectors_when_the_clock_is_moved(at, expected):
    with time_machine.travel(datetime.fromtimestamp(at, tz=UTC), tick=False):
        assert totp(RFC_SEED, timezone.now().timestamp(), digits=8) == expected
        # The six-digit code is the last six digits of the eight-digit one (RFC 4226 §5.3).
        assert totp(RFC_SEED, timezone.now().timestamp()) == expected[-6:]


def test_a_code_of_the_step_before_or_after_is_accepted_but_not_two_steps_away():
    at = MOMENT.timestamp()
    step = int(at // 30)
    for shift, expected in ((-30, step - 1), (0, step), (30, step + 1)):
        assert matching_step(RFC_SEED, totp(RFC_SEED, at + shift), at) == expected
    assert matching_step(RFC_SEED, totp(RFC_SEED, at - 60), at) is None
    assert matching_step(RFC_SEED, totp(RFC_SEED, at + 60), at) is None
    assert matching_step(RFC_SEED, "12345", at) is None
    assert matching_step(RFC_SEED, "abcdef", at) is None


def test_a_phone_whose_clock_is_30_seconds_late_still_signs_in(cast):
    with time_machine.travel(MOMENT, tick=False):
        secret = enrolled(cast.pupil)
        late = code_now(secret, -30)
        assert check_code(person=cast.pupil, code=late, address=None).ok
    with time_machine.travel(MOMENT + timedelta(minutes=5), tick=False):
        assert not check_code(person=cast.pupil, code=code_now(secret, -90), address=None).ok


def test_the_same_code_is_never_accepted_twice(cast):
    with time_machine.travel(MOMENT, tick=False):
        secret = enrolled(cast.pupil)
        code = code_now(secret)
        assert check_code(person=cast.pupil, code=code, address=None).ok
        again = check_code(person=cast.pupil, code=code, address=None)
        assert not again.ok
        # A code of an earlier step than the one used is refused as well.
        assert not check_code(person=cast.pupil, code=code_now(secret, -30), address=None).ok
    with time_machine.travel(MOMENT + timedelta(seconds=30), tick=False):
        assert check_code(person=cast.pupil, code=code_now(secret), address=None).ok
    reasons = list(
        AuditEvent.objects.filter(action="identity.login.fail").values_list("data", flat=True)
    )
    assert [reason["reason"] for reason in reasons] == ["reused_code", "reused_code"]


@pytest.mark.sdet("SOC-SEC-IAU-08")
def test_the_secret_is_stored_encrypted_with_a_key_derived_from_secret_key(cast, settings):
    device = start_totp_enrolment(actor=cast.pupil)
    secret = decrypt_secret(device.secret)
    assert len(secret) == 20
    assert base32(secret) not in device.secret
    assert secret.hex() not in device.secret
    old_key = settings.SECRET_KEY
    settings.SECRET_KEY = "another-secret-key-for-this-test-only-0000000000000000"
    with pytest.raises(UnreadableSecretError):
        decrypt_secret(device.secret)
    settings.SECRET_KEY_FALLBACKS = [old_key]
    assert decrypt_secret(device.secret) == secret
    assert decrypt_secret(encrypt_secret(secret)) == secret


def test_the_provisioning_uri_follows_the_key_uri_format(settings):
    settings.ENT_PROJECT_NAME = "ENT"
    settings.ENT_ACADEMY = "Rennes"
    uri = provisioning_uri(RFC_SEED, account="lea.petit", issuer="ENT Rennes")
    parts = urlsplit(uri)
    assert (parts.scheme, parts.netloc) == ("otpauth", "totp")
    assert unquote(parts.path) == "/ENT Rennes:lea.petit"
    assert parse_qs(parts.query) == {
        "secret": ["GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"],
        "issuer": ["ENT Rennes"],
        "algorithm": ["SHA1"],
        "digits": ["6"],
        "period": ["30"],
    }


@pytest.mark.sdet("SOC-SEC-IAU-03", "SOC-SEC-IAU-11")
def test_heads_of_school_and_operators_need_a_code_by_default(cast, settings):
    assert requires_totp(cast.head)
    assert not requires_totp(cast.pupil)
    assert not requires_totp(cast.teacher)
    cast.teacher.is_staff = True
    assert requires_totp(cast.teacher)
    settings.ENT_TOTP_REQUIRED_FOR_OPERATORS = False
    assert not requires_totp(cast.teacher)
    settings.ENT_TOTP_REQUIRED_PROFILES = []
    assert not requires_totp(cast.head)
    settings.ENT_TOTP_REQUIRED_PROFILES = ["ENS"]
    assert requires_totp(cast.teacher)


@pytest.mark.sdet("SOC-SEC-IAU-03", "SOC-SEC-IAU-11", "SOC-SEC-APS-03")
def test_a_head_without_a_generator_enrols_after_the_password_then_goes_on(client, cast):
    response = sign_in(client, cast.head, url=f"{LOGIN}?next=/cas/login")
    assert response["Location"] == f"{ENROL}?next=%2Fcas%2Flogin"
    assert "_auth_user_id" not in client.session, "not signed in before the code"
    assert client.get(reverse("portal:home")).status_code == 302
    enrolment = client.get(response["Location"])
    text = page(enrolment)
    assert enrolment.status_code == 200
    assert '<svg role="img"' in text
    assert f"<title>{french('QR code to scan with your authenticator app')}</title>" in text
    secret = decrypt_secret(TotpDevice.objects.get(person=cast.head).secret)
    grouped = " ".join(base32(secret)[i : i + 4] for i in range(0, 32, 4))
    assert grouped in text
    wrong = client.post(response["Location"], {"code": "000000"})
    assert french("This code is not valid. Type the code your app shows now.") in page(wrong)
    done = client.post(response["Location"], {"code": code_now(secret)})
    assert done["Location"] == "/cas/login"
    tracked = UserSession.objects.get(person=cast.head)
    assert (tracked.method, tracked.level) == (Method.TOTP, 2)
    assert TotpDevice.objects.get(person=cast.head).confirmed_at is not None
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"identity.totp.begin", "identity.totp.confirm", "identity.session.start"} <= actions


@pytest.mark.sdet("SOC-SEC-IAU-11")
def test_an_enrolled_head_gives_a_code_after_the_password(client, cast):
    with time_machine.travel(MOMENT, tick=False):
        secret = enrolled(cast.head)
        response = sign_in(client, cast.head)
        assert response["Location"] == CODE
        assert "_auth_user_id" not in client.session
        wrong = client.post(CODE, {"code": "123456"})
        assert wrong.status_code == 200
        assert "_auth_user_id" not in client.session
        response = client.post(CODE, {"code": code_now(secret)})
    assert response["Location"] == reverse("portal:home")
    assert UserSession.objects.get(person=cast.head).level == 2


def test_the_step_between_password_and_code_expires_after_five_minutes(client, cast):
    with time_machine.travel(MOMENT, tick=False) as clock:
        secret = enrolled(cast.head)
        sign_in(client, cast.head)
        clock.shift(timedelta(minutes=6))
        response = client.post(CODE, {"code": code_now(secret)})
    assert response["Location"] == LOGIN
    assert not UserSession.objects.exists()


def test_an_enrolled_person_cannot_replace_their_generator_with_only_a_password(client, cast):
    enrolled(cast.head)
    sign_in(client, cast.head)
    response = client.get(ENROL)
    assert response.status_code == 200
    assert "<svg" not in page(response)
    assert TotpDevice.objects.filter(person=cast.head).count() == 1
    assert "_auth_user_id" not in client.session


def test_a_signed_in_pupil_may_enrol_and_reaches_level_2(client, cast):
    client.post(LOGIN, {"username": cast.pupil.login, "password": PASSWORD})
    enrolment = client.get(f"{ENROL}?next=/x")
    assert enrolment.status_code == 200
    secret = decrypt_secret(TotpDevice.objects.get(person=cast.pupil).secret)
    response = client.post(f"{ENROL}?next=/x", {"code": code_now(secret)})
    assert response["Location"] == "/x"
    assert UserSession.objects.get(person=cast.pupil).level == 2
    assert AuditEvent.objects.filter(action="identity.session.step_up").exists()


def test_the_enrolment_page_sends_an_anonymous_visitor_to_the_login_page(client, db):
    response = client.get(ENROL)
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_a_code_without_any_generator_is_refused(cast):
    assert not check_code(person=cast.pupil, code="123456", address=None).ok


@pytest.mark.sdet("SOC-SEC-APS-03")
def test_an_operator_removes_a_lost_generator_and_its_owner_enrols_again(client, cast):
    enrolled(cast.head)
    with pytest.raises(PermissionDenied):
        remove_totp_device(actor=cast.teacher, person=cast.head)
    operator = User.objects.create_superuser("root.operator", PASSWORD)
    client.force_login(operator)
    device = TotpDevice.objects.get(person=cast.head)
    changelist = reverse("admin:identity_totpdevice_changelist")
    response = client.post(changelist, {"action": "remove", "_selected_action": [device.pk]})
    assert response.status_code == 302
    assert not TotpDevice.objects.filter(person=cast.head).exists()
    assert AuditEvent.objects.get(action="identity.totp.remove").actor == operator
    assert remove_totp_device(actor=None, person=cast.head) is False, "nothing left to remove"
    client.logout()
    assert sign_in(client, cast.head)["Location"] == ENROL
