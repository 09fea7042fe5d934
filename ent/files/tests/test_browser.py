"""My documents in a real browser, checked by axe-core at WCAG 2.1 AA: every page, and a folder
created, opened and put in the trash from the keyboard alone."""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from ent.core.testing.browser import axe_violations, chromium
from ent.files import actions
from ent.files.models import Folder, ScanStatus
from ent.rights.actions import install_default_grants
from ent.rights.models import ShareRole
from ent.rights.tests.factories import build_world

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


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
            "name": django_settings.SESSION_COOKIE_NAME,
            "value": client.cookies[django_settings.SESSION_COOKIE_NAME].value,
            "path": "/",
        }
    )


def _open(browser, live_server, path: str) -> None:
    browser.get(live_server.url + path)
    WebDriverWait(browser, 10).until(
        expected_conditions.presence_of_element_located((By.TAG_NAME, "h1"))
    )


def _tab_to(browser, element_id: str) -> None:
    # Keys go to the page, not to an element: a file input would take TAB for a file name.
    for _ in range(120):
        ActionChains(browser).send_keys(Keys.TAB).perform()
        if browser.switch_to.active_element.get_attribute("id") == element_id:
            return
    raise AssertionError(f"#{element_id} is not reachable with the keyboard")


@pytest.mark.sdet("UTI-UTL-ESF-00", "UTI-UTL-ESF-01", "UTI-UTL-ESF-06")
@pytest.mark.django_db(transaction=True)
def test_documents_pages_pass_axe_and_work_from_the_keyboard(
    browser, live_server, client, cast, settings
):
    settings.ENT_CLAMD_SOCKET = settings.ENT_CLAMD_ADDRESS = ""
    install_default_grants(actor=None)
    build_world(cast)
    teacher = cast.teacher
    courses = actions.create_folder(actor=teacher, name="Cours")
    plan = actions.upload(actor=teacher, folder=courses, name="plan.pdf", data=PDF)
    held = actions.upload(actor=teacher, folder=courses, name="attente.pdf", data=PDF)
    held.scan_status = ScanStatus.QUARANTINED
    held.save(update_fields=["scan_status"])
    actions.share_item(actor=teacher, item=courses, with_=cast.pupil, role=ShareRole.READ)
    old = actions.create_folder(actor=teacher, name="Ancien")
    actions.trash(actor=teacher, item=old)

    _sign_in(browser, live_server, client, teacher)
    for path in (
        "/documents/",
        f"/documents/dossiers/{courses.pk}/",
        f"/documents/dossiers/{courses.pk}/gerer/",
        f"/documents/fichiers/{plan.pk}/",
        f"/documents/fichiers/{held.pk}/",
        "/documents/corbeille/",
        "/documents/partages/",
    ):
        _open(browser, live_server, path)
        assert axe_violations(browser) == [], path

    # A new folder from the keyboard: tab to the name, type, Enter; then open it and trash it.
    _open(browser, live_server, "/documents/")
    _tab_to(browser, "id_name")
    ActionChains(browser).send_keys("Projets", Keys.ENTER).perform()
    WebDriverWait(browser, 10).until(
        expected_conditions.presence_of_element_located((By.CSS_SELECTOR, "[role=status]"))
    )
    projects = Folder.objects.get(name="Projets")
    assert browser.find_element(By.CSS_SELECTOR, f'tr[data-folder="{projects.pk}"]')
    assert axe_violations(browser) == []
    _open(browser, live_server, f"/documents/dossiers/{projects.pk}/gerer/")
    _tab_to(browser, "trash")
    ActionChains(browser).send_keys(Keys.ENTER).perform()
    WebDriverWait(browser, 10).until(
        expected_conditions.presence_of_element_located((By.CSS_SELECTOR, "[role=status]"))
    )
    projects.refresh_from_db()
    assert projects.in_trash

    # The pupil reads the shared folder, with nothing to change.
    _sign_in(browser, live_server, client, cast.pupil)
    _open(browser, live_server, "/documents/partages/")
    assert browser.find_element(By.CSS_SELECTOR, f'tr[data-folder="{courses.pk}"]')
    assert axe_violations(browser) == []
    _open(browser, live_server, f"/documents/dossiers/{courses.pk}/")
    assert not browser.find_elements(By.ID, "upload-form")
    assert axe_violations(browser) == []
    _open(browser, live_server, f"/documents/fichiers/{plan.pk}/")
    assert browser.find_element(By.ID, "download")
    assert not browser.find_elements(By.ID, "trash")
    assert axe_violations(browser) == []
