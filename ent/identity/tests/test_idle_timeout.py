"""Idle timeout (SOC-SEC-IAU-05): per profile and per channel, the shortest for several
profiles, the login page with the page asked and a message, and no session write per request."""

from __future__ import annotations

import html
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest
import time_machine
from django.conf import settings as django_settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from ent.audit.models import AuditEvent
from ent.directory.models import Membership, Profile, Source
from ent.identity.middleware import idle_minutes
from ent.identity.models import Channel, Method, UserSession
from ent.identity.session import start_session
from ent.settings import _idle_timeouts

HOME = reverse("portal:home")
LOGIN = reverse("identity:login")
MOMENT = datetime(2026, 3, 9, 8, 0, tzinfo=UTC)
pytestmark = pytest.mark.sdet("SOC-SEC-IAU-05")


def open_session(client, person, channel=Channel.WEB):
    """Sign `person` in through the session contract, on `channel`, into the test client."""
    request = RequestFactory().get("/")
    request.session = SessionStore()
    request.user = AnonymousUser()
    start_session(request, person, method=Method.PASSWORD, level=1, channel=channel)
    client.cookies[django_settings.SESSION_COOKIE_NAME] = request.session.session_key


@pytest.fixture
def timeouts(settings):
    # The test values of the SDET scenario: teachers 15 minutes, pupils 30.
    settings.ENT_IDLE_TIMEOUT_MINUTES = 30
    settings.ENT_IDLE_TIMEOUTS = {"web:ENS": 15, "web:ELV": 30, "mobile:*": 10080}


def test_a_teacher_idle_for_more_than_15_minutes_signs_in_again_and_comes_back(
    client, cast, timeouts
):
    with time_machine.travel(MOMENT, tick=False) as clock:
        open_session(client, cast.teacher)
        assert client.get(HOME).status_code == 200
        clock.shift(timedelta(minutes=17))
        response = client.get(f"{HOME}?tab=2")
    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?next={quote(HOME + '?tab=2', safe='')}"
    tracked = UserSession.objects.get(person=cast.teacher)
    assert tracked.end_reason == "idle"
    assert AuditEvent.objects.get(action="identity.session.end").data == {"reason": "idle"}
    login_page = html.unescape(client.get(response["Location"]).content.decode())
    with translation.override("fr"):
        message = gettext(
            "You were signed out after %(minutes)d minutes without activity. "
            "Sign in again to go on."
        ) % {"minutes": 15}
    assert message in login_page
    assert client.get(HOME).status_code == 302


def test_a_pupil_idle_for_20_minutes_is_still_signed_in(client, cast, timeouts):
    with time_machine.travel(MOMENT, tick=False) as clock:
        open_session(client, cast.pupil)
        assert client.get(HOME).status_code == 200
        clock.shift(timedelta(minutes=20))
        assert client.get(HOME).status_code == 200
        clock.shift(timedelta(minutes=32))
        assert client.get(HOME).status_code == 302


def test_activity_keeps_a_session_alive_well_past_its_timeout(client, cast, timeouts):
    with time_machine.travel(MOMENT, tick=False) as clock:
        open_session(client, cast.teacher)
        for _ in range(12):
            clock.shift(timedelta(minutes=10))
            assert client.get(HOME).status_code == 200


def test_a_session_never_ends_before_its_timeout_even_between_two_writes(client, cast, timeouts):
    with time_machine.travel(MOMENT, tick=False) as clock:
        open_session(client, cast.teacher)
        assert client.get(HOME).status_code == 200
        # Active 59 s later: not written (under a minute), but the activity counts all the same.
        clock.shift(timedelta(seconds=59))
        assert client.get(HOME).status_code == 200
        clock.shift(timedelta(minutes=15))
        assert client.get(HOME).status_code == 200
        clock.shift(timedelta(minutes=16, seconds=2))
        assert client.get(HOME).status_code == 302


def test_a_person_with_several_profiles_gets_the_shortest_timeout(cast, settings):
    settings.ENT_IDLE_TIMEOUT_MINUTES = 45
    settings.ENT_IDLE_TIMEOUTS = {"web:ENS": 60, "web:DIR": 15}
    assert idle_minutes(cast.teacher, Channel.WEB) == 60
    assert idle_minutes(cast.pupil, Channel.WEB) == 45
    Membership.objects.create(
        person=cast.teacher, school=cast.school, profile=Profile.DIR, source=Source.MANUAL
    )
    assert idle_minutes(cast.teacher, Channel.WEB) == 15
    settings.ENT_IDLE_TIMEOUTS = {"web:ENS": 60, "web:ELV": 20}
    Membership.objects.create(
        person=cast.teacher, school=cast.school, profile=Profile.ELV, source=Source.MANUAL
    )
    # DIR now falls back to the default (45), ELV has 20, ENS 60: the shortest wins.
    assert idle_minutes(cast.teacher, Channel.WEB) == 20


def test_the_mobile_app_has_its_own_timeout(client, cast, timeouts):
    assert idle_minutes(cast.teacher, Channel.MOBILE) == 10080
    with time_machine.travel(MOMENT, tick=False) as clock:
        open_session(client, cast.teacher, channel=Channel.MOBILE)
        assert client.get(HOME).status_code == 200
        clock.shift(timedelta(days=6))
        assert client.get(HOME).status_code == 200
        clock.shift(timedelta(days=7, minutes=2))
        assert client.get(HOME).status_code == 302


def test_requests_within_a_minute_do_not_rewrite_the_session(client, cast, timeouts):
    with time_machine.travel(MOMENT, tick=False) as clock:
        open_session(client, cast.pupil)
        client.get(HOME)
        key = client.session.session_key
        written = Session.objects.get(session_key=key).session_data
        for _ in range(5):
            clock.shift(timedelta(seconds=10))
            assert client.get(HOME).status_code == 200
        assert Session.objects.get(session_key=key).session_data == written
        clock.shift(timedelta(seconds=15))
        client.get(HOME)
        assert Session.objects.get(session_key=key).session_data != written


def test_the_login_page_itself_is_shown_after_an_idle_end_without_redirecting(
    client, cast, timeouts
):
    with time_machine.travel(MOMENT, tick=False) as clock:
        open_session(client, cast.pupil)
        client.get(HOME)
        clock.shift(timedelta(hours=2))
        response = client.get(LOGIN)
    assert response.status_code == 200
    assert 'name="password"' in response.content.decode()
    assert UserSession.objects.get(person=cast.pupil).end_reason == "idle"


def test_a_bad_idle_timeouts_setting_stops_the_start_up():
    assert _idle_timeouts("web:elv=60, mobile:*=10080") == {"web:ELV": 60, "mobile:*": 10080}
    for bad in ("web=60", "tv:ELV=5", "web:ELV=soon", "web:=5"):
        with pytest.raises(ImproperlyConfigured):
            _idle_timeouts(bad)
