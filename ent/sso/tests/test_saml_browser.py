"""The federation's pages in a real browser (Debian's Chromium): the discovery page and the
refusal page pass axe-core at WCAG 2.1 AA and work from the keyboard."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from ent.core.testing.browser import axe_violations, chromium
from ent.sso.models import Audience
from ent.sso.saml_sp import register_identity_provider

from .saml_peers import PeerIdentityProvider, key_pair


@pytest.fixture
def browser(tmp_path):
    driver = chromium(tmp_path / "profile")
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


@pytest.fixture
def providers(tmp_path):
    for slug, name, audience in (
        ("educonnect", "EduConnect", Audience.PUPILS_AND_PARENTS),
        ("agents", "Portail agents", Audience.STAFF),
    ):
        peer = PeerIdentityProvider(
            keys=key_pair(tmp_path / "keys", slug), entity_id=f"https://{slug}.example.org/idp"
        )
        register_identity_provider(
            actor=None,
            name=name,
            slug=slug,
            audience=audience,
            metadata_xml=peer.metadata(),
            match_attribute="FrEduCtRefId",
        )


@pytest.mark.django_db(transaction=True)
def test_discovery_page_passes_axe_and_reaches_each_way_in_from_the_keyboard(
    browser, live_server, providers
):
    browser.get(live_server.url + "/auth/discovery?next=/timetable/")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "fr"
    assert axe_violations(browser) == []
    headings = browser.find_elements(By.TAG_NAME, "h2")
    assert len(headings) == 3
    links = [a.get_attribute("href") for a in browser.find_elements(By.CSS_SELECTOR, "main a")]
    assert links == [
        live_server.url + "/saml/sp/login/educonnect?next=/timetable/",
        live_server.url + "/saml/sp/login/agents?next=/timetable/",
        live_server.url + "/auth/login?next=%2Ftimetable%2F",
    ]
    body = browser.find_element(By.TAG_NAME, "body")
    body.send_keys(Keys.TAB)
    reached = []
    for _ in range(8):
        browser.switch_to.active_element.send_keys(Keys.TAB)
        reached.append(browser.switch_to.active_element.get_attribute("href"))
    assert set(links) <= set(reached)


@pytest.mark.django_db(transaction=True)
def test_refusal_page_passes_axe(browser, live_server):
    browser.get(live_server.url + "/saml/idp/sso?SAMLRequest=garbage")
    assert browser.find_element(By.CSS_SELECTOR, "[role=alert]").text
    assert axe_violations(browser) == []
