"""The chat in real browsers served by Daphne (HTTP and WebSocket): two people exchange a
message live, from the keyboard, and every chat page passes axe-core at WCAG 2.1 AA."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connections
from django.test import Client
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from ent.chat.actions import join_channel, open_channel
from ent.chat.models import Message
from ent.core.testing.browser import axe_violations, chromium
from ent.rights.actions import install_default_grants
from ent.rights.tests.factories import build_world, pupil_in

from .asgi_server import daphne_url


@pytest.fixture
def browsers(tmp_path):
    drivers = [chromium(tmp_path / "one"), chromium(tmp_path / "two")]
    for driver in drivers:
        driver.set_page_load_timeout(30)
    yield drivers
    for driver in drivers:
        driver.quit()


@pytest.fixture
def one_sqlite_connection(monkeypatch):
    """On the in-memory SQLite test database, Daphne's threads use the test's connection, as
    Django's own live server thread does (shared-cache table locks would refuse concurrent
    writers); PostgreSQL needs nothing."""
    connection = connections["default"]
    if connection.vendor != "sqlite" or not connection.is_in_memory_db():  # type: ignore[attr-defined]  # attr-defined: the SQLite wrapper has it
        yield
        return
    connection.inc_thread_sharing()
    monkeypatch.setattr(connections, "create_connection", lambda alias: connection)
    yield
    connection.dec_thread_sharing()


def _sign_in(browser, base: str, person) -> None:
    client = Client()
    client.force_login(person)
    browser.delete_all_cookies()
    browser.get(base + "/static/core/ent.css")
    browser.add_cookie(
        {
            "name": settings.SESSION_COOKIE_NAME,
            "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
            "path": "/",
        }
    )


def _open(browser, base: str, path: str) -> None:
    browser.get(base + path)
    WebDriverWait(browser, 15).until(
        expected_conditions.presence_of_element_located((By.TAG_NAME, "h1"))
    )


def _live(browser) -> None:
    WebDriverWait(browser, 15).until(
        lambda driver: driver.find_element(By.ID, "chat-form").get_attribute("data-live") == "true"
    )


@pytest.mark.sdet("UTI-CCO-MIN-00", "UTI-CCO-MIN-01", "UTI-CCO-MIN-02")
@pytest.mark.django_db(transaction=True)
def test_two_pupils_chat_live_and_the_pages_pass_axe(browsers, cast, one_sqlite_connection):
    install_default_grants(actor=None)
    world = build_world(cast)
    ines = pupil_in(world.class_3a, login="ines.moreau", first_name="Inès", last_name="Moreau")
    channel = open_channel(actor=cast.teacher, school=cast.school, division=world.class_3a)
    join_channel(actor=ines, conversation=channel)
    base = daphne_url()
    lea_browser, ines_browser = browsers

    # Léa reaches the chat from the widget of another page (MIN-01).
    _sign_in(lea_browser, base, cast.pupil)
    _open(lea_browser, base, "/")
    lea_browser.find_element(By.ID, "chat-widget").click()
    WebDriverWait(lea_browser, 15).until(expected_conditions.url_contains("/tchat/"))
    assert axe_violations(lea_browser) == []
    lea_browser.find_element(By.CSS_SELECTOR, f'button[data-join="{channel.pk}"]').click()
    WebDriverWait(lea_browser, 15).until(expected_conditions.url_contains(f"/tchat/{channel.pk}/"))

    _sign_in(ines_browser, base, ines)
    _open(ines_browser, base, f"/tchat/{channel.pk}/")
    _live(lea_browser)
    _live(ines_browser)
    assert axe_violations(ines_browser) == []

    # Léa writes from the keyboard: Enter sends, and Inès reads it without reloading.
    box = lea_browser.find_element(By.ID, "id_body")
    box.send_keys("Qui a le cours d'histoire ?")
    box.send_keys(Keys.ENTER)
    WebDriverWait(ines_browser, 15).until(
        expected_conditions.text_to_be_present_in_element(
            (By.ID, "chat-history"), "Qui a le cours d'histoire ?"
        )
    )
    assert Message.objects.get().author == cast.pupil
    # Inès answers; the answer reaches Léa live, with a report link on it.
    answer = ines_browser.find_element(By.ID, "id_body")
    answer.send_keys("Moi, je te l'envoie.")
    ines_browser.find_element(By.ID, "chat-send").click()
    WebDriverWait(lea_browser, 15).until(
        expected_conditions.text_to_be_present_in_element((By.ID, "chat-history"), "envoie")
    )
    assert lea_browser.find_elements(By.CSS_SELECTOR, "#chat-history .report-link")
    assert axe_violations(lea_browser) == []

    _open(lea_browser, base, "/tchat/contacts/")
    assert axe_violations(lea_browser) == []

    # The teacher's channel form and the head's rules page.
    _sign_in(lea_browser, base, cast.teacher)
    _open(lea_browser, base, "/tchat/canaux/nouveau/")
    assert axe_violations(lea_browser) == []
    _open(lea_browser, base, f"/tchat/{channel.pk}/gerer/")
    assert axe_violations(lea_browser) == []
    _sign_in(lea_browser, base, cast.head)
    _open(lea_browser, base, f"/tchat/regles/{cast.school.pk}/")
    assert axe_violations(lea_browser) == []
