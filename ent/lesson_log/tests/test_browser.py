"""The teacher's entry form, the class page, the pupil's week and the guardian's view in a real
browser: axe-core at WCAG 2.1 AA, and the keyboard alone to write a lesson and change weeks."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.utils import timezone
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from ent.core.testing.browser import axe_violations, chromium
from ent.lesson_log.actions import WorkInput
from ent.lesson_log.models import LessonEntry
from ent.rights.actions import install_default_grants
from ent.rights.tests.factories import build_world, guardian_of

from .factories import lesson


@pytest.fixture
def browser(tmp_path):
    driver = chromium(tmp_path / "profile")
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def _sign_in(browser, live_server, client, person) -> None:
    client.logout()
    client.force_login(person)
    browser.delete_all_cookies()
    browser.get(live_server.url + "/static/core/ent.css")
    browser.add_cookie(
        {
            "name": settings.SESSION_COOKIE_NAME,
            "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
            "path": "/",
        }
    )


def _tab_to(browser, element_id: str, limit: int = 80) -> None:
    """Press Tab until the element has the focus (fail after `limit` presses)."""
    for _ in range(limit):
        if browser.switch_to.active_element.get_attribute("id") == element_id:
            return
        browser.switch_to.active_element.send_keys(Keys.TAB)
    raise AssertionError(f"#{element_id} is not reachable with Tab")


@pytest.mark.sdet("UTI-AVE-CDT-04")
@pytest.mark.django_db(transaction=True)
def test_lesson_pages_pass_axe_and_work_from_the_keyboard(browser, live_server, client, cast):
    install_default_grants(actor=None)
    world = build_world(cast)
    guardian_of(world.martin, cast.guardian)
    today = timezone.localdate()
    lesson(
        cast.teacher,
        cast.school_class,
        on=today,
        title="Les Lumières",
        content="Lecture de Voltaire.",
        work=(WorkInput("Lire le chapitre 2", today, estimated_minutes=20),),
    )

    # The teacher writes a lesson from a timetable slot, with the keyboard only.
    _sign_in(browser, live_server, client, cast.teacher)
    slot = f"?target=class-{world.class_4b.pk}&date={today.isoformat()}&start=09:00&subject=HG"
    browser.get(live_server.url + "/cahier-de-textes/seance/nouvelle/" + slot)
    assert browser.find_element(By.TAG_NAME, "h1")
    assert axe_violations(browser) == []
    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
    _tab_to(browser, "id_title")
    browser.switch_to.active_element.send_keys("La Révolution", Keys.ENTER)
    WebDriverWait(browser, 10).until(
        expected_conditions.presence_of_element_located((By.ID, "entry-title"))
    )
    assert browser.find_element(By.ID, "entry-title").text == "La Révolution"
    assert LessonEntry.objects.filter(title="La Révolution", log__school_class=world.class_4b)
    assert axe_violations(browser) == []

    # The class page (professeur principal of 3eA), and the next week by keyboard.
    log_id = LessonEntry.objects.get(title="Les Lumières").log_id
    browser.get(f"{live_server.url}/cahier-de-textes/cahier/{log_id}/")
    assert "Les Lumières" in browser.page_source
    assert axe_violations(browser) == []
    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
    _tab_to(browser, "next-week")
    browser.switch_to.active_element.send_keys(Keys.ENTER)
    WebDriverWait(browser, 10).until(expected_conditions.url_contains("week="))
    assert "Les Lumières" not in browser.page_source

    # Léa's week.
    _sign_in(browser, live_server, client, cast.pupil)
    browser.get(live_server.url + "/cahier-de-textes/semaine/")
    assert "Lire le chapitre 2" in browser.page_source
    assert axe_violations(browser) == []

    # Her father's view of his two children, then Martin only, by the child picker.
    _sign_in(browser, live_server, client, cast.guardian)
    browser.get(live_server.url + "/cahier-de-textes/semaine/")
    assert "Les Lumières" in browser.page_source
    assert axe_violations(browser) == []
    browser.find_element(By.CSS_SELECTOR, f'[data-child="{world.martin.pk}"]').send_keys(Keys.ENTER)
    WebDriverWait(browser, 10).until(expected_conditions.url_contains(f"pupil={world.martin.pk}"))
    assert "Les Lumières" not in browser.page_source
    assert axe_violations(browser) == []
