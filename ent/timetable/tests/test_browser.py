"""The timetable in a real browser: axe-core at WCAG 2.1 AA, and the keyboard alone."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from ent.core.testing.browser import axe_violations, chromium
from ent.timetable.models import Import, LessonStatus

from .conftest import SAMPLES
from .factories import make_lesson


@pytest.fixture
def browser(tmp_path):
    driver = chromium(tmp_path / "profile")
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def tab_to(browser, wanted, limit: int = 120) -> WebElement:
    """Press Tab until the focused element satisfies `wanted`."""
    seen = []
    for _ in range(limit):
        ActionChains(browser).send_keys(Keys.TAB).perform()
        element = browser.switch_to.active_element
        seen.append(element.get_attribute("id") or element.tag_name)
        if wanted(element):
            return element
    raise AssertionError(f"the keyboard never reached the element: {seen}")


def wait_for(browser, condition) -> None:
    WebDriverWait(browser, 10).until(condition)


def log_in(browser, live_server, person) -> None:
    browser.delete_all_cookies()
    browser.get(live_server.url + "/auth/login")
    browser.find_element(By.ID, "id_username").send_keys(person.login)
    browser.find_element(By.ID, "id_password").send_keys("secret-Passw0rd!", Keys.ENTER)
    wait_for(browser, expected_conditions.presence_of_element_located((By.TAG_NAME, "h1")))
    assert "/auth/login" not in browser.current_url


def next_tuesday():
    today = timezone.localdate()
    return today - timedelta(days=today.weekday()) + timedelta(days=8)


def at(day, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, datetime.min.time())) + timedelta(hours=hour)


@pytest.mark.django_db(transaction=True)
@pytest.mark.sdet("UTI-AVE-EDT-00", "UTI-AVE-EDT-01", "UTI-AVE-EDT-02", "UTI-AVE-EDT-03")
def test_pupil_and_teacher_weeks_and_the_import_page_pass_axe_and_the_keyboard(
    browser, live_server, tt
):
    day = next_tuesday()
    teacher = tt.cast.teacher
    maths = make_lesson(division=tt.cast.school_class, starts_at=at(day, 8), teachers=(teacher,))
    make_lesson(division=tt.group, starts_at=at(day, 15), subject_code="030602", room="L2")
    make_lesson(
        division=tt.cast.school_class,
        starts_at=at(day + timedelta(days=1), 10),
        teachers=(teacher,),
        status=LessonStatus.CANCELLED,
        note="Sortie",
    )
    following = make_lesson(
        division=tt.cast.school_class, starts_at=at(day + timedelta(days=7), 9), teachers=(teacher,)
    )

    log_in(browser, live_server, tt.cast.pupil)
    browser.get(f"{live_server.url}/emploi-du-temps/?date={day.isoformat()}")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "fr"
    assert axe_violations(browser) == []
    assert browser.find_element(By.CSS_SELECTOR, "[data-status=CANCELLED] .slot-status").text
    following_week = tab_to(browser, lambda element: element.get_attribute("id") == "next-period")
    following_week.send_keys(Keys.ENTER)
    wait_for(browser, expected_conditions.url_contains((day + timedelta(days=6)).isoformat()))
    shown = browser.find_elements(By.CSS_SELECTOR, "[data-lesson]")
    assert [item.get_attribute("data-lesson") for item in shown] == [str(following.pk)]
    # The filters, from the keyboard: the fortnight view.
    view = tab_to(browser, lambda element: element.get_attribute("id") == "id_view")
    view.send_keys(Keys.ARROW_DOWN)  # from the week to the fortnight
    show = tab_to(browser, lambda element: element.get_attribute("type") == "submit")
    show.send_keys(Keys.ENTER)
    wait_for(browser, expected_conditions.url_contains("view=fortnight"))
    assert len(browser.find_elements(By.CSS_SELECTOR, "section.timetable-week")) == 2
    assert axe_violations(browser) == []

    log_in(browser, live_server, teacher)
    browser.get(f"{live_server.url}/emploi-du-temps/?date={day.isoformat()}")
    assert axe_violations(browser) == []
    link = tab_to(
        browser,
        lambda element: (element.get_attribute("href") or "").endswith(f"/seances/{maths.pk}/"),
    )
    link.send_keys(Keys.ENTER)
    wait_for(browser, expected_conditions.presence_of_element_located((By.ID, "cancel-form")))
    assert axe_violations(browser) == []
    note = tab_to(browser, lambda element: element.get_attribute("id") == "id_note")
    note.send_keys("Conseil de classe")
    submit = tab_to(browser, lambda element: element.get_attribute("type") == "submit")
    submit.send_keys(Keys.ENTER)
    wait_for(browser, expected_conditions.presence_of_element_located((By.ID, "restore-form")))
    assert browser.find_element(By.ID, "lesson").get_attribute("data-status") == "CANCELLED"
    assert axe_violations(browser) == []

    # The head must use a second factor; the school admin also manages the timetable.
    log_in(browser, live_server, tt.cast.school_admin)
    browser.get(f"{live_server.url}/emploi-du-temps/etablissements/{tt.cast.school.pk}/import/")
    assert axe_violations(browser) == []
    upload = tab_to(browser, lambda element: element.get_attribute("id") == "id_file")
    upload.send_keys(str(SAMPLES / "sts_emp_0000001B_2026.xml"))
    button = tab_to(browser, lambda element: element.get_attribute("id") == "import-submit")
    button.send_keys(Keys.ENTER)
    wait_for(browser, expected_conditions.presence_of_element_located((By.ID, "history")))
    assert Import.objects.get().status == "FAILED"
    assert "emp_sts" in browser.find_element(By.CSS_SELECTOR, ".message.error").text
    assert axe_violations(browser) == []
