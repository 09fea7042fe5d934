"""The search page in a real browser: axe-core at WCAG 2.1 AA, and the box of every page."""

from __future__ import annotations

import pytest
from django.test import Client
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from ent.core.testing.browser import axe_violations, chromium
from ent.search.models import PastSearch

from .factories import note


@pytest.fixture
def browser(tmp_path):
    driver = chromium(tmp_path / "profile")
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def _sign_in(browser, live_server, person):
    client = Client()
    client.force_login(person)
    browser.get(live_server.url + "/static/core/ent.css")
    cookie = client.cookies["sessionid"]
    browser.add_cookie({"name": "sessionid", "value": cookie.value, "path": "/"})


@pytest.mark.django_db(transaction=True)
@pytest.mark.sdet("SOC-POR-MDR-02", "UTI-IDO-REC-04", "SOC-POR-MDR-07")
def test_the_search_from_the_box_of_the_home_page_passes_axe(browser, live_server, cast, reindex):
    for number in range(25):
        note(cast.teacher, f"Sortie piscine {number}", "rendez-vous devant le collège à 8 h")
    reindex()
    _sign_in(browser, live_server, cast.teacher)
    browser.get(live_server.url + "/")
    box = browser.find_element(By.ID, "search-q")
    box.send_keys("piscine", Keys.ENTER)
    WebDriverWait(browser, 10).until(
        expected_conditions.presence_of_element_located((By.ID, "search-results"))
    )
    assert browser.find_element(By.ID, "search-q").get_attribute("value") == "piscine"
    assert len(browser.find_elements(By.CSS_SELECTOR, ".search-hit")) == 20
    assert len(browser.find_elements(By.TAG_NAME, "h1")) == 1
    browser.find_element(By.CSS_SELECTOR, "details.search-criteria summary").click()
    assert axe_violations(browser) == []
    browser.find_element(By.CSS_SELECTOR, "a[rel=next]").click()
    WebDriverWait(browser, 10).until(expected_conditions.url_contains("page=2"))
    assert len(browser.find_elements(By.CSS_SELECTOR, ".search-hit")) == 5
    assert PastSearch.objects.get().query == "piscine"
    assert axe_violations(browser) == []
