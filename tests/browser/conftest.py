"""Shared fixtures for the browser tests: one Chromium for the session, fresh pages per
test, built assets, and an axe-core check after every page the tests visit."""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# Playwright's sync API runs an event loop in the test's thread; Django's ORM (used to set
# up data for the live server) refuses to run there unless told it is safe, which it is
# for these tests: nothing else touches the loop.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ROOT = Path(__file__).resolve().parents[2]
APP_CSS = ROOT / "build" / "static" / "lrs" / "app.css"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = "/usr/bin/chromium"
# Set to a directory to keep a screenshot of every page visited, for looking at by eye.
SCREENSHOTS = os.environ.get("LRS_SCREENSHOTS_DIR", "")

BLOCKING_IMPACTS = {"serious", "critical"}


@pytest.fixture(scope="session", autouse=True)
def built_assets() -> None:
    """The portal's CSS, built once if missing (`npm run build`)."""
    if not APP_CSS.exists():
        subprocess.run(["npm", "run", "build"], cwd=ROOT, check=True)
    assert APP_CSS.exists(), "npm run build did not produce build/static/lrs/app.css"


@pytest.fixture(scope="session")
def axe_source() -> str:
    return AXE.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any, live_server: Any, settings: Any, axe_source: str) -> Iterator[Any]:
    # The live server speaks plain HTTP; secure-only cookies would never come back.
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    browser_page = context.new_page()
    browser_page.axe_source = axe_source  # type: ignore[attr-defined]
    yield browser_page
    context.close()


def _describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        targets = [node.get("target") for node in violation.get("nodes", [])][:5]
        lines.append(
            f"[{violation['impact']}] {violation['id']}: {violation['help']} "
            f"({violation.get('helpUrl', '')}) at {json.dumps(targets)}"
        )
    return "\n".join(lines)


# GOV.UK Frontend's conditional reveal sets aria-expanded on the radio that reveals more
# questions (here "Other (described)" reveals its description). ARIA does not list
# aria-expanded for radios, so axe reports it as critical; the Design System keeps it on
# purpose, because screen readers announce it, and lists it as a known issue
# (alphagov/govuk-frontend#979). Only that attribute is hidden from axe, only on such
# radios, and only while axe runs: everything else on the page is checked as usual.
_HIDE_RADIO_EXPANDED = """() => {
  for (const radio of document.querySelectorAll(
      'input[type=radio][aria-controls][aria-expanded]')) {
    radio.dataset.lrsExpanded = radio.getAttribute('aria-expanded');
    radio.removeAttribute('aria-expanded');
  }
}"""
_RESTORE_RADIO_EXPANDED = """() => {
  for (const radio of document.querySelectorAll('input[type=radio][data-lrs-expanded]')) {
    radio.setAttribute('aria-expanded', radio.dataset.lrsExpanded);
    delete radio.dataset.lrsExpanded;
  }
}"""


def check_accessibility(page: Any) -> list[dict[str, Any]]:
    """Run axe-core on the page as it is now; fail on any serious or critical violation.

    Returns the minor and moderate ones, for tests that want to look at them.
    """
    page.wait_for_load_state("load")
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^a-z0-9]+", "-", page.title().lower()).strip("-") or "page"
        page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"), full_page=True)
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=page.axe_source)
    page.evaluate(_HIDE_RADIO_EXPANDED)
    try:
        result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    finally:
        page.evaluate(_RESTORE_RADIO_EXPANDED)
    violations = result["violations"]
    blocking = [v for v in violations if v.get("impact") in BLOCKING_IMPACTS]
    assert not blocking, f"Accessibility violations on {page.url}:\n{_describe(blocking)}"
    return [v for v in violations if v not in blocking]


def visit(page: Any, url: str) -> Any:
    """Go to ``url`` (relative to the live server) and check the page with axe."""
    response = page.goto(url)
    check_accessibility(page)
    return response
