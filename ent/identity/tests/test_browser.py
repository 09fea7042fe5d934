"""The sign-in pages in a real browser: axe-core at WCAG 2.1 AA, and the keyboard alone."""

from __future__ import annotations

import pytest
from django.utils import timezone
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from ent.core.testing.browser import axe_violations, chromium
from ent.identity.models import TotpDevice
from ent.identity.totp import decrypt_secret, totp

PASSWORD = "secret-Passw0rd!"


@pytest.fixture
def browser(tmp_path):
    driver = chromium(tmp_path / "profile")
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def wait_for(browser, condition):
    return WebDriverWait(browser, 10).until(condition)


def tab_to(browser, element_id: str, limit: int = 8) -> None:
    """Press Tab from the top of the page until `element_id` has the focus."""
    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
    for _ in range(limit):
        if browser.switch_to.active_element.get_attribute("id") == element_id:
            return
        browser.switch_to.active_element.send_keys(Keys.TAB)
    assert browser.switch_to.active_element.get_attribute("id") == element_id


@pytest.mark.sdet("SOC-SEC-IAU-03", "SOC-SEC-IAU-04", "SOC-SEC-IAU-11")
@pytest.mark.django_db(transaction=True)
def test_sign_in_enrolment_and_sign_out_pass_axe_and_work_from_the_keyboard(
    browser, live_server, cast
):
    browser.get(live_server.url + "/auth/login")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "fr"
    assert axe_violations(browser) == []
    # A head of school signs in with the keyboard alone, and is asked to enrol a generator.
    tab_to(browser, "id_username")
    browser.switch_to.active_element.send_keys(cast.head.login, Keys.TAB)
    assert browser.switch_to.active_element.get_attribute("id") == "id_password"
    browser.switch_to.active_element.send_keys(PASSWORD, Keys.ENTER)
    wait_for(browser, expected_conditions.url_contains("/auth/totp"))
    wait_for(browser, expected_conditions.presence_of_element_located((By.ID, "id_code")))
    assert browser.find_element(By.CSS_SELECTOR, "svg[role=img] title").get_attribute("textContent")
    assert axe_violations(browser) == []
    secret = decrypt_secret(TotpDevice.objects.get(person=cast.head).secret)
    tab_to(browser, "id_code")
    browser.switch_to.active_element.send_keys(totp(secret, timezone.now().timestamp()))
    browser.switch_to.active_element.send_keys(Keys.ENTER)
    heading = wait_for(
        browser, expected_conditions.presence_of_element_located((By.TAG_NAME, "h1"))
    )
    wait_for(
        browser, expected_conditions.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Marc")
    )
    assert "Marc Bernard" in heading.text
    # Sign-out asks for a confirmation, which passes axe too, then ends the session.
    browser.get(live_server.url + "/auth/logout")
    assert axe_violations(browser) == []
    browser.find_element(By.CSS_SELECTOR, "main form button").send_keys(Keys.ENTER)
    wait_for(browser, expected_conditions.url_contains("/auth/login"))
    wait_for(browser, expected_conditions.presence_of_element_located((By.ID, "id_username")))
    assert browser.find_element(By.CSS_SELECTOR, "[role=status]").text
    assert axe_violations(browser) == []
    browser.get(live_server.url + "/")
    assert "/auth/login" in browser.current_url


@pytest.mark.django_db(transaction=True)
def test_a_refused_sign_in_is_announced_and_passes_axe(browser, live_server, cast):
    browser.get(live_server.url + "/auth/login")
    tab_to(browser, "id_username")
    browser.switch_to.active_element.send_keys(cast.pupil.login, Keys.TAB)
    browser.switch_to.active_element.send_keys("not-the-password", Keys.ENTER)
    alert = wait_for(
        browser, expected_conditions.presence_of_element_located((By.CSS_SELECTOR, "[role=alert]"))
    )
    assert alert.text
    assert axe_violations(browser) == []
