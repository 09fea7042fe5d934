"""News and alerts in a real browser, checked by axe-core at WCAG 2.1 AA: the news page, the
form, an item validated from the keyboard, the banner and the home widget; the report form."""

from __future__ import annotations

import pytest
from django.conf import settings
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from ent.announcements.actions import write_announcement
from ent.announcements.models import Announcement, Kind, Status
from ent.core.testing.browser import axe_violations, chromium
from ent.rights.actions import install_default_grants
from ent.rights.tests.factories import build_world, person_in

from .factories import draft, published


@pytest.fixture
def browser(tmp_path):
    driver = chromium(tmp_path / "profile")
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def _sign_in(browser, live_server, client, person) -> None:
    browser.delete_all_cookies()
    client.force_login(person)
    browser.get(live_server.url + "/static/core/ent.css")
    browser.add_cookie(
        {
            "name": settings.SESSION_COOKIE_NAME,
            "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
            "path": "/",
        }
    )


def _open(browser, live_server, path: str) -> None:
    browser.get(live_server.url + path)
    WebDriverWait(browser, 10).until(
        expected_conditions.presence_of_element_located((By.TAG_NAME, "h1"))
    )


@pytest.mark.sdet("UTI-CCO-AIN-00", "UTI-CCO-AIN-01", "UTI-CCO-AIN-04")
@pytest.mark.django_db(transaction=True)
def test_news_pages_pass_axe_and_validate_from_the_keyboard(browser, live_server, client, cast):
    install_default_grants(actor=None)
    world = build_world(cast)
    fabre = person_in(cast.school, "DOC", login="claire.fabre", last_name="Fabre")
    published(fabre, cast.head, cast.school, kind=Kind.ALERT, title="Alerte météo")
    published(fabre, cast.head, cast.school, title="Portes ouvertes samedi")
    waiting = write_announcement(
        actor=fabre,
        school=cast.school,
        draft=draft(whole_community=False, lists=[f"class-{world.class_3a.pk}-pupils"]),
        submit=True,
    )

    # The author's form.
    _sign_in(browser, live_server, client, fabre)
    _open(browser, live_server, "/actualites/ecrire/")
    assert axe_violations(browser) == []

    # The head: the news page with the item to validate, then validation from the keyboard.
    _sign_in(browser, live_server, client, cast.head)
    _open(browser, live_server, "/actualites/")
    assert browser.find_element(By.ID, "to-validate")
    assert browser.find_element(By.ID, "alert-banner")
    assert axe_violations(browser) == []
    _open(browser, live_server, f"/actualites/{waiting.pk}/")
    assert axe_violations(browser) == []
    body = browser.find_element(By.TAG_NAME, "body")
    for _ in range(60):
        body.send_keys(Keys.TAB)
        if browser.switch_to.active_element.get_attribute("id") == "validate-item":
            break
        body = browser.switch_to.active_element
    assert browser.switch_to.active_element.get_attribute("id") == "validate-item"
    browser.switch_to.active_element.send_keys(Keys.ENTER)
    WebDriverWait(browser, 10).until(
        expected_conditions.presence_of_element_located((By.ID, "validated-by"))
    )
    assert Announcement.objects.get(pk=waiting.pk).status == Status.VALIDATED

    # The pupil: the banner and the widget on the home page, the item, the report form.
    _sign_in(browser, live_server, client, cast.pupil)
    _open(browser, live_server, "/")
    assert "Alerte météo" in browser.find_element(By.ID, "alert-banner").text
    assert "Portes ouvertes samedi" in browser.find_element(By.ID, "news-widget").text
    assert axe_violations(browser) == []
    _open(browser, live_server, f"/actualites/{waiting.pk}/")
    assert axe_violations(browser) == []
    browser.find_element(By.CSS_SELECTOR, "a.report-link").send_keys(Keys.ENTER)
    WebDriverWait(browser, 10).until(
        expected_conditions.presence_of_element_located((By.ID, "report-form"))
    )
    assert axe_violations(browser) == []
    reason = browser.find_element(By.ID, "id_reason")
    reason.send_keys("Information erronée")
    reason.send_keys(Keys.TAB)
    browser.switch_to.active_element.send_keys(Keys.ENTER)
    WebDriverWait(browser, 10).until(
        expected_conditions.presence_of_element_located((By.ID, "announcement"))
    )

    # The head reviews the report on the moderation page.
    _sign_in(browser, live_server, client, cast.head)
    _open(browser, live_server, "/moderation/")
    assert browser.find_element(By.ID, "open-reports")
    assert axe_violations(browser) == []
