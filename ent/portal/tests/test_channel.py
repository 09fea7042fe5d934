"""Channels (SOC-POR-GMC): the device is detected, the services follow the channel, a phone may
ask for the classic site, and the ENT answers from any address."""

from __future__ import annotations

import pytest
from django.urls import reverse

from ent.portal.channel import detected_channel
from ent.portal.models import Preference

from .home_factories import catalogue, services_on

__all__ = ["catalogue"]

HOME = reverse("portal:home")
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
)
ANDROID_PHONE = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Mobile Safari/537.36"
)
ANDROID_TABLET = (
    "Mozilla/5.0 (Linux; Android 13; SM-X200) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36"
)
IPAD = (
    "Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/16.6 Mobile/15E148 Safari/604.1"
)
FIREFOX_DESKTOP = "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0"
CHROME_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36"
)


@pytest.mark.sdet("SOC-POR-GMC-01")
@pytest.mark.parametrize(
    ("agent", "channel"),
    [
        (IPHONE, "mobile"),
        (ANDROID_PHONE, "mobile"),
        (ANDROID_TABLET, "mobile"),
        (IPAD, "mobile"),
        (FIREFOX_DESKTOP, "web"),
        (CHROME_WINDOWS, "web"),
        ("", "web"),
    ],
)
def test_the_device_type_is_detected_from_the_user_agent(agent, channel):
    assert detected_channel(agent) == channel


@pytest.mark.sdet("SOC-POR-GMC-01", "SOC-POR-PRE-03")
def test_a_phone_gets_the_compact_launcher_without_the_desktop_only_services(
    client, cast, catalogue
):
    client.force_login(cast.pupil)
    page = client.get(HOME, HTTP_USER_AGENT=IPHONE).content.decode()
    assert 'class="launcher launcher-compact"' in page
    assert "home_news" in services_on(page)
    assert "home_desktop_only" not in services_on(page)
    page = client.get(HOME, HTTP_USER_AGENT=FIREFOX_DESKTOP).content.decode()
    assert 'class="launcher"' in page
    assert "home_desktop_only" in services_on(page)
    # /api/v1/me lists the same services as the launcher of the same device.
    codes = {s["code"] for s in client.get("/api/v1/me", HTTP_USER_AGENT=IPHONE).json()["services"]}
    assert "home_desktop_only" not in codes


@pytest.mark.sdet("SOC-POR-GMC-01")
def test_a_phone_may_switch_to_the_classic_site_and_back(client, cast, catalogue):
    client.force_login(cast.pupil)
    page = client.get(HOME, HTTP_USER_AGENT=IPHONE).content.decode()
    assert 'data-channel="web"' in page  # the "classic site" button
    response = client.post(
        reverse("portal:channel"), {"channel": "web", "next": HOME}, HTTP_USER_AGENT=IPHONE
    )
    assert response.status_code == 302
    assert response["Location"] == HOME
    page = client.get(HOME, HTTP_USER_AGENT=IPHONE).content.decode()
    assert 'class="launcher"' in page
    assert "home_desktop_only" in services_on(page)
    assert 'data-channel="mobile"' in page  # the way back
    client.post(reverse("portal:channel"), {"channel": "mobile"}, HTTP_USER_AGENT=IPHONE)
    page = client.get(HOME, HTTP_USER_AGENT=IPHONE).content.decode()
    assert "launcher-compact" in page
    # Back to the detection.
    client.post(reverse("portal:channel"), {"channel": ""}, HTTP_USER_AGENT=IPHONE)
    assert "launcher-compact" not in client.get(HOME).content.decode()


def test_a_desktop_browser_is_offered_no_channel_switch(client, cast):
    client.force_login(cast.pupil)
    page = client.get(HOME, HTTP_USER_AGENT=FIREFOX_DESKTOP).content.decode()
    assert reverse("portal:channel") not in page


def test_a_person_who_prefers_the_classic_site_gets_it_on_their_phone(client, cast, catalogue):
    Preference.objects.create(person=cast.pupil, prefers_classic_site=True)
    client.force_login(cast.pupil)
    page = client.get(HOME, HTTP_USER_AGENT=ANDROID_PHONE).content.decode()
    assert "launcher-compact" not in page
    assert "home_desktop_only" in services_on(page)


def test_the_channel_switch_works_before_signing_in_and_only_redirects_locally(client, db):
    page = client.get(reverse("portal:privacy"), HTTP_USER_AGENT=IPHONE).content.decode()
    assert reverse("portal:channel") in page
    response = client.post(
        reverse("portal:channel"), {"channel": "web", "next": "https://evil.example/"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get(reverse("portal:channel")).status_code == 405


@pytest.mark.sdet("SOC-POR-GMC-02")
@pytest.mark.parametrize(
    "address", ["10.0.0.12", "192.168.1.20", "203.0.113.7", "198.51.100.200", "2001:db8::42"]
)
def test_the_ent_answers_from_any_address(client, cast, address):
    """School, home, académie or local authority: no address is refused."""
    response = client.post(
        reverse("identity:login"),
        {"username": cast.pupil.login, "password": "secret-Passw0rd!"},
        REMOTE_ADDR=address,
    )
    assert response.status_code == 302
    response = client.get(HOME, REMOTE_ADDR=address)
    assert response.status_code == 200
    assert client.get(reverse("portal:schools"), REMOTE_ADDR=address).status_code == 200
