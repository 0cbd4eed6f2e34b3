"""Shared fixtures for the browser tests: one Chromium for the session, fresh pages per
test, built assets, and the checks every page the tests visit must pass.

``check_accessibility`` (which ``visit`` calls) runs axe-core on the page, fails on any
serious or critical finding (and on content outside the landmarks), checks that every
scrolling region can be reached by keyboard at 320 px, and requests every internal link
on the page, failing on any that answers 4xx or 5xx. The ``page`` fixture counts the
documents a test loads and fails the test if any of them was never checked, and fails it
if the browser reported any Content-Security-Policy violation on an LRS page (a script,
style or image the policy blocked: the page would not work as tested in production).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag, urlsplit

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
# Findings that block whatever axe calls their impact: content outside any landmark (a
# back link before <main> is missed by anyone moving by landmarks).
BLOCKING_RULES = {"region"}
NARROW, WIDE = 320, 1280
HEIGHT = 900
# Links whose answer does not depend on who asks or on the test's data: checked once
# per test session.
_PUBLIC_PREFIXES = ("/guidance/", "/static/")
_checked_public_links: set[str] = set()


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


class _Visits:
    """The LRS documents a page loaded (in order) and which of them were checked.

    Pages served by another origin (the local OpenID provider's sign-in and sign-out
    pages) are not ours to check, so they are not counted.
    """

    def __init__(self, origin: str) -> None:
        self.origin = origin.rstrip("/")
        self.loaded: list[str] = []
        # (URL, how many documents had loaded when it was checked)
        self.checks: list[tuple[str, int]] = []
        self.links: set[tuple[str, str]] = set()

    def on_load(self, page: Any) -> None:
        if _origin(page.url) == self.origin:
            self.loaded.append(page.url)

    def checked(self, url: str) -> None:
        self.checks.append((url, len(self.loaded)))

    def unchecked(self) -> list[str]:
        # A check counts for a load it followed; the load event may also reach us just
        # after the check that waited for it (then the counts are equal).
        return [
            url
            for i, url in enumerate(self.loaded)
            if not any(checked == url and seen >= i for checked, seen in self.checks)
        ]


# Each `securitypolicyviolation` event becomes a console error, so that violations the
# browser itself does not print (a report-only policy, say) are caught as well.
_REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  const blocked = event.blockedURI || "inline";
  const where = `${event.sourceFile || document.location.href}:${event.lineNumber}`;
  console.error(`CSP violation: ${event.effectiveDirective} blocked ${blocked} (${where})`);
});
"""


class _CspViolations:
    """Console messages reporting a Content-Security-Policy violation on an LRS page."""

    def __init__(self, origin: str) -> None:
        self.origin = origin.rstrip("/")
        self.found: list[str] = []

    def on_console(self, message: Any) -> None:
        text = message.text
        if "Content Security Policy" not in text and not text.startswith("CSP violation"):
            return
        url = (message.location or {}).get("url") or ""
        if not url and message.page is not None:
            url = message.page.url
        # The local OpenID provider's own pages are not ours to police.
        if not url or _origin(url) == self.origin:
            self.found.append(f"{url}: {text}")


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@pytest.fixture
def page(browser: Any, live_server: Any, settings: Any, axe_source: str) -> Iterator[Any]:
    # The live server speaks plain HTTP; secure-only cookies would never come back.
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": WIDE, "height": HEIGHT}
    )
    context.set_default_timeout(10_000)
    browser_page = context.new_page()
    browser_page.axe_source = axe_source  # type: ignore[attr-defined]
    visits = _Visits(live_server.url)
    browser_page.lrs_visits = visits  # type: ignore[attr-defined]
    browser_page.on("load", visits.on_load)
    violations = _CspViolations(live_server.url)
    context.add_init_script(script=_REPORT_CSP_VIOLATIONS)
    context.on("console", violations.on_console)
    yield browser_page
    unchecked = visits.unchecked()
    context.close()
    assert not violations.found, (
        "The Content-Security-Policy blocked something on these pages:\n"
        + "\n".join(violations.found)
    )
    assert not unchecked, (
        "These pages were loaded but never checked (call check_accessibility after "
        f"each navigation): {unchecked}"
    )


def _describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        targets = [node.get("target") for node in violation.get("nodes", [])][:5]
        lines.append(
            f"[{violation['impact']}] {violation['id']}: {violation['help']} "
            f"({violation.get('helpUrl', '')}) at {json.dumps(targets)}"
        )
    return "\n".join(lines)


def _is_blocking(violation: dict[str, Any]) -> bool:
    return violation.get("impact") in BLOCKING_IMPACTS or violation["id"] in BLOCKING_RULES


_FIT = """(selectors) => {
  const clipped = [];
  for (const selector of selectors) {
    for (const el of document.querySelectorAll(selector)) {
      const rect = el.getBoundingClientRect();
      if (rect.width === 0 && rect.height === 0) continue;
      if (rect.left < 0 || rect.right > window.innerWidth + 1) {
        const where = `${Math.round(rect.left)}..${Math.round(rect.right)}`;
        clipped.push(`${selector} outside the window (${where})`);
        continue;
      }
      for (let box = el.parentElement; box; box = box.parentElement) {
        const overflow = getComputedStyle(box).overflowX;
        if (overflow === 'visible') continue;
        const outer = box.getBoundingClientRect();
        if (rect.left < outer.left - 1 || rect.right > outer.right + 1) {
          const name = `${box.tagName.toLowerCase()}.${box.className}`;
          clipped.push(`${selector} cut off inside ${name}`);
          break;
        }
      }
    }
  }
  const scrollWidth = document.documentElement.scrollWidth;
  return {scrollWidth, innerWidth: window.innerWidth, clipped};
}"""


def assert_fits(page: Any, *, visible: tuple[str, ...] = (), widths=(NARROW, WIDE)) -> None:
    """The page is no wider than the window at each of ``widths`` and every element
    matching ``visible`` is in view without scrolling sideways (not cut off inside a
    scrolling container)."""
    original = page.viewport_size
    try:
        for width in widths:
            page.set_viewport_size({"width": width, "height": HEIGHT})
            fit = page.evaluate(_FIT, list(visible))
            assert fit["scrollWidth"] <= fit["innerWidth"], (
                f"{page.url} is {fit['scrollWidth']} px wide in a {width} px window"
            )
            assert not fit["clipped"], f"At {width} px on {page.url}: {fit['clipped']}"
            if visible:
                assert page.evaluate(
                    "(s) => s.every(sel => document.querySelector(sel) !== null)", list(visible)
                ), f"Nothing on {page.url} matches one of {visible}"
    finally:
        page.set_viewport_size(original)


def _run_axe(page: Any, options: str = "{resultTypes: ['violations']}") -> list[dict[str, Any]]:
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # Evaluated through the DevTools protocol, not added as an inline <script> (which
        # the page's Content-Security-Policy rightly refuses).
        page.evaluate("() => {\n" + page.axe_source + "\n}")
    result = page.evaluate(f"async () => await axe.run(document, {options})")
    return result["violations"]


_LINKS = """() => [...document.querySelectorAll('a[href]')]
  .map(a => a.href).filter(h => h.startsWith(location.origin))"""


def _check_links(page: Any) -> None:
    """GET every internal link on the page (as the signed-in person) and fail on 4xx/5xx."""
    visits: _Visits | None = getattr(page, "lrs_visits", None)
    session = next(
        (c["value"] for c in page.context.cookies() if c["name"] == "sessionid"), "anonymous"
    )
    broken = []
    here = urldefrag(page.url).url
    for href in sorted(set(page.evaluate(_LINKS))):
        url = urldefrag(href).url
        if url == here:  # the skip link, or a link to a part of this page
            continue
        path = urlsplit(url).path
        public = path.startswith(_PUBLIC_PREFIXES)
        if (public and url in _checked_public_links) or (
            visits is not None and (session, url) in visits.links
        ):
            continue
        response = page.request.get(url, max_redirects=0)
        if response.status >= 400:
            broken.append(f"{url} ({response.status})")
        elif public:
            _checked_public_links.add(url)
        if visits is not None:
            visits.links.add((session, url))
    assert not broken, f"Broken links on {page.url}: {broken}"


def check_accessibility(page: Any, *, links: bool = True) -> list[dict[str, Any]]:
    """Check the page as it is now: axe-core (failing on any serious or critical
    violation, or content outside the landmarks), keyboard access to every region that
    scrolls at 320 px, and (unless ``links`` is False) every internal link.

    Returns the minor and moderate findings, for tests that want to look at them.
    """
    page.wait_for_load_state("load")
    visits: _Visits | None = getattr(page, "lrs_visits", None)
    if visits is not None:
        visits.checked(page.url)
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^a-z0-9]+", "-", page.title().lower()).strip("-") or "page"
        page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"), full_page=True)
    violations = _run_axe(page)
    blocking = [v for v in violations if _is_blocking(v)]
    assert not blocking, f"Accessibility violations on {page.url}:\n{_describe(blocking)}"
    original = page.viewport_size
    try:
        # Tables that fit at 1,280 px scroll at 320 px: each must then take keyboard focus.
        page.set_viewport_size({"width": NARROW, "height": HEIGHT})
        narrow = _run_axe(page, "{runOnly: ['scrollable-region-focusable']}")
        width = page.evaluate("() => document.documentElement.scrollWidth")
    finally:
        page.set_viewport_size(original)
    assert not narrow, f"At {NARROW} px on {page.url}:\n{_describe(narrow)}"
    assert width <= NARROW, f"{page.url} is {width} px wide in a {NARROW} px window"
    if links:
        _check_links(page)
    return [v for v in violations if v not in blocking]


def visit(page: Any, url: str) -> Any:
    """Go to ``url`` (relative to the live server) and check the page."""
    response = page.goto(url)
    check_accessibility(page)
    return response
