"""The SMS gateways: a file outbox, a log that hides the number, an HTTP operator."""

from __future__ import annotations

import logging

import pytest
import requests
from django.core.exceptions import ImproperlyConfigured

from ent.notifications import sms
from ent.notifications.channels import sms_text

from .conftest import read_outbox


def test_the_file_gateway_appends_json_lines(sms_outbox):
    sms.gateway().send(phone="0612345678", text="Cantine fermée", reference="1")
    sms.gateway().send(phone="0698765432", text="Bus", reference="2")
    messages = read_outbox(sms_outbox)
    assert [(m["to"], m["text"], m["reference"]) for m in messages] == [
        ("0612345678", "Cantine fermée", "1"),
        ("0698765432", "Bus", "2"),
    ]
    assert sms_outbox.stat().st_mode & 0o777 == 0o600


def test_the_console_gateway_shows_only_the_last_two_digits(settings, caplog):
    settings.ENT_SMS_BACKEND = "console"
    with caplog.at_level(logging.INFO, logger="ent.notifications.sms"):
        sms.gateway().send(phone="06 12 34 56 78", text="Cantine fermée", reference="7")
    assert "********78" in caplog.text
    assert "12 34" not in caplog.text
    assert "0612" not in caplog.text
    assert "Cantine fermée" in caplog.text


def test_the_http_gateway_posts_json_with_the_bearer_token(settings, monkeypatch):
    settings.ENT_SMS_BACKEND = "http"
    settings.ENT_SMS_URL = "https://sms.example.test/send"
    settings.ENT_SMS_TOKEN = "t0ken"
    seen: dict[str, object] = {}

    class Response:
        def raise_for_status(self) -> None:
            raise requests.HTTPError("503 Server Error")

    def post(url, **kwargs):
        seen.update(kwargs, url=url)
        return Response()

    monkeypatch.setattr("ent.notifications.sms.requests.post", post)
    with pytest.raises(sms.SmsError, match="503"):
        sms.gateway().send(phone="0612345678", text="x", reference="9")
    assert seen["json"] == {"to": "0612345678", "text": "x", "reference": "9"}
    assert seen["headers"] == {"Authorization": "Bearer t0ken"}
    assert seen["timeout"] == sms.TIMEOUT_SECONDS


def test_a_gateway_is_pluggable_and_misconfiguration_is_explicit(settings):
    settings.ENT_SMS_BACKEND = "ent.notifications.sms.ConsoleGateway"
    assert isinstance(sms.gateway(), sms.ConsoleGateway)
    settings.ENT_SMS_BACKEND = "carrier-pigeon"
    with pytest.raises(ImproperlyConfigured):
        sms.gateway()
    settings.ENT_SMS_BACKEND = "http"
    settings.ENT_SMS_URL = ""
    with pytest.raises(ImproperlyConfigured):
        sms.gateway().send(phone="1", text="x", reference="1")


def test_an_sms_fits_two_messages_and_keeps_its_link():
    text = sms_text(title="Alerte", body="mot " * 200, link="https://ent.test/notifications/")
    assert len(text) <= 306
    assert text.endswith(" https://ent.test/notifications/")
