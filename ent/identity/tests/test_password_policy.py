"""The password policy (CNIL délibération 2022-100), argon2id hashing, and passwords kept out of
every log, audit event and failure record."""

from __future__ import annotations

import logging
import math

import pytest
from django.contrib.auth.password_validation import password_validators_help_texts
from django.contrib.auth.password_validation import validate_password as django_validate
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import override_settings
from django.urls import reverse
from django.utils import translation

import ent.settings
from ent.audit.models import AuditEvent
from ent.identity.models import LoginFailure
from ent.identity.validators import EntropyValidator, entropy_bits

ARGON2 = "django.contrib.auth.hashers.Argon2PasswordHasher"
pytestmark = pytest.mark.sdet("SOC-SEC-IAU-08")


def validate(password: str, user=None) -> list[str]:
    """Return the policy's messages for `password`, in French (empty when accepted)."""
    with translation.override("fr"):
        try:
            django_validate(password, user)
        except ValidationError as error:
            return [str(message) for message in error.messages]
    return []


@pytest.mark.parametrize(
    ("password", "pool"),
    [("0123456789", 10), ("abcdefgh", 26), ("abcDEF", 52), ("abc123", 36), ("a1B!", 95)],
)
def test_entropy_is_length_times_log2_of_the_pool_of_kinds_used(password, pool):
    assert entropy_bits(password) == pytest.approx(len(password) * math.log2(pool))


def test_non_ascii_characters_count_in_the_symbols_pool():
    assert entropy_bits("é") == pytest.approx(math.log2(33))
    assert entropy_bits("") == 0


def test_the_default_minimum_is_80_bits(db):
    # 13 characters of all four kinds reach 85.4 bits; 12 only reach 78.8.
    assert validate("q7#Lm2@vX9!kR") == []
    messages = validate("q7#Lm2@vX9!k")
    assert len(messages) == 1
    assert "78" in messages[0]
    assert "80" in messages[0]


def test_a_long_lower_case_passphrase_is_accepted_but_a_short_one_is_told_how_much_to_add(db):
    assert validate("chevaux violets sous la pluie") == []
    messages = validate("chevauxviolets")
    assert len(messages) == 1
    # 14 lower-case letters make 65.8 bits: 4 more letters reach 80.
    assert " 4 " in messages[0]


def test_the_message_names_the_kinds_of_characters_not_used(db):
    with translation.override("en"):
        message = str(EntropyValidator(min_bits=80).get_help_text())
        assert "13 characters" in message
        assert "18 lower-case letters" in message
        with pytest.raises(ValidationError) as raised:
            EntropyValidator(min_bits=80).validate("short")
    text = raised.value.messages[0]
    assert "Add at least 13 more characters." in text
    assert "capital letters, digits, symbols" in text


def test_the_minimum_follows_the_setting(db, settings):
    settings.ENT_PASSWORD_MIN_BITS = 50
    assert validate("q7#Lm2@v") == []
    assert validate("q7#Lm2") != []


def test_common_passwords_are_refused_even_when_long_enough(db, settings):
    settings.ENT_PASSWORD_MIN_BITS = 40
    assert validate("password1234") != []
    assert validate("azertyuiop") != []


def test_a_password_containing_the_login_or_a_name_is_refused(cast):
    for password in ("Xk9!lea.petit#2026", "Zq7@Petit-Zq7@Petit", "w!3Kleapetit0RRR"):
        assert validate(password, cast.pupil) != [], password
    assert validate("Zq7@Brume-Zq7@Brume", cast.pupil) == []
    with translation.override("en"):
        assert any("login" in text for text in password_validators_help_texts())


@pytest.mark.sdet("SOC-SEC-IAU-09")
def test_production_hashing_is_argon2id_and_tests_only_speed_it_up(cast):
    assert ent.settings.PASSWORD_HASHERS == [ARGON2]
    with override_settings(PASSWORD_HASHERS=[ARGON2]):
        cast.pupil.set_password("Zq7@Brume-Zq7@Brume")
        cast.pupil.save()
        cast.pupil.refresh_from_db()
        assert cast.pupil.password.startswith("argon2$argon2id$")
        assert cast.pupil.check_password("Zq7@Brume-Zq7@Brume")


@pytest.mark.sdet("SOC-SEC-IAU-06", "SOC-SEC-IAU-07", "SOC-SEC-IAU-09", "SOC-SEC-APS-03")
def test_a_password_never_reaches_a_log_the_audit_trail_or_a_failure_record(
    client, cast, caplog, settings
):
    settings.ENT_SECURITY_ALERT_EMAILS = ["rssi@ac-demo.fr"]
    for name in ("", "django", "django.request", "django.security", "django.db.backends"):
        caplog.set_level(logging.DEBUG, logger=name)
    real = "secret-Passw0rd!"
    typo = "secret-Passw0rd?-typo"
    login = reverse("identity:login")
    connection.force_debug_cursor = True
    try:
        for _ in range(6):
            client.post(login, {"username": cast.pupil.login, "password": typo})
        client.post(login, {"username": cast.teacher.login, "password": typo})
        response = client.post(login, {"username": cast.teacher.login, "password": real})
    finally:
        connection.force_debug_cursor = False
    assert response.status_code == 302
    assert any(record.name == "django.db.backends" for record in caplog.records), (
        "SQL statements were logged, and checked too"
    )
    for record in caplog.records:
        text = record.getMessage() + repr(record.args) + repr(record.__dict__)
        assert real not in text
        assert typo not in text
    events = AuditEvent.objects.all()
    assert {"identity.login.fail", "identity.login.lockout", "identity.session.start"} <= {
        event.action for event in events
    }
    for event in events:
        assert real not in repr(event.__dict__)
        assert typo not in repr(event.__dict__)
    for failure in LoginFailure.objects.all():
        assert typo not in repr(failure.__dict__)
    for session in Session.objects.all():
        assert real not in repr(session.get_decoded())
    assert typo not in response.content.decode()
