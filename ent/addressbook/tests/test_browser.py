"""The white pages in a real browser: axe-core at WCAG 2.1 AA, and the keyboard alone."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from ent.addressbook.models import Contact
from ent.core.testing.browser import axe_violations, chromium
from ent.rights.models import DetailVisibility


@pytest.fixture
def browser(tmp_path):
    driver = chromium(tmp_path / "profile")
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def tab_to(browser, wanted, limit: int = 200) -> WebElement:
    """Press Tab until the focused element satisfies `wanted`."""
    for _ in range(limit):
        browser.switch_to.active_element.send_keys(Keys.TAB)
        element = browser.switch_to.active_element
        if wanted(element):
            return element
    raise AssertionError("the keyboard never reached the element")


def wait_for(browser, condition) -> None:
    WebDriverWait(browser, 10).until(condition)


@pytest.mark.django_db(transaction=True)
@pytest.mark.sdet("UTI-IDO-PBL-00", "UTI-IDO-PBL-04", "UTI-IDO-PBL-06")
def test_directory_card_and_my_details_pass_axe_and_work_from_the_keyboard(
    browser, live_server, world
):
    cast = world.cast
    cast.pupil.email = "lea@example.org"
    cast.pupil.save()
    browser.get(live_server.url + "/")
    browser.find_element(By.ID, "id_username").send_keys(cast.teacher.login)
    browser.find_element(By.ID, "id_password").send_keys("secret-Passw0rd!", Keys.ENTER)
    wait_for(browser, expected_conditions.presence_of_element_located((By.TAG_NAME, "h1")))

    browser.get(live_server.url + "/annuaire/")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "fr"
    assert axe_violations(browser) == []
    name = tab_to(browser, lambda element: element.get_attribute("id") == "id_name")
    name.send_keys("petit", Keys.ENTER)
    wait_for(browser, expected_conditions.url_contains("name=petit"))
    rows = browser.find_elements(By.CSS_SELECTOR, "#results tbody tr")
    assert {row.get_attribute("data-person") for row in rows} == {
        str(cast.pupil.uuid),
        str(cast.guardian.uuid),
    }
    assert axe_violations(browser) == []
    link = tab_to(browser, lambda element: element.text == "Léa Petit")
    link.send_keys(Keys.ENTER)
    wait_for(browser, expected_conditions.url_contains(str(cast.pupil.uuid)))
    assert browser.find_element(By.TAG_NAME, "h1").text == "Léa Petit"
    assert "lea@example.org" not in browser.page_source  # a pupil's details are hers
    assert axe_violations(browser) == []
    add = tab_to(browser, lambda element: element.get_attribute("id") == "add-to-book")
    add.send_keys(Keys.ENTER)
    wait_for(browser, expected_conditions.presence_of_element_located((By.ID, "in-book")))
    assert Contact.objects.get(owner=cast.teacher).person == cast.pupil

    browser.get(live_server.url + "/annuaire/mes-informations/")
    assert axe_violations(browser) == []
    choice = tab_to(browser, lambda element: element.get_attribute("id") == "id_audience_email")
    assert choice.get_attribute("value") == "CONTACTS"  # an adult's default
    choice.send_keys(Keys.ARROW_UP)
    save = tab_to(browser, lambda element: element.get_attribute("type") == "submit")
    save.send_keys(Keys.ENTER)
    wait_for(browser, expected_conditions.presence_of_element_located((By.CLASS_NAME, "success")))
    visibility = DetailVisibility.objects.get(person=cast.teacher, field="email")
    assert visibility.audience == "STAFF"
    assert axe_violations(browser) == []
