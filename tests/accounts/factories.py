"""Account data for the tests: accounts awaiting activation, TOTP devices and their codes."""

from __future__ import annotations

import time

from django.core import signing
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from tests.factories import UserFactory


class PendingUserFactory(UserFactory):
    """Registered through the form, activation link not followed yet."""

    is_active = False
    activated_at = None


def totp_device(user: User, *, confirmed: bool = True) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="Application", confirmed=confirmed)


def totp_code(device: TOTPDevice, *, steps_ahead: int = 0) -> str:
    """The code an authenticator app shows now (or ``steps_ahead`` periods of 30 s later)."""
    device.refresh_from_db()
    value = totp(device.bin_key, device.step, device.t0, device.digits, device.drift + steps_ahead)
    return f"{value:0{device.digits}d}"


def wrong_code(device: TOTPDevice) -> str:
    right = {totp_code(device, steps_ahead=n) for n in (-1, 0, 1)}
    return next(f"{n:06d}" for n in range(1_000_000) if f"{n:06d}" not in right)


def sign_in_the_past(monkeypatch, seconds: int) -> None:  # type: ignore[no-untyped-def]
    """Time travel for signatures: what is signed from now on is dated ``seconds`` ago."""
    past = int(time.time()) - seconds
    monkeypatch.setattr(
        signing.TimestampSigner, "timestamp", lambda _self: signing.b62_encode(past)
    )
