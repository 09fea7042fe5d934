"""The back-office's pages in a real browser: axe-core at WCAG 2.1 AA, with data on each."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from selenium.webdriver.common.by import By

from ent.audit.actions import count_use
from ent.backoffice.actions import create_external_account
from ent.core.testing.browser import axe_violations, chromium
from ent.rights.actions import delegate_rights, grant_service, install_default_grants
from ent.sso.actions import register_service
from ent.sso.models import Protocol

from .factories import open_session, page

PAGES = (
    "dashboard",
    "externals",
    "grants",
    "delegations",
    "communication",
    "connectors",
    "statistics",
)


@pytest.fixture
def browser(tmp_path):
    driver = chromium(tmp_path / "profile")
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


@pytest.mark.django_db(transaction=True)
def test_every_page_of_the_back_office_passes_axe(browser, live_server, cast, space):
    install_default_grants(actor=None)
    create_external_account(
        actor=cast.head,
        school=cast.school,
        first_name="Jeanne",
        last_name="Tutrice",
        email="",
        valid_until=timezone.localdate() + timedelta(days=30),
        note="Tutrice de stage",
    )
    grant_service(actor=cast.head, service=space, profile="ELV", school=cast.school)
    delegate_rights(
        actor=cast.head,
        delegate=cast.teacher,
        school=cast.school,
        service="school_admin",
        ends_at=timezone.now() + timedelta(days=5),
    )
    register_service(
        actor=None,
        protocol=Protocol.CAS,
        name="Vie scolaire",
        url_pattern=r"https://vs\.example\.org/.*",
        attributes=["profiles", "schools"],
        code="vie_scolaire_axe",
        school=cast.school,
    )
    count_use(service="login", profiles=[(cast.school.pk, "ELV"), (cast.school.pk, "ENS")])
    count_use(service=space, profiles=[(cast.school.pk, "ELV")])

    # A head of school signs in with a one-time code: the browser gets that session's cookie.
    browser.get(live_server.url + "/auth/login")
    browser.add_cookie({"name": settings.SESSION_COOKIE_NAME, "value": open_session(cast.head)})
    for name in PAGES:
        browser.get(live_server.url + page(name, cast.school))
        assert browser.current_url == live_server.url + page(name, cast.school)
        assert browser.find_elements(By.CSS_SELECTOR, "table caption"), name
        assert axe_violations(browser) == [], name
