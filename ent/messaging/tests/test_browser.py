"""Scenario 1 of spec-utilisateur (webmail basics) in a real Chromium, with axe-core at WCAG 2.1
AA on every page of the webmail, and the keyboard used for the editor, the sending and the
batch actions."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import Select, WebDriverWait

from ent.core import attachments as file_sources
from ent.core.testing.browser import axe_violations, chromium
from ent.messaging import actions
from ent.messaging.addresses import address_of
from ent.messaging.models import Entry, Folder, Message, Role, Status
from ent.rights.actions import install_default_grants
from ent.rights.tests.factories import build_world


@pytest.fixture
def browser(tmp_path):
    driver = chromium(tmp_path / "profile")
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


@pytest.fixture
def documents():
    """Mme Dupont's documents space holds "Maths/fiche.pdf" (a storage service's file source)."""
    stored = file_sources.StoredFile(41, "fiche.pdf", "application/pdf", 12, "Maths")
    owners: dict[str, Any] = {}

    def list_files(person):
        return [stored] if person == owners.get("teacher") else []

    def open_file(person, pk):
        if person != owners.get("teacher") or pk != stored.id:
            raise LookupError(pk)
        return stored, b"%PDF-1.4 fiche"

    before = file_sources.source()
    file_sources.register(file_sources.FileSource(list_files=list_files, open_file=open_file))
    yield owners
    file_sources._source = before


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


def _clean(browser) -> None:
    assert axe_violations(browser) == [], browser.current_url


def _eventually(check: Callable[[], Any], timeout: float = 10) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.2)


def _drafts(person) -> list[Message]:
    entries = Entry.objects.filter(owner=person, folder__role=Role.DRAFTS)
    return [entry.message for entry in entries.select_related("message")]


@pytest.mark.sdet("UTI-CCO-CEL-02", "UTI-CCO-CEL-07", "UTI-CCO-CEL-11", "UTI-CCO-CEL-15")
@pytest.mark.django_db(transaction=True)
def test_webmail_basics_scenario_in_a_browser(
    browser, live_server, client, cast, documents, tmp_path
):
    install_default_grants(actor=None)
    world = build_world(cast)
    teacher, lea = cast.teacher, cast.pupil
    documents["teacher"] = teacher
    from_disk = tmp_path / "exercices.txt"
    from_disk.write_bytes(b"Exercices 1 a 4 page 52")
    wait = WebDriverWait(browser, 10)

    # Mme Dupont writes to Léa: bold and a bulleted list, from the keyboard.
    _sign_in(browser, live_server, client, teacher)
    _open(browser, live_server, "/messagerie/")
    _clean(browser)
    browser.find_element(By.ID, "write-link").send_keys(Keys.ENTER)
    wait.until(expected_conditions.presence_of_element_located((By.ID, "editor-area")))
    _clean(browser)
    search = browser.find_element(By.ID, "recipient-search")
    search.send_keys("Léa")
    token = address_of(lea)
    wait.until(
        lambda b: b.find_elements(By.CSS_SELECTOR, f'#recipient-options option[value="{token}"]')
    )
    search.clear()
    search.send_keys(token, Keys.ENTER)
    assert browser.find_element(By.ID, "id_to").get_attribute("value") == token
    browser.find_element(By.ID, "id_subject").send_keys("Devoirs pour jeudi")
    area = browser.find_element(By.ID, "editor-area")
    area.click()
    area.send_keys(Keys.CONTROL, "b")
    area.send_keys("Important")
    area.send_keys(Keys.CONTROL, "b")
    area.send_keys(" : à rendre jeudi.", Keys.ENTER)
    bullets = browser.find_element(By.ID, "bulleted-list")
    bullets.send_keys(Keys.ENTER)  # a toolbar button pressed from the keyboard
    area.send_keys("Exercice 1", Keys.ENTER, "Exercice 2")
    assert bullets.get_attribute("aria-pressed") == "true"

    # One file from her documents, one from the computer: saved with the draft as chosen.
    browser.find_element(By.CSS_SELECTOR, "#documents summary").send_keys(Keys.ENTER)
    browser.find_element(By.CSS_SELECTOR, 'input[name="stored_file_ids"][value="41"]').send_keys(
        Keys.SPACE
    )
    wait.until(lambda b: "fiche.pdf" in b.find_element(By.ID, "draft-attachments-slot").text)
    browser.find_element(By.ID, "id_uploads").send_keys(str(from_disk))
    wait.until(lambda b: "exercices.txt" in b.find_element(By.ID, "draft-attachments-slot").text)

    # She leaves the page: the draft keeps the text and both attachments.
    _open(browser, live_server, "/messagerie/")

    def saved_draft() -> Message | None:
        drafts = _drafts(teacher)
        return drafts[0] if drafts and "Exercice 2" in drafts[0].body_html else None

    draft = _eventually(saved_draft)
    assert draft is not None
    assert sorted(a.filename for a in draft.attachments.all()) == ["exercices.txt", "fiche.pdf"]
    assert "<b>Important</b>" in draft.body_html
    assert "<ul><li>Exercice 1</li><li>Exercice 2</li></ul>" in draft.body_html
    drafts_folder = Folder.objects.get(owner=teacher, role=Role.DRAFTS)
    _open(browser, live_server, f"/messagerie/dossiers/{drafts_folder.pk}/")
    _clean(browser)
    browser.find_element(By.PARTIAL_LINK_TEXT, "Devoirs pour jeudi").send_keys(Keys.ENTER)
    wait.until(expected_conditions.presence_of_element_located((By.ID, "editor-area")))
    assert "Exercice 2" in browser.find_element(By.ID, "editor-area").text
    browser.find_element(By.ID, "send").send_keys(Keys.ENTER)
    wait.until(expected_conditions.url_to_be(live_server.url + "/messagerie/"))
    assert _drafts(teacher) == []

    # Léa receives it with the formatting and both attachments.
    def received() -> Entry | None:
        return Entry.objects.filter(owner=lea, folder__role=Role.INBOX).first()

    entry = _eventually(received)
    assert entry is not None
    assert entry.message.status != Status.DRAFT
    _sign_in(browser, live_server, client, lea)
    _open(browser, live_server, "/messagerie/")
    _clean(browser)
    browser.find_element(By.PARTIAL_LINK_TEXT, "Devoirs pour jeudi").send_keys(Keys.ENTER)
    wait.until(expected_conditions.presence_of_element_located((By.ID, "message-body")))
    body = browser.find_element(By.ID, "message-body")
    assert body.find_element(By.TAG_NAME, "b").text == "Important"
    assert [li.text for li in body.find_elements(By.CSS_SELECTOR, "ul li")] == [
        "Exercice 1",
        "Exercice 2",
    ]
    names = [a.text for a in browser.find_elements(By.CSS_SELECTOR, "#attachment-list a")]
    assert sorted(names) == ["exercices.txt", "fiche.pdf"]
    _clean(browser)

    # She makes Maths, then Devoirs inside it, and files the message there.
    _open(browser, live_server, "/messagerie/dossiers/")
    _clean(browser)
    browser.find_element(By.ID, "id_name").send_keys("Maths", Keys.ENTER)
    wait.until(lambda b: b.find_elements(By.XPATH, "//table[@id='folder-table']//a[.='Maths']"))
    browser.find_element(By.ID, "id_name").send_keys("Devoirs")
    Select(browser.find_element(By.ID, "id_parent")).select_by_visible_text("Maths")
    browser.find_element(By.ID, "create-folder").send_keys(Keys.ENTER)
    wait.until(lambda b: b.find_elements(By.XPATH, "//table[@id='folder-table']//a[.='Devoirs']"))
    devoirs = Folder.objects.get(owner=lea, name="Devoirs")
    assert devoirs.parent is not None
    assert devoirs.parent.name == "Maths"
    _clean(browser)
    _open(browser, live_server, "/messagerie/")
    browser.find_element(By.ID, f"select-{entry.pk}").send_keys(Keys.SPACE)
    Select(browser.find_element(By.ID, "batch-action")).select_by_value("move")
    Select(browser.find_element(By.ID, "batch-target")).select_by_value(str(devoirs.pk))
    browser.find_element(By.ID, "batch-apply").send_keys(Keys.ENTER)
    wait.until(lambda b: b.find_elements(By.ID, "empty-folder"))
    assert Entry.objects.get(pk=entry.pk).folder_id == devoirs.pk

    # Three messages selected in the inbox are deleted in one action.
    for number in range(3):
        actions.send_message(
            actor=teacher, to=[address_of(lea)], cc=[], bcc=[], subject=f"Info {number}",
            body_html="<p>Info</p>",
        )  # fmt: skip
    assert _eventually(
        lambda: Entry.objects.filter(owner=lea, folder__role=Role.INBOX).count() == 3
    )
    _open(browser, live_server, "/messagerie/")
    for box in browser.find_elements(By.CSS_SELECTOR, 'input[name="entries"]'):
        box.send_keys(Keys.SPACE)
    Select(browser.find_element(By.ID, "batch-action")).select_by_value("delete")
    browser.find_element(By.ID, "batch-apply").send_keys(Keys.ENTER)
    wait.until(lambda b: b.find_elements(By.ID, "empty-folder"))
    assert not Entry.objects.filter(owner=lea, folder__role=Role.INBOX).exists()
    assert Entry.objects.filter(owner=lea, folder__role=Role.TRASH).count() == 3
    _clean(browser)

    # The other pages of the webmail pass axe too.
    _open(browser, live_server, "/messagerie/recherche/?q=Info")
    assert len(browser.find_elements(By.CSS_SELECTOR, "#search-results tbody tr")) == 3
    _clean(browser)
    _open(browser, live_server, "/messagerie/reglages/")
    _clean(browser)
    _sign_in(browser, live_server, client, cast.head)
    _open(browser, live_server, "/messagerie/politique/")
    _clean(browser)
    assert world.class_4b.label in browser.page_source


@pytest.mark.sdet("UTI-CCO-CEL-07")
@pytest.mark.django_db(transaction=True)
def test_a_refused_message_shows_its_errors_accessibly(browser, live_server, client, cast):
    install_default_grants(actor=None)
    build_world(cast)
    _sign_in(browser, live_server, client, cast.pupil)
    _open(browser, live_server, "/messagerie/ecrire/")
    browser.find_element(By.ID, "id_to").send_keys(address_of(cast.outsider))
    browser.find_element(By.ID, "id_subject").send_keys("Salut")
    browser.find_element(By.ID, "editor-area").send_keys("Coucou")
    browser.find_element(By.ID, "send").send_keys(Keys.ENTER)
    errors = WebDriverWait(browser, 10).until(
        expected_conditions.presence_of_element_located((By.ID, "form-errors"))
    )
    assert address_of(cast.outsider) in errors.text
    assert "Coucou" in browser.find_element(By.ID, "editor-area").text
    _clean(browser)
    assert [d.subject for d in _drafts(cast.pupil)] == ["Salut"]
