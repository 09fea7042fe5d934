"""The gate of every service (SOC-SEC-AUT-01): `service_required` and `ServiceAuth`."""

from __future__ import annotations

import pytest

from ent.rights.actions import grant_service, revoke_grant
from ent.rights.testing import ungated_views

from .factories import LESSON_LOG

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.urls("ent.rights.tests.urls"),
    pytest.mark.sdet("SOC-SEC-AUT-01"),
]


def test_a_gated_view_redirects_strangers_refuses_the_ungranted_and_serves_the_granted(
    client, world
):
    cast = world.cast
    assert client.get("/log").status_code == 302
    client.force_login(cast.outsider)
    assert client.get("/log").status_code == 200  # a teacher of Y
    client.force_login(cast.school_admin)
    assert client.get("/log").status_code == 403
    grant = grant_service(actor=None, service=LESSON_LOG, person=cast.school_admin)
    assert client.get("/log").status_code == 200  # the next request, without a new login
    revoke_grant(actor=None, grant=grant)
    assert client.get("/log").status_code == 403


def test_a_view_about_a_school_checks_the_right_in_that_school(client, world):
    cast = world.cast
    client.force_login(cast.teacher)
    assert client.get(f"/schools/{cast.school.pk}/log").status_code == 200
    # A parent in Y reads the log there but the view needs USE.
    assert client.get(f"/schools/{cast.other_school.pk}/log").status_code == 403


def test_the_gate_costs_one_rights_computation_per_request(client, world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(world.cast.teacher)
    client.get("/exempt")  # the first request after login writes the session
    with CaptureQueriesContext(connection) as exempt:
        assert client.get("/exempt").status_code == 200
    with CaptureQueriesContext(connection) as gated:
        assert client.get("/log").status_code == 200
    assert len(gated) - len(exempt) == 5


def test_the_api_answers_401_without_a_session_403_without_a_grant_and_200_with(client, world):
    cast = world.cast
    response = client.get("/api/log/me")
    assert response.status_code == 401
    client.force_login(cast.school_admin)
    assert client.get("/api/log/me").status_code == 403
    client.force_login(cast.pupil)
    response = client.get("/api/log/me")
    assert response.status_code == 200
    assert response.json() == {"login": "lea.petit"}


def test_a_view_of_a_service_app_that_is_neither_public_nor_gated_is_found(db):
    assert ungated_views("ent.rights.tests.urls", modules=("ent.rights.tests.",)) == ["forgotten"]


@pytest.mark.urls("ent.urls")
def test_every_view_of_the_apps_that_declare_a_service_is_public_or_gated(db):
    assert ungated_views() == []
