"""The foundation's pages in a real browser: axe-core at WCAG 2.1 AA, and the keyboard alone."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from ent.core.testing.browser import axe_violations, chromium
from ent.directory.models import Enrolment


@pytest.fixture
def browser(tmp_path):
    driver = chromium(tmp_path / "profile")
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


@pytest.mark.django_db(transaction=True)
def test_login_and_home_pass_axe_and_work_from_the_keyboard(browser, live_server, cast):
    Enrolment.objects.create(pupil=cast.pupil, school_class=cast.school_class)
    browser.get(live_server.url + "/")
    assert "/auth/login" in browser.current_url
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "fr"
    assert axe_violations(browser) == []
    body = browser.find_element(By.TAG_NAME, "body")
    body.send_keys(Keys.TAB)
    assert browser.switch_to.active_element.text == "Aller au contenu"
    for _ in range(5):
        if browser.switch_to.active_element.get_attribute("id") == "id_username":
            break
        browser.switch_to.active_element.send_keys(Keys.TAB)
    assert browser.switch_to.active_element.get_attribute("id") == "id_username"
    browser.switch_to.active_element.send_keys(cast.pupil.login, Keys.TAB)
    browser.switch_to.active_element.send_keys("secret-Passw0rd!", Keys.ENTER)
    WebDriverWait(browser, 10).until(
        expected_conditions.presence_of_element_located((By.TAG_NAME, "h1"))
    )
    heading = browser.find_element(By.TAG_NAME, "h1").text
    assert heading == "Bienvenue, Léa Petit"
    assert "3eA" in browser.page_source
    assert axe_violations(browser) == []
