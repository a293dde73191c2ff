"""Headless Chromium (Debian's package) driven by Playwright against a live server.

Screenshots of the pages a test visits go to ``test-artifacts/screenshots/`` so that a person
can look at them after a run (CI keeps that folder).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.utils.services import chromium_path, unavailable

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    # The browser's own words (file inputs, date placeholders) in French too, as users see them.
    "--lang=fr-FR",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


# Added to every page before its own scripts run: keeps what the Content-Security-Policy
# refused, so that a test can assert that nothing was (``csp_violations``).
CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(
    `${event.violatedDirective} blocked ${event.blockedURI || "inline"}` +
      ` at ${event.sourceFile}:${event.lineNumber}`
  );
});
"""


@pytest.fixture
def page(browser, live_server):  # type: ignore[no-untyped-def]
    context = browser.new_context(base_url=live_server.url, locale="fr-FR")
    context.add_init_script(CSP_LISTENER)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def csp_violations(page) -> list[str]:  # type: ignore[no-untyped-def]
    return page.evaluate("window.__cspViolations || []")


def screenshot(page, name: str) -> Path:  # type: ignore[no-untyped-def]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def axe_violations(page, *, impacts: tuple[str, ...] = ("serious", "critical")) -> list[dict]:  # type: ignore[no-untyped-def]
    """Run axe-core in the page; the violations of the given impacts (RGAA AA ≈ WCAG 2.1 AA)."""
    if not AXE.exists():
        unavailable("axe-core is not installed (npm ci --prefix tests/browser)")
    # Evaluated through the DevTools protocol, not added as a <script>: the pages' strict
    # Content-Security-Policy refuses inline scripts, as it should.
    page.evaluate(AXE.read_text(encoding="utf-8"))
    tags = "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']"
    result = page.evaluate(f"async () => await axe.run(document, {{runOnly: {tags}}})")
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
        if v["impact"] in impacts
    ]
