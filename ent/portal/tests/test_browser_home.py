"""The home page of each profile in a real browser: axe-core at WCAG 2.1 AA, and the keyboard
alone reaches the launcher."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from ent.core.testing.browser import axe_violations, chromium
from ent.rights.tests.factories import build_world

from .home_factories import home_services


@pytest.fixture
def browser(tmp_path):
    driver = chromium(tmp_path / "profile")
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def sign_in(browser, live_server, person) -> None:
    """Open a session for `person` and hand its cookie to the browser."""
    client = Client()
    client.force_login(person)
    browser.get(live_server.url + "/accessibilite/")
    browser.add_cookie(
        {
            "name": settings.SESSION_COOKIE_NAME,
            "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
        }
    )
    browser.get(live_server.url + "/")


def tab_to_first_service(browser, limit: int = 60) -> str:
    """Press Tab from the top of the page until a launcher entry has the focus."""
    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
    for _ in range(limit):
        active = browser.switch_to.active_element
        code = active.get_attribute("data-service")
        if code:
            return str(code)
        active.send_keys(Keys.TAB)
    return ""


@pytest.mark.sdet("SOC-POR-PRE-01")
@pytest.mark.django_db(transaction=True)
def test_each_profiles_home_passes_axe_and_its_launcher_is_reached_by_keyboard(
    browser, live_server, cast
):
    build_world(cast)
    with home_services():
        for person in (cast.pupil, cast.guardian, cast.teacher, cast.head):
            browser.delete_all_cookies()
            sign_in(browser, live_server, person)
            heading = browser.find_element(By.TAG_NAME, "h1").text
            assert heading.endswith(person.display_name), heading
            assert browser.find_elements(By.CSS_SELECTOR, "[data-service]"), person.login
            assert axe_violations(browser) == [], person.login
            code = tab_to_first_service(browser)
            first = browser.find_element(By.CSS_SELECTOR, "[data-service]")
            assert code == first.get_attribute("data-service"), person.login


@pytest.mark.sdet("SOC-POR-PRE-03")
@pytest.mark.django_db(transaction=True)
def test_the_home_on_a_narrow_screen_passes_axe(browser, live_server, cast):
    build_world(cast)
    browser.set_window_size(390, 844)
    with home_services():
        sign_in(browser, live_server, cast.teacher)
        assert axe_violations(browser) == []
        width = browser.execute_script("return document.documentElement.scrollWidth")
        assert width <= 390


@pytest.mark.django_db(transaction=True)
def test_the_public_pages_pass_axe(browser, live_server):
    for path in ("/etablissements/", "/donnees-personnelles/", "/accessibilite/"):
        browser.get(live_server.url + path)
        assert axe_violations(browser) == [], path
