"""The notification pages in a real browser: axe-core at WCAG 2.1 AA."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from ent.core.testing.browser import axe_violations, chromium

from .factories import alert_for


@pytest.fixture
def browser(tmp_path):
    driver = chromium(tmp_path / "profile")
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def _submit(browser, button) -> None:
    """Click a submit button and wait for the next page."""
    page = browser.find_element(By.TAG_NAME, "html")
    button.click()
    WebDriverWait(browser, 10).until(expected_conditions.staleness_of(page))


def _sign_in(browser, live_server, person) -> None:
    client = Client()
    client.force_login(person)
    browser.get(live_server.url + "/auth/login")
    browser.add_cookie(
        {"name": settings.SESSION_COOKIE_NAME, "value": client.cookies["sessionid"].value}
    )


@pytest.mark.sdet("UTI-UTL-NOT-00")
@pytest.mark.django_db(transaction=True)
def test_the_inbox_settings_and_alert_pages_pass_axe(browser, live_server, cast, grants):
    cast.guardian.phone_mobile = "0612345678"
    cast.guardian.email = "paul@example.test"
    cast.guardian.save(update_fields=["phone_mobile", "email"])
    alert_for(cast.guardian, title="Cantine fermée jeudi", body="Prévoir un pique-nique.")
    alert_for(cast.guardian, title="Réunion parents-professeurs", url="/notifications/")
    _sign_in(browser, live_server, cast.guardian)
    browser.get(live_server.url + "/notifications/")
    items = browser.find_elements(By.CSS_SELECTOR, "li.notification[data-unread='1']")
    assert len(items) == 2
    assert axe_violations(browser) == []
    _submit(browser, items[0].find_element(By.CSS_SELECTOR, "button.button-secondary"))
    assert len(browser.find_elements(By.CSS_SELECTOR, "li.notification[data-unread='1']")) == 1
    assert axe_violations(browser) == []

    browser.get(live_server.url + "/notifications/preferences/")
    sms = browser.find_element(By.ID, "id_school.alert__sms")
    assert not sms.is_selected()
    sms.click()
    _submit(browser, browser.find_element(By.CSS_SELECTOR, "#preferences button[type=submit]"))
    assert browser.find_element(By.ID, "id_school.alert__sms").is_selected()
    assert axe_violations(browser) == []

    _sign_in(browser, live_server, cast.head)
    browser.get(live_server.url + f"/notifications/alerte/{cast.school.pk}/")
    assert axe_violations(browser) == []
    _submit(browser, browser.find_element(By.CSS_SELECTOR, "#alert-form button[type=submit]"))
    assert browser.find_elements(By.CSS_SELECTOR, ".errorlist")
    assert axe_violations(browser) == []
