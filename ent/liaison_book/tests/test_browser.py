"""The liaison book in a real browser, checked by axe-core at WCAG 2.1 AA: the class page and
its tracking table, the guardian's book signed from the keyboard alone, the pupil's read view."""

from __future__ import annotations

import pytest
from django.conf import settings
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from ent.core.testing.browser import axe_violations, chromium
from ent.liaison_book.actions import reply_to_note, sign_note
from ent.liaison_book.models import Signature
from ent.rights.actions import install_default_grants
from ent.rights.tests.factories import build_world

from .factories import class_note, families_in, note_to


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


@pytest.mark.sdet("UTI-AVE-CLI-00", "UTI-AVE-CLI-01")
@pytest.mark.django_db(transaction=True)
def test_liaison_book_pages_pass_axe_and_sign_from_the_keyboard(browser, live_server, client, cast):
    install_default_grants(actor=None)
    world = build_world(cast)
    families = families_in(world.class_3a, 3)
    outing = class_note(cast.teacher, world.class_3a, title="Sortie au musée vendredi")
    sign_note(actor=families[0][1], note=outing, pupil=families[0][0])
    forgotten = note_to(cast.teacher, cast.pupil, title="Léa a oublié son matériel")
    reply_to_note(actor=cast.guardian, note=forgotten, pupil=cast.pupil, body="Merci.")

    # The school: the home page, the class page with its counts, the tracking table, the form.
    _sign_in(browser, live_server, client, cast.teacher)
    _open(browser, live_server, "/cahier-de-liaison/")
    assert axe_violations(browser) == []
    _open(browser, live_server, f"/cahier-de-liaison/classes/{world.class_3a.pk}/")
    row = browser.find_element(By.CSS_SELECTOR, f'tr[data-note="{outing.pk}"]')
    assert (row.get_attribute("data-signed"), row.get_attribute("data-families")) == ("1", "4")
    assert axe_violations(browser) == []
    _open(browser, live_server, f"/cahier-de-liaison/notes/{outing.pk}/suivi/")
    assert len(browser.find_elements(By.CSS_SELECTOR, 'tr[data-signed="false"]')) == 3
    assert browser.find_element(By.ID, "remind-families")
    assert axe_violations(browser) == []
    _open(browser, live_server, f"/cahier-de-liaison/classes/{world.class_3a.pk}/ecrire/")
    assert axe_violations(browser) == []

    # The guardian: the book, then the sign button reached and pressed with the keyboard.
    _sign_in(browser, live_server, client, cast.guardian)
    _open(browser, live_server, f"/cahier-de-liaison/eleves/{cast.pupil.pk}/")
    assert axe_violations(browser) == []
    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
    for _ in range(80):
        if browser.switch_to.active_element.get_attribute("id") == f"sign-{outing.pk}":
            break
        browser.switch_to.active_element.send_keys(Keys.TAB)
    assert browser.switch_to.active_element.get_attribute("id") == f"sign-{outing.pk}"
    browser.switch_to.active_element.send_keys(Keys.ENTER)
    WebDriverWait(browser, 10).until(
        expected_conditions.presence_of_element_located(
            (By.CSS_SELECTOR, f"#note-{outing.pk} [data-signature]")
        )
    )
    signature = Signature.objects.get(guardian=cast.guardian)
    assert signature.pupil == cast.pupil
    assert not browser.find_elements(By.ID, f"sign-{outing.pk}")
    assert axe_violations(browser) == []
    _open(browser, live_server, f"/cahier-de-liaison/eleves/{cast.pupil.pk}/ecrire/")
    assert axe_violations(browser) == []

    # The pupil reads, with nothing to write or sign.
    _sign_in(browser, live_server, client, cast.pupil)
    _open(browser, live_server, f"/cahier-de-liaison/eleves/{cast.pupil.pk}/")
    assert len(browser.find_elements(By.CSS_SELECTOR, "li.liaison-note")) == 2
    assert not browser.find_elements(By.CSS_SELECTOR, "main form")
    assert browser.find_elements(By.CSS_SELECTOR, "[data-reply]")
    assert axe_violations(browser) == []
