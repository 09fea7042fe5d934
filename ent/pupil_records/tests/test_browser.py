"""The grade sheet, the register and the pupil's page in a real browser: axe-core at WCAG 2.1
AA, and grades and a register entered from the keyboard alone."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from ent.core.testing.browser import axe_violations, chromium
from ent.pupil_records.models import Absence, Grade

from .factories import build_records, graded_assessment


@pytest.fixture
def browser(tmp_path):
    driver = chromium(tmp_path / "profile")
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def _sign_in(browser, live_server, client, person) -> None:
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
    """Press Tab from the top of the page until `element_id` has the focus."""
    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
    for _ in range(limit):
        if browser.switch_to.active_element.get_attribute("id") == element_id:
            return
        browser.switch_to.active_element.send_keys(Keys.TAB)
    raise AssertionError(f"{element_id} is not reachable with the Tab key")


def _wait_for(browser, element_id: str) -> None:
    WebDriverWait(browser, 10).until(
        expected_conditions.presence_of_element_located((By.ID, element_id))
    )


@pytest.mark.sdet("UTI-AVE-SIE-01")
@pytest.mark.django_db(transaction=True)
def test_grade_sheet_register_and_pupil_page_pass_axe_from_the_keyboard(
    browser, live_server, client, cast
):
    records = build_records(cast)
    lea, hugo = records.lea, records.hugo
    assessment = graded_assessment(records, held_on=timezone.localdate(), publish=False)
    _sign_in(browser, live_server, client, records.dupont)

    browser.get(live_server.url + reverse("pupil_records:gradebook", args=[records.hg_3a.pk]))
    assert axe_violations(browser) == []

    browser.get(live_server.url + reverse("pupil_records:assessment", args=[assessment.pk]))
    assert axe_violations(browser) == []
    first, second = sorted((lea, hugo), key=lambda p: (p.last_name, p.first_name, p.pk))
    _tab_to(browser, f"id_value_{first.pk}")
    browser.switch_to.active_element.send_keys("15,5")
    for _ in range(3):  # status, comment, then the next pupil's grade
        browser.switch_to.active_element.send_keys(Keys.TAB)
    assert browser.switch_to.active_element.get_attribute("id") == f"id_value_{second.pk}"
    browser.switch_to.active_element.send_keys("12", Keys.ENTER)
    # The sheet is on the page before and after the post: wait for the grades themselves.
    WebDriverWait(browser, 10).until(lambda _: Grade.objects.count() == 2)
    _wait_for(browser, "grade-sheet")
    assert dict(Grade.objects.values_list("pupil_id", "value")) == {
        first.pk: Decimal("15.5"),
        second.pk: Decimal(12),
    }
    _tab_to(browser, "publish")
    browser.switch_to.active_element.send_keys(Keys.ENTER)
    _wait_for(browser, "published")

    register = reverse("pupil_records:register", args=["classe", cast.school_class.pk])
    browser.get(live_server.url + register)
    assert axe_violations(browser) == []
    _tab_to(browser, f"id_mark_{lea.pk}")
    browser.switch_to.active_element.send_keys(Keys.ARROW_DOWN)  # present → absent
    _tab_to(browser, "save-register", limit=120)
    browser.switch_to.active_element.send_keys(Keys.ENTER)
    _wait_for(browser, "register-form")
    assert Absence.objects.filter(pupil=lea).count() == 1
    assert axe_violations(browser) == []

    _sign_in(browser, live_server, client, lea)
    browser.get(live_server.url + reverse("pupil_records:pupil", args=[lea.pk]))
    assert browser.find_element(By.ID, "pupil-name").text == lea.display_name
    expected = "15.50" if first == lea else "12.00"
    assert browser.find_element(By.ID, "overall").get_attribute("data-average") == expected
    assert axe_violations(browser) == []


@pytest.mark.django_db(transaction=True)
def test_the_other_pages_pass_axe(browser, live_server, client, cast):
    from ent.pupil_records.actions import RatingEntry, rate_competencies, record_absence
    from ent.pupil_records.models import AbsenceKind, Competency

    records = build_records(cast)
    graded_assessment(records, grades={records.lea: Decimal(13)}, held_on=timezone.localdate())
    now = timezone.localtime()
    absence = record_absence(
        actor=records.dupont,
        pupil=records.lea,
        school=cast.school,
        kind=AbsenceKind.ABSENCE,
        starts_at=now.replace(hour=8, minute=0),
        ends_at=now.replace(hour=12, minute=0),
    )
    competency = Competency.objects.get(code="MATH_RES")
    rate_competencies(
        actor=records.maths_teacher,
        assignment=records.maths_3a,
        rated_on=timezone.localdate(),
        entries=[RatingEntry(records.lea.pk, competency.pk, 3)],
    )
    pages = {
        records.dupont: [
            reverse("pupil_records:home"),
            reverse("pupil_records:absence", args=[absence.pk]),
            reverse("pupil_records:class", args=[cast.school_class.pk]),
        ],
        records.maths_teacher: [
            reverse("pupil_records:competencies", args=[records.maths_3a.pk]),
        ],
        records.roux: [reverse("pupil_records:daily")],
        cast.head: [reverse("pupil_records:settings", args=[cast.school.pk])],
        cast.guardian: [reverse("pupil_records:absence", args=[absence.pk])],
    }
    for person, urls in pages.items():
        _sign_in(browser, live_server, client, person)
        for url in urls:
            browser.get(live_server.url + url)
            assert browser.find_elements(By.TAG_NAME, "h1"), url
            assert axe_violations(browser) == [], url
