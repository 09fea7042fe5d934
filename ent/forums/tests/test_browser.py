"""The forums in a real browser, checked by axe-core at WCAG 2.1 AA: my spaces, a space by
thread and by date, a thread answered from the keyboard alone, members, delivery, creation."""

from __future__ import annotations

import pytest
from django.conf import settings
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from ent.core.testing.browser import axe_violations, chromium
from ent.forums.models import Post
from ent.rights.actions import install_default_grants
from ent.rights.tests.factories import build_world

from .factories import club, reply, thread


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


def _tab_to(browser, element_id: str) -> None:
    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
    for _ in range(120):
        if browser.switch_to.active_element.get_attribute("id") == element_id:
            return
        browser.switch_to.active_element.send_keys(Keys.TAB)
    raise AssertionError(f"#{element_id} is not reachable with the keyboard")


@pytest.mark.sdet("UTI-CCO-EEC-00", "UTI-CCO-EEC-04")
@pytest.mark.django_db(transaction=True)
def test_forum_pages_pass_axe_and_a_reply_is_sent_from_the_keyboard(
    browser, live_server, client, cast
):
    install_default_grants(actor=None)
    world = build_world(cast)
    space = club(cast.teacher, cast.pupil, world.tom, title="Défis maths")
    first = thread(
        cast.teacher, space, subject="Énigme", body="Lien : https://eduscol.education.fr"
    )
    reply(world.tom, first, "Première réponse")
    world.tom.refresh_from_db()

    _sign_in(browser, live_server, client, cast.teacher)
    for path in (
        "/forums/",
        f"/forums/{space.pk}/",
        f"/forums/{space.pk}/?vue=date",
        f"/forums/{space.pk}/membres/?q=Tom",
        f"/forums/{space.pk}/modifier/",
        f"/forums/{space.pk}/supprimer/",
        "/forums/nouveau/",
    ):
        _open(browser, live_server, path)
        assert axe_violations(browser) == [], path

    _sign_in(browser, live_server, client, cast.pupil)
    _open(browser, live_server, "/forums/")
    assert browser.find_element(By.CSS_SELECTOR, f'#my-spaces tr[data-space="{space.pk}"]')
    assert axe_violations(browser) == []
    _open(browser, live_server, f"/forums/{space.pk}/reception/")
    assert axe_violations(browser) == []
    _open(browser, live_server, f"/forums/fils/{first.pk}/")
    link = browser.find_element(By.CSS_SELECTOR, ".forum-body a")
    assert link.get_attribute("href") == "https://eduscol.education.fr/"
    assert axe_violations(browser) == []
    # Open the reply form of Tom's answer, write and send it, keyboard only.
    answer = Post.objects.get(parent=first)
    _tab_to(browser, f"reply-toggle-{answer.pk}")
    browser.switch_to.active_element.send_keys(Keys.ENTER)
    browser.switch_to.active_element.send_keys(Keys.TAB)
    assert browser.switch_to.active_element.get_attribute("id") == f"reply-{answer.pk}"
    browser.switch_to.active_element.send_keys("Réponse au clavier")
    browser.switch_to.active_element.send_keys(Keys.TAB)
    browser.switch_to.active_element.send_keys(Keys.ENTER)
    WebDriverWait(browser, 10).until(
        expected_conditions.presence_of_element_located(
            (By.CSS_SELECTOR, f'li[data-parent="{answer.pk}"]')
        )
    )
    assert Post.objects.get(parent=answer).body == "Réponse au clavier"
    assert axe_violations(browser) == []
