"""A real browser for page tests: Debian's Chromium driven by Selenium, with axe-core."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

REPO = Path(__file__).resolve().parents[3]
AXE = REPO / ".venv" / "npm" / "node_modules" / "axe-core" / "axe.min.js"
# RGAA 4.1 maps onto WCAG 2.1 levels A and AA.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def chromium(user_data_dir: Path) -> webdriver.Chrome:
    """Start headless Chromium; the project's scripts install it (scripts/system-packages)."""
    binary = shutil.which("chromium")
    driver = shutil.which("chromedriver")
    if binary is None or driver is None:
        raise RuntimeError(
            "Chromium is missing: run `make install` (Debian chromium, chromium-driver)."
        )
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--window-size=1280,900",
        "--lang=fr-FR",
        f"--user-data-dir={user_data_dir}",
    ):
        options.add_argument(flag)
    options.add_experimental_option("prefs", {"intl.accept_languages": "fr-FR,fr"})
    return webdriver.Chrome(options=options, service=Service(executable_path=driver))


def axe_violations(driver: webdriver.Chrome) -> list[dict[str, Any]]:
    """Run axe-core on the current page at WCAG 2.1 AA and return its violations."""
    if not AXE.exists():
        raise RuntimeError(f"{AXE} is missing: run `make install` (npm axe-core).")
    driver.execute_script(AXE.read_text(encoding="utf-8"))
    violations = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}})"
        ".then(r => done(r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.map(n => n.target.join(' '))}))))",
        WCAG_TAGS,
    )
    return list(violations)
