"""The CAS pages a person may see, in a real browser: axe-core at WCAG 2.1 AA, French."""

from __future__ import annotations

import pytest
from django.conf import settings
from selenium.webdriver.common.by import By

from ent.core.testing.browser import axe_violations, chromium

from .cas_support import add_service, open_session


@pytest.fixture
def browser(tmp_path):
    driver = chromium(tmp_path / "profile")
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


@pytest.mark.django_db(transaction=True)
def test_the_cas_pages_pass_axe_in_french(browser, live_server, cast):
    add_service("App", r"https://app\.example\.org/.*")
    browser.get(live_server.url + "/cas/logout")
    browser.add_cookie({"name": settings.SESSION_COOKIE_NAME, "value": open_session(cast.pupil)})
    pages = [
        "/cas/login",  # signed in, no service: the signed-in page
        "/cas/login?service=https%3A%2F%2Fevil.example.com%2F",  # not authorised
        "/cas/logout",  # signed out
    ]
    for page in pages:
        browser.get(live_server.url + page)
        assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "fr"
        assert browser.find_element(By.TAG_NAME, "h1").text
        assert axe_violations(browser) == [], page
