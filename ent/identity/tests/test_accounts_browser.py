"""Account lifecycle pages in a real browser: axe-core at WCAG 2.1 AA on the activation page
(empty and with errors) and on the back-office account page, and activation by keyboard."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.test import Client
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from ent.core.testing.browser import axe_violations, chromium
from ent.identity.lifecycle import issue_activation_codes

from .accounts_support import NEW_PASSWORD, aaf_pupil


@pytest.fixture
def browser(tmp_path):
    driver = chromium(tmp_path / "profile")
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def fill(browser, values: dict[str, str]) -> None:
    for element_id, value in values.items():
        field = browser.find_element(By.ID, element_id)
        field.clear()
        field.send_keys(value)


@pytest.mark.sdet("SOC-SEC-IAU-13")
@pytest.mark.django_db(transaction=True)
def test_the_activation_page_passes_axe_and_activates_from_the_keyboard(browser, live_server, cast):
    hugo = aaf_pupil(cast, "hugo.martin", "Hugo", "Martin")
    [(_hugo, code)] = issue_activation_codes(actor=cast.school_admin, people=[hugo])
    browser.get(live_server.url + "/auth/activate")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "fr"
    assert axe_violations(browser) == []
    fields = {
        "id_login": "hugo.martin",
        "id_code": "ZZZZ-ZZZZ-ZZZZ",
        "id_password": NEW_PASSWORD,
        "id_password_again": NEW_PASSWORD,
    }
    fill(browser, fields)
    browser.find_element(By.ID, "id_charter").send_keys(Keys.SPACE)
    browser.find_element(By.ID, "id_password_again").send_keys(Keys.ENTER)
    WebDriverWait(browser, 10).until(
        expected_conditions.presence_of_element_located((By.CSS_SELECTOR, "[role=alert]"))
    )
    assert axe_violations(browser) == [], "the page with its errors is accessible too"
    fill(browser, {**fields, "id_code": code})
    if not browser.find_element(By.ID, "id_charter").is_selected():
        browser.find_element(By.ID, "id_charter").send_keys(Keys.SPACE)
    browser.find_element(By.ID, "id_code").send_keys(Keys.ENTER)
    WebDriverWait(browser, 10).until(lambda driver: "/auth/" not in driver.current_url)
    assert urlsplit(browser.current_url).path == "/"
    assert "Hugo Martin" in browser.find_element(By.TAG_NAME, "h1").text
    hugo.refresh_from_db()
    assert hugo.activated_at is not None
    assert hugo.check_password(NEW_PASSWORD)


@pytest.mark.sdet("SOC-SEC-IAU-13")
@pytest.mark.django_db(transaction=True)
def test_the_back_office_pages_pass_axe(browser, live_server, cast):
    client = Client()
    client.force_login(cast.head)
    browser.get(live_server.url + "/auth/password/forgotten")
    browser.add_cookie(
        {"name": settings.SESSION_COOKIE_NAME, "value": client.cookies["sessionid"].value}
    )
    for path in (
        f"/auth/accounts/{cast.pupil.uuid}/",
        "/auth/accounts/",
        "/auth/accounts/classes/",
    ):
        browser.get(live_server.url + path)
        assert browser.find_element(By.TAG_NAME, "h1").text, path
        assert axe_violations(browser) == [], path
    browser.get(live_server.url + f"/auth/accounts/{cast.pupil.uuid}/")
    browser.find_element(By.ID, "id_suspend-reason").send_keys("perte", Keys.ENTER)
    WebDriverWait(browser, 10).until(
        expected_conditions.presence_of_element_located((By.CLASS_NAME, "messages"))
    )
    assert axe_violations(browser) == [], "the page after an operation"
    cast.pupil.refresh_from_db()
    assert cast.pupil.suspended_at is not None
