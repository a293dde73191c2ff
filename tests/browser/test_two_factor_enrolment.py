"""Enrolment at first login, in a real browser, when every account must have a second factor:
the QR code and the key in French, the app's code, the recovery codes shown once, and the page
the user was going to; then a login with a recovery code."""

from __future__ import annotations

from base64 import b32decode

import pytest
from django_otp.oath import totp

from tests.browser.conftest import axe_violations, screenshot
from tests.browser.helpers import log_in
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def code_for(secret_shown: str) -> str:
    """What an authenticator app that was given the key by hand shows now."""
    key = secret_shown.replace(" ", "")
    key += "=" * (-len(key) % 8)
    return f"{totp(b32decode(key)):06d}"


def test_a_user_enrols_at_first_login_and_later_logs_in_with_a_recovery_code(page, settings):
    settings.TWO_FACTOR_REQUIRED = True
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    user = UserFactory(email="premiere@fournisseur.test")

    log_in(page, user.email)
    page.goto("/factures/")

    assert page.url.split("?")[0].endswith("/compte/double-authentification/")
    assert "Votre compte doit être protégé par la double authentification" in page.content()
    assert page.locator("svg.chorus-qr").is_visible()
    assert axe_violations(page) == []
    screenshot(page, "two-factor-enrolment")
    page.fill("#id_otp_token", code_for(page.locator("code.chorus-secret").inner_text()))
    with page.expect_navigation():
        page.get_by_role("button", name="Confirmer et activer").click()

    assert page.locator("h1").inner_text() == "Vos codes de secours"
    codes = page.locator(".chorus-recovery-codes code").all_inner_texts()
    assert len(codes) == 10
    screenshot(page, "two-factor-recovery-codes")
    with page.expect_navigation():
        page.get_by_role("link", name="J’ai noté mes codes, continuer").click()
    assert page.url.endswith("/factures/")

    log_in(page, user.email)
    assert page.url.endswith("/compte/connexion/code/")
    page.fill("#id_otp_token", codes[0])
    with page.expect_navigation():
        page.get_by_role("button", name="Valider").click()
    assert page.url.endswith("/")
    assert "/compte/connexion" not in page.url
