"""The guide, the request form and a request's page in a real browser, checked by axe-core at
WCAG 2.1 AA, and a request sent from the keyboard's point of view: labelled fields only."""

from __future__ import annotations

import pytest
from django.conf import settings
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from ent.core.testing.browser import axe_violations, chromium
from ent.rights.actions import install_default_grants
from ent.support.actions import acknowledge_ticket, comment_ticket
from ent.support.models import Ticket


@pytest.fixture
def browser(tmp_path):
    driver = chromium(tmp_path / "profile")
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def _sign_in(browser, live_server, client, person) -> None:
    client.force_login(person)
    browser.get(live_server.url + "/static/core/ent.css")
    browser.add_cookie(
        {
            "name": settings.SESSION_COOKIE_NAME,
            "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
            "path": "/",
        }
    )


@pytest.mark.sdet("UTI-UTL-AID-02")
@pytest.mark.sdet("SOC-SUP-ASU-02")
@pytest.mark.django_db(transaction=True)
def test_guide_form_and_ticket_pages_pass_axe(browser, live_server, client, cast):
    install_default_grants(actor=None)
    _sign_in(browser, live_server, client, cast.pupil)

    browser.get(live_server.url + "/aide/")
    assert browser.find_element(By.CSS_SELECTOR, '[data-guide="pupil"]')
    assert axe_violations(browser) == []

    browser.get(live_server.url + "/aide/sign-in/")
    assert axe_violations(browser) == []

    browser.get(live_server.url + "/aide/page/portal:home/")
    assert browser.find_element(By.CSS_SELECTOR, '[data-help="portal:home"]')
    assert axe_violations(browser) == []

    browser.get(live_server.url + "/aide/demandes/nouvelle/")
    assert axe_violations(browser) == []
    browser.find_element(By.ID, "id_subject").send_keys("Agenda vide")
    browser.find_element(By.ID, "id_description").send_keys("Mon agenda est vide depuis lundi.")
    browser.find_element(By.ID, "send-ticket").click()
    WebDriverWait(browser, 10).until(
        expected_conditions.presence_of_element_located((By.ID, "ticket-history"))
    )
    ticket = Ticket.objects.get()
    assert ticket.author == cast.pupil
    acknowledge_ticket(actor=cast.head, ticket=ticket, text="Je regarde cela.")
    comment_ticket(actor=cast.pupil, ticket=ticket, text="Merci.")
    browser.refresh()
    assert len(browser.find_elements(By.CSS_SELECTOR, "#ticket-history li")) == 3
    assert axe_violations(browser) == []

    # The référent's view of the same request, with its buttons, and the school's queue.
    browser.delete_all_cookies()
    _sign_in(browser, live_server, client, cast.head)
    browser.get(f"{live_server.url}/aide/demandes/{ticket.pk}/")
    assert browser.find_element(By.ID, "do-escalate")
    assert axe_violations(browser) == []
    browser.get(f"{live_server.url}/aide/etablissements/{cast.school.pk}/demandes/")
    assert browser.find_element(By.CSS_SELECTOR, f'[data-ticket="{ticket.pk}"]')
    assert axe_violations(browser) == []
