"""What the browser tests do again and again: sign in, read an e-mailed link, wait for a status.

Playwright's sync API keeps an event loop in the test thread; the ORM calls made meanwhile are
plain synchronous code (tests/conftest.py allows them).
"""

from __future__ import annotations

import re
import time
from urllib.parse import urlsplit

from django.core import mail

from tests.browser.conftest import axe_violations
from tests.factories import DEFAULT_PASSWORD

# Reloading a page until the routing worker has moved the invoice: bounded, never forever.
STATUS_WAIT_SECONDS = 30


def ready(page) -> None:  # type: ignore[no-untyped-def]
    """The design system's script has finished the markup (menus, roles): axe may look."""
    page.wait_for_selector("html[data-fr-js='true']", state="attached")


BROKEN_REFERENCES = """() => Array.from(
    document.querySelectorAll('[aria-describedby], [aria-labelledby], [aria-controls]')
).flatMap(el => ['aria-describedby', 'aria-labelledby', 'aria-controls'].flatMap(
    name => (el.getAttribute(name) || '').split(/\\s+/).filter(Boolean)
        .filter(id => !document.getElementById(id))
        .map(id => `${el.id || el.tagName.toLowerCase()} ${name}=${id}`)
))"""


def violations(page) -> list[dict]:  # type: ignore[no-untyped-def]
    """axe-core's serious and critical violations, and any ARIA reference to a missing element
    (a hint or an error a screen reader would never read; axe lets those pass)."""
    ready(page)
    found = axe_violations(page)
    broken = page.evaluate(BROKEN_REFERENCES)
    if broken:
        found.append({"id": "broken-aria-reference", "impact": "serious", "nodes": broken[:5]})
    return found


def log_in(page, email: str, password: str = DEFAULT_PASSWORD) -> None:  # type: ignore[no-untyped-def]
    page.context.clear_cookies()
    page.goto("/compte/connexion/")
    page.fill("#id_username", email)
    page.fill("#id_password", password)
    # Until the answer is in: a page opened before would abort the login's POST.
    with page.expect_navigation():
        page.locator("main button[type=submit]").click()


def log_in_with_second_factor(page, user) -> None:  # type: ignore[no-untyped-def]
    """``log_in``, then the code step that staff always pass (their authenticator made if none)."""
    from tests.accounts.factories import totp_code
    from tests.utils.two_factor import enrolled_device

    device = enrolled_device(user)
    log_in(page, user.email)
    assert page.url.endswith("/compte/connexion/code/"), page.url
    page.fill("#id_otp_token", totp_code(device))
    with page.expect_navigation():
        page.locator("main button[type=submit]").click()


def e_mailed_path(to: str, pattern: str) -> str:
    """The path of the first link matching ``pattern`` in the last e-mail sent to ``to``.

    The live server runs in this process with the locmem backend: its e-mails land in
    ``mail.outbox``. Links are absolute on SITE_URL; the test follows them on the live server.
    """
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        for message in reversed(mail.outbox):
            if to in message.to:
                found = re.search(rf"https?://\S*{pattern}\S*", message.body)
                assert found, f"no link matching {pattern!r} in: {message.body}"
                return urlsplit(found.group(0)).path
        time.sleep(0.1)
    raise AssertionError(f"no e-mail to {to}")


def wait_for_text(page, selector: str, text: str, *, timeout: float = STATUS_WAIT_SECONDS) -> None:  # type: ignore[no-untyped-def]
    """Reload the page until ``selector`` shows ``text``: what a user does while the worker
    routes an invoice."""
    deadline = time.monotonic() + timeout
    while True:
        if text in (page.locator(selector).first.text_content() or ""):
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"{text!r} not shown in {selector} after {timeout}s")
        time.sleep(0.3)
        page.reload()


def tick(page, input_id: str) -> None:  # type: ignore[no-untyped-def]
    """Tick a DSFR checkbox as a user does: on its label (the input itself is drawn over)."""
    page.locator(f"label[for='{input_id}']").click()
    assert page.locator(f"#{input_id}").is_checked()


def text_of(page, selector: str) -> str:  # type: ignore[no-untyped-def]
    """The text as written (badges are upper-cased by CSS, which inner_text applies)."""
    return " ".join((page.locator(selector).first.text_content() or "").split())


def main_text(page) -> str:  # type: ignore[no-untyped-def]
    return " ".join(page.locator("main").inner_text().split())


def alerts_text(page) -> str:  # type: ignore[no-untyped-def]
    """The messages shown above the content (success, errors...)."""
    return " ".join(" ".join(page.locator(".fr-alert").all_inner_texts()).split())


def throttle(page, *, upload: int = -1, download: int = -1) -> None:  # type: ignore[no-untyped-def]
    """Chromium's network emulation, in bytes per second (-1: not limited), so that a transfer
    lasts long enough for a progress bar to be seen moving."""
    session = page.context.new_cdp_session(page)
    session.send("Network.enable")
    session.send(
        "Network.emulateNetworkConditions",
        {
            "offline": False,
            "latency": 0,
            "downloadThroughput": download,
            "uploadThroughput": upload,
        },
    )
