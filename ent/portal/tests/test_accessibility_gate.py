"""The accessibility gate: every page a person can reach passes axe-core at WCAG 2.1 AA, and the
home page, its menus, its launcher and its context switch work from the keyboard.

The crawler discovers the pages instead of listing them: signed in through the real login form
as a pupil, a guardian, a teacher and a head of school, then as an anonymous visitor, it walks
breadth-first every same-origin link reachable from the home page, and the GET forms (search
boxes filled in), runs axe-core on each page, and submits a few forms empty so that their error
states are checked too.
"""

from __future__ import annotations

import hashlib
import re
from collections import deque
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urldefrag, urlsplit

import pytest
from selenium.common.exceptions import TimeoutException, WebDriverException
from selenium.webdriver import Chrome
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from ent.core.testing.browser import axe_violations, chromium

from .conftest import PASSWORD

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.sdet("SOC-POR-PRE-01"),
]

MAX_PAGES = 60  # per person
# Variants of one page (?page=2, /personne/<uuid>/ of each person…): a few are enough.
MAX_PER_SHAPE = 2
ID_SEGMENT = re.compile(r"^(\d+|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$")
MAX_EMPTY_FORMS = 2  # per person
# Never followed: sign-out, operators' admin, the API, files and the SSO protocol endpoints
# (they answer machines or hand over to another site).
SKIPPED_PREFIXES = (
    "/auth/logout",
    "/admin/",
    "/api/",
    "/static/",
    "/media/",
    "/cas/",
    "/saml/",
    "/oauth/",
    "/.well-known/",
    "/i18n/",
)
DOWNLOADS = (".pdf", ".vcf", ".csv", ".ldif", ".zip", ".ics", ".json", ".xml", ".txt", ".svg")
# Forms never submitted empty: they end something, or post elsewhere than a page of their own.
UNSAFE_ACTIONS = ("logout", "delete", "deactivate", "revoke", "suspend", "purge", "setlang")

# One round trip per page: what it is, what axe's WCAG rules leave out, and where it leads.
# - status, content type, and the main region (to recognise a page another person saw already);
# - what STYLE asks of every page beyond axe: RGAA 8.1 (a doctype), 8.6 (a title naming the page
#   before the dash and the project's name), 9.1 (one h1, no skipped heading level), 9.2 (one
#   main region);
# - the forms whose error state is worth seeing: posted, with a required field a person fills;
# - the links to follow, and the addresses its GET forms lead to (search boxes filled in).
PAGE_SCRIPT = """
const unsafe = arguments[0];
const words = arguments[1];
const entry = performance.getEntriesByType('navigation')[0];
const main = document.querySelector('main');
const problems = [];
if (!document.doctype || document.doctype.name !== 'html') problems.push('rgaa-8.1-doctype');
if (!document.title.split(' \\u2013 ')[0].trim()) problems.push('rgaa-8.6-page-title');
if (document.querySelectorAll('main').length !== 1) problems.push('rgaa-9.2-one-main');
const levels = Array.from(document.querySelectorAll('h1, h2, h3, h4, h5, h6'))
  .map(heading => Number(heading.tagName[1]));
const ones = levels.filter(level => level === 1).length;
if (ones !== 1) problems.push('rgaa-9.1-one-h1 (' + ones + ' h1)');
levels.forEach((level, index) => {
  if (index > 0 && level > levels[index - 1] + 1) {
    problems.push('rgaa-9.1-heading-order (h' + levels[index - 1] + ' then h' + level + ')');
  }
});
const forms = Array.from(document.forms).map((form, index) => {
  const action = form.getAttribute('action') || location.pathname;
  const typed = form.querySelectorAll(
    'input[required]:not([type=hidden]):not([type=checkbox]):not([type=radio]),'
    + ' textarea[required], select[required]');
  const ok = (form.method || 'get').toLowerCase() === 'post' && typed.length > 0
    && !unsafe.some(word => action.toLowerCase().includes(word));
  return ok ? [index, new URL(action, location.href).pathname] : null;
}).filter(Boolean);
return {
  url: location.href,
  status: entry ? entry.responseStatus : 0,
  type: document.contentType,
  content: main ? main.innerHTML.replace(/name="csrfmiddlewaretoken" value="[^"]*"/g, '') : '',
  problems: problems,
  forms: forms,
  links: Array.from(document.querySelectorAll('a[href]'))
    .filter(a => !a.hasAttribute('download')).map(a => a.href)
    .concat(Array.from(document.forms)
      .filter(form => (form.getAttribute('method') || 'get').toLowerCase() === 'get')
      .map(form => {
        const data = new FormData(form);
        form.querySelectorAll(
          'input[type=search], input[name=q], input[name=name], input[name=search]'
        ).forEach(box => data.set(box.name, words));
        const url = new URL(form.getAttribute('action') || location.pathname, location.href);
        url.search = new URLSearchParams(data).toString();
        return url.href;
      })),
};
"""
SEARCHED = "Dupont"  # typed in search boxes: Mme Dupont and her son Martin
EMPTY_SUBMIT_SCRIPT = """
const form = document.forms[arguments[0]];
form.noValidate = true;
form.querySelectorAll('input:not([type=hidden]):not([type=checkbox]):not([type=radio]), textarea')
  .forEach(field => { field.value = ''; });
form.requestSubmit();
"""


@dataclass
class Crawl:
    """What one person's walk found."""

    who: str
    # (path, digest of its main content) of the pages already checked, shared by every walk:
    # a page showing another person exactly what it showed a previous one (a help page, the
    # privacy notice) is not checked twice; the frame around it is, on that person's own pages.
    seen: set[tuple[str, str]]
    visited: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    forms: list[tuple[str, int, str]] = field(default_factory=list)  # page, index, action


@pytest.fixture(scope="module")
def gate_browser(tmp_path_factory):
    driver = chromium(tmp_path_factory.mktemp("gate") / "profile")
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


@pytest.fixture
def gate_no_totp(settings):
    """Heads of school sign in with a password alone here: the gate is about their pages."""
    settings.ENT_TOTP_REQUIRED_PROFILES = []
    settings.ENT_TOTP_REQUIRED_FOR_OPERATORS = False


def wait_for(browser: Chrome, condition: Any, seconds: float = 10) -> Any:
    return WebDriverWait(browser, seconds).until(condition)


def sign_in(browser: Chrome, base: str, login: str) -> None:
    """Sign in through the real login form, as a person would."""
    browser.delete_all_cookies()
    browser.get(base + "/auth/login")
    browser.find_element(By.ID, "id_username").send_keys(login)
    password = browser.find_element(By.ID, "id_password")
    password.send_keys(PASSWORD, Keys.ENTER)
    wait_for(browser, lambda driver: "/auth/login" not in driver.current_url)


def _followable(url: str, origin: str) -> str | None:
    """Return the URL to visit for a link, or None when the crawler must not follow it."""
    url, _fragment = urldefrag(url)
    parts = urlsplit(url)
    if f"{parts.scheme}://{parts.netloc}" != origin:
        return None
    path = parts.path or "/"
    if path.startswith(SKIPPED_PREFIXES) or path.lower().endswith(DOWNLOADS):
        return None
    return url


def _describe(url: str, origin: str) -> str:
    return url.removeprefix(origin) or "/"


def _shape(url: str) -> str:
    """Name a page's kind: its path with identifiers blanked, without its query."""
    segments = urlsplit(url).path.split("/")
    return "/".join("{}" if ID_SEGMENT.match(segment) else segment for segment in segments)


def _look(browser: Chrome) -> dict[str, Any]:
    """Describe the page shown (see PAGE_SCRIPT)."""
    page: dict[str, Any] = browser.execute_script(PAGE_SCRIPT, list(UNSAFE_ACTIONS), SEARCHED)
    return page


def _check_page(browser: Chrome, crawl: Crawl, label: str, page: dict[str, Any]) -> bool | None:
    """Run axe on the page shown: True when checked, False when checked already (for another
    person), None when it is no HTML page."""
    if page["type"] != "text/html":
        return None
    key = (label, hashlib.sha256(page["content"].encode()).hexdigest())
    if key in crawl.seen:
        return False
    crawl.seen.add(key)
    if page["status"] >= 500:
        crawl.failures.append(f"{crawl.who} {label}: HTTP {page['status']}")
    for problem in page["problems"]:
        crawl.failures.append(f"{crawl.who} {label}: {problem}")
    for violation in axe_violations(browser):
        nodes = ", ".join(violation["nodes"][:3])
        crawl.failures.append(f"{crawl.who} {label}: {violation['id']} ({nodes})")
    return True


def crawl(browser: Chrome, origin: str, who: str, seen: set[tuple[str, str]]) -> Crawl:
    """Walk breadth-first from the home page, running axe on every page reached."""
    result = Crawl(who, seen)
    queue = deque([origin + "/"])
    queued = {origin + "/"}
    checked: set[str] = set()
    per_shape: dict[str, int] = {}
    loads = 0
    while queue and len(result.visited) < MAX_PAGES and loads < 3 * MAX_PAGES:
        url = queue.popleft()
        loads += 1
        try:
            browser.get(url)
        except (TimeoutException, WebDriverException) as error:
            result.failures.append(f"{who} {_describe(url, origin)}: not loaded ({error.msg})")
            continue
        page = _look(browser)
        final = urldefrag(page["url"])[0]
        if _followable(final, origin) is None or final in checked:
            continue
        checked.add(final)
        label = _describe(final, origin)
        checked_now = _check_page(browser, result, label, page)
        if checked_now is None:
            continue
        if checked_now:
            result.visited.append(label)
        result.forms.extend((final, index, action) for index, action in page["forms"])
        for link in page["links"]:
            target = _followable(link, origin)
            if target is None or target in queued:
                continue
            shape = _shape(target)
            if shape != urlsplit(target).path or urlsplit(target).query:
                if per_shape.get(shape, 0) >= MAX_PER_SHAPE:
                    continue
                per_shape[shape] = per_shape.get(shape, 0) + 1
            queued.add(target)
            queue.append(target)
    return result


def check_empty_forms(browser: Chrome, origin: str, result: Crawl, tried: set[str]) -> None:
    """Submit a few forms empty and check their error state with axe."""
    done = 0
    for page, index, action in result.forms:
        if done >= MAX_EMPTY_FORMS or action in tried:
            continue
        tried.add(action)
        browser.get(page)
        html = browser.find_element(By.TAG_NAME, "html")
        browser.execute_script(EMPTY_SUBMIT_SCRIPT, index)
        wait_for(browser, expected_conditions.staleness_of(html))
        label = f"{_describe(page, origin)} [empty form to {action}]"
        if _check_page(browser, result, label, _look(browser)):
            result.visited.append(label)
            done += 1


@pytest.mark.sdet("SOC-POR-PRE-01", "SOC-POR-MDR-02")
def test_every_page_reachable_by_each_profile_passes_axe(
    gate_browser, live_server, gate_world, gate_no_totp
):
    cast = gate_world.cast
    origin = live_server.url
    people = [
        ("pupil", cast.pupil.login),
        ("guardian", cast.guardian.login),
        ("teacher", cast.teacher.login),
        ("head", cast.head.login),
        ("anonymous", None),
    ]
    crawls = []
    tried_forms: set[str] = set()
    seen: set[tuple[str, str]] = set()
    for who, login in people:
        if login is None:
            gate_browser.delete_all_cookies()
        else:
            sign_in(gate_browser, origin, login)
        result = crawl(gate_browser, origin, who, seen)
        check_empty_forms(gate_browser, origin, result, tried_forms)
        crawls.append(result)
    failures = [failure for result in crawls for failure in result.failures]
    summary = {result.who: len(result.visited) for result in crawls}
    assert failures == [], f"{len(failures)} accessibility failures on {summary}:\n" + "\n".join(
        failures
    )
    # The walk reached real pages: the signed-in people more than the home page, and the
    # anonymous visitor the sign-in page and the public pages, each at least once.
    assert all(count > 2 for count in summary.values()), summary
    anonymous = next(result for result in crawls if result.who == "anonymous")
    assert any(page.startswith("/auth/login") for page in anonymous.visited), anonymous.visited
    assert any("[empty form" in page for result in crawls for page in result.visited)


def _focused(browser: Chrome) -> WebElement:
    return browser.switch_to.active_element


FOCUS_SCRIPT = """
const el = document.activeElement;
const entry = el.closest('[data-service]');
return {
  tag: el.tagName.toLowerCase(), id: el.id, href: el.href || '',
  nav: !!el.closest('nav.site-nav'), service: entry ? entry.getAttribute('data-service') : '',
  skip: !!el.closest('.skip-links'),
};
"""


def tab_walk(browser: Chrome, limit: int = 80) -> list[dict[str, object]]:
    """Press Tab from the top of the page until the first launcher entry has the focus."""
    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
    steps = []
    for _ in range(limit):
        step = browser.execute_script(FOCUS_SCRIPT)
        steps.append(step)
        if step["service"]:
            break
        _focused(browser).send_keys(Keys.TAB)
    return steps


@pytest.mark.sdet("SOC-POR-PRE-01", "SOC-POR-PPO-04", "SOC-POR-MDR-02")
def test_home_menus_launcher_and_context_switch_work_from_the_keyboard(
    gate_browser, live_server, gate_world
):
    origin = live_server.url
    sign_in(gate_browser, origin, gate_world.cast.teacher.login)
    gate_browser.get(origin + "/")
    steps = tab_walk(gate_browser)
    kinds = [
        "skip"
        if step["skip"]
        else "search"
        if step["id"] == "search-q"
        else "context"
        if step["id"] == "context-school"
        else "nav"
        if step["nav"]
        else "launcher"
        if step["service"]
        else "other"
        for step in steps
    ]
    # Skip link first, then the search box, the main menu, and the launcher.
    assert kinds[0] == "skip", steps[0]
    assert str(steps[0]["href"]).endswith("#content"), steps[0]
    assert kinds[-1] == "launcher", kinds
    assert "search" in kinds, kinds
    assert "nav" in kinds, kinds
    assert kinds.index("search") < kinds.index("nav") < kinds.index("launcher"), kinds
    # Every link of the main menu takes the focus.
    menu = [
        link.get_attribute("href")
        for link in gate_browser.find_elements(By.CSS_SELECTOR, "nav.site-nav a")
    ]
    reached = {step["href"] for step in steps if step["nav"]}
    assert menu
    assert set(menu) <= reached, (menu, reached)
    # Enter on the first launcher entry opens its service.
    entry = _focused(gate_browser)
    assert entry.tag_name == "a"
    assert entry.get_attribute("href")
    html = gate_browser.find_element(By.TAG_NAME, "html")
    entry.send_keys(Keys.ENTER)
    wait_for(gate_browser, expected_conditions.staleness_of(html))
    assert "/auth/login" not in gate_browser.current_url

    # Enter on the skip link moves the focus to the main content.
    gate_browser.get(origin + "/")
    gate_browser.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
    _focused(gate_browser).send_keys(Keys.ENTER)
    assert _focused(gate_browser).get_attribute("id") == "content"

    # The context switch: Mme Dupont teaches in X and is a parent in Y.
    gate_browser.get(origin + "/")
    assert "context" in kinds, kinds
    select = gate_browser.find_element(By.ID, "context-school")
    options = select.find_elements(By.TAG_NAME, "option")
    values = {option.get_attribute("value") for option in options}
    schools = {str(gate_world.cast.school.pk), str(gate_world.cast.other_school.pk)}
    assert schools <= values, values
    before = select.get_attribute("value")
    gate_browser.execute_script("arguments[0].focus()", select)
    select.send_keys(Keys.END if options[0].get_attribute("value") == before else Keys.HOME)
    chosen = select.get_attribute("value")
    assert chosen != before
    _focused(gate_browser).send_keys(Keys.TAB)
    html = gate_browser.find_element(By.TAG_NAME, "html")
    _focused(gate_browser).send_keys(Keys.ENTER)
    wait_for(gate_browser, expected_conditions.staleness_of(html))
    gate_browser.get(origin + "/")
    after = gate_browser.find_element(By.ID, "context-school").get_attribute("value")
    assert after == chosen
    assert axe_violations(gate_browser) == []
