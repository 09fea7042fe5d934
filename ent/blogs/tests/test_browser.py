"""The blogs in a real browser, checked by axe-core at WCAG 2.1 AA: the list, a blog, the
editor, a post, the moderation queue, the rights and settings pages, and the public page read
without signing in; a pupil writes a post and the teacher validates it with the keyboard."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from ent.blogs import actions
from ent.blogs.models import Post, Status
from ent.core.testing.browser import axe_violations, chromium
from ent.directory.models import Profile
from ent.rights.actions import install_default_grants
from ent.rights.tests.factories import build_world, guardian_of, person_in, pupil_in

from .factories import class_blog, png


@pytest.fixture
def browser(tmp_path):
    driver = chromium(tmp_path / "profile")
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


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
    """Press Tab (as a keyboard would, whatever has the focus) until `element_id` has it."""
    for _ in range(120):
        if browser.switch_to.active_element.get_attribute("id") == element_id:
            return
        ActionChains(browser).send_keys(Keys.TAB).perform()
    raise AssertionError(f"#{element_id} cannot be reached with the Tab key")


def _type(browser, *keys: str) -> None:
    ActionChains(browser).send_keys(*keys).perform()


@pytest.mark.sdet("UTI-CCO-PWE-00", "UTI-CCO-PWE-01", "UTI-CCO-PWE-04")
@pytest.mark.django_db(transaction=True)
def test_blog_pages_pass_axe_and_work_from_the_keyboard(browser, live_server, client, cast):
    install_default_grants(actor=None)
    world = build_world(cast)
    lea = pupil_in(world.class_4b, login="lea.4b", first_name="Léa", last_name="Garnier")
    petit = person_in(cast.school, Profile.TUT, login="mme.petit", last_name="Petit")
    guardian_of(lea, petit)
    teacher = cast.teacher
    blog = class_blog(teacher, world.class_4b)
    first = actions.write_post(
        actor=teacher,
        blog=blog,
        title="Le programme",
        body="<p>Madrid puis Tolède.</p>",
        uploads=[actions.Upload("madrid.png", png(40))],
        media_description="Le ciel de Madrid",
    )
    actions.add_comment(actor=petit, post=first, body="Merci pour ces nouvelles")
    page = actions.write_page(actor=teacher, blog=blog, title="Infos pratiques", body="Urgence")
    actions.set_page_public(actor=teacher, page=page, is_public=True)

    # Léa writes a post from the editor, with the keyboard.
    _sign_in(browser, live_server, client, lea)
    _open(browser, live_server, f"/blogs/{blog.pk}/ecrire/")
    assert axe_violations(browser) == []
    _tab_to(browser, "id_title")
    _type(browser, "Arrivée à Madrid", Keys.TAB, "Nous sommes bien arrivés.")
    _tab_to(browser, "save-post")
    _type(browser, Keys.ENTER)
    WebDriverWait(browser, 10).until(
        expected_conditions.presence_of_element_located((By.ID, "status-notice"))
    )
    pending = Post.objects.get(title="Arrivée à Madrid")
    assert pending.status == Status.PENDING
    assert axe_violations(browser) == []

    # The teacher: list, blog, queue, then validates Léa's post with the keyboard.
    _sign_in(browser, live_server, client, teacher)
    for path in ("/blogs/", f"/blogs/{blog.pk}/", f"/blogs/{blog.pk}/moderation/"):
        _open(browser, live_server, path)
        assert axe_violations(browser) == [], path
    _open(browser, live_server, f"/blogs/billets/{pending.pk}/")
    assert axe_violations(browser) == []
    _tab_to(browser, "approve-post")
    _type(browser, Keys.ENTER)
    WebDriverWait(browser, 10).until(
        expected_conditions.invisibility_of_element_located((By.ID, "approve-post"))
    )
    pending.refresh_from_db()
    assert pending.status == Status.PUBLISHED
    for path in (
        f"/blogs/billets/{first.pk}/",
        f"/blogs/{blog.pk}/droits/",
        f"/blogs/{blog.pk}/reglages/",
        f"/blogs/{blog.pk}/pages/nouvelle/",
        f"/blogs/pages/{page.pk}/",
        "/blogs/nouveau/",
    ):
        _open(browser, live_server, path)
        assert axe_violations(browser) == [], path

    # The parent reads the post and its photo.
    _sign_in(browser, live_server, client, petit)
    _open(browser, live_server, f"/blogs/billets/{first.pk}/")
    photo = browser.find_element(By.CSS_SELECTOR, ".post-body img")
    assert photo.get_attribute("alt") == "Le ciel de Madrid"
    assert browser.execute_script("return arguments[0].naturalWidth", photo) == 40
    assert axe_violations(browser) == []

    # An anonymous visitor reads the public page, and is sent to the login page elsewhere.
    browser.delete_all_cookies()
    _open(browser, live_server, f"/blogs/pages/{page.pk}/")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Infos pratiques"
    assert axe_violations(browser) == []
    _open(browser, live_server, f"/blogs/{blog.pk}/")
    assert browser.current_url.startswith(live_server.url + reverse("identity:login"))
