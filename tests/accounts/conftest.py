from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _no_otp_throttle_between_tests(settings):  # type: ignore[no-untyped-def]
    """django-otp refuses codes for 2^(n-1) s after n wrong ones; tests about the throttle
    switch it back on, the others need not wait."""
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
