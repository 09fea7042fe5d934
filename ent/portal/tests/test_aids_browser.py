"""Presentation aids in a real browser (spec-context scenario 18): chosen in one browser, found in
a second, fresh one; the preferences page passes axe-core and works from the keyboard."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from ent.core.testing.browser import axe_violations, chromium
from ent.portal.models import Preference, Theme
from ent.rights.actions import install_default_grants

PASSWORD = "secret-Passw0rd!"  # S105: the cast's test password


def sign_in(driver, base_url: str, login: str) -> None:
    driver.get(base_url + reverse("identity:login"))
    driver.find_element(By.ID, "id_username").send_keys(login)
    driver.find_element(By.ID, "id_password").send_keys(PASSWORD, Keys.ENTER)
    WebDriverWait(driver, 10).until(lambda page: "/auth/login" not in page.current_url)


def html_classes(driver) -> set[str]:
    return set(driver.execute_script("return document.documentElement.className").split())


@pytest.mark.django_db(transaction=True)
@pytest.mark.sdet("UTI-UTL-PER-02", "SOC-POR-PPO-07", "SOC-POR-PPO-04")
def test_larger_text_and_contrast_follow_the_pupil_to_a_fresh_browser(live_server, cast, tmp_path):
    install_default_grants(actor=None)
    first = chromium(tmp_path / "first-profile")
    first.set_page_load_timeout(30)
    try:
        sign_in(first, live_server.url, cast.pupil.login)
        first.get(live_server.url + "/preferences/")
        assert axe_violations(first) == []
        # Keyboard only: the down button moves a service, and the focus comes back to it.
        down = first.find_elements(By.CSS_SELECTOR, 'button[name="move"][value^="down:"]')[0]
        moved = down.get_attribute("value")
        down.send_keys(Keys.ENTER)
        WebDriverWait(first, 10).until(lambda page: "moved=" in page.current_url)
        assert first.switch_to.active_element.get_attribute("value") == moved
        first.find_element(By.ID, "id_text_size_2").send_keys(Keys.SPACE)
        first.find_element(By.ID, "id_high_contrast").send_keys(Keys.SPACE)
        first.find_element(By.ID, "save-preferences").send_keys(Keys.ENTER)
        WebDriverWait(first, 10).until(lambda page: "aid-contrast" in html_classes(page))
        # The page stays AA with the aids on.
        assert axe_violations(first) == []
    finally:
        first.quit()

    second = chromium(tmp_path / "second-profile")
    second.set_page_load_timeout(30)
    try:
        sign_in(second, live_server.url, cast.pupil.login)
        second.get(live_server.url + "/preferences/")
        assert {"aid-text-150", "aid-contrast"} <= html_classes(second)
        root = "return getComputedStyle(document.documentElement)"
        assert second.execute_script(root + ".fontSize") == "24px"
        header = "return getComputedStyle(document.querySelector('.site-header')).backgroundColor"
        assert second.execute_script(header) == "rgb(0, 0, 0)"
        assert second.find_element(By.ID, "id_text_size_2").is_selected()
    finally:
        second.quit()


@pytest.mark.django_db(transaction=True)
@pytest.mark.sdet("SOC-POR-PPO-05")
def test_the_layout_page_public_page_form_and_themes_pass_axe(live_server, cast, client, tmp_path):
    install_default_grants(actor=None)
    client.force_login(cast.head)
    driver = chromium(tmp_path / "head-profile")
    driver.set_page_load_timeout(30)
    try:
        driver.get(live_server.url + reverse("identity:login"))
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        driver.add_cookie({"name": settings.SESSION_COOKIE_NAME, "value": cookie.value})
        for url in (
            reverse("portal:layout", args=[cast.school.pk]) + "?profile=TUT",
            reverse("portal:school-page-edit", args=[cast.school.pk]),
        ):
            driver.get(live_server.url + url)
            assert driver.current_url.endswith(url)
            assert driver.find_element(By.TAG_NAME, "h1").text
            assert axe_violations(driver) == []
        # Every theme keeps AA contrast.
        for theme in (Theme.FOREST, Theme.SUNSET, Theme.SLATE):
            Preference.objects.update_or_create(person=cast.head, defaults={"theme": theme})
            driver.get(live_server.url + reverse("portal:preferences"))
            assert f"theme-{theme.lower()}" in html_classes(driver)
            assert axe_violations(driver) == [], theme
    finally:
        driver.quit()
