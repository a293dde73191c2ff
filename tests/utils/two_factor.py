"""Logging a test client in as a user whose session has passed the second factor.

Staff always log in with a second factor (accounts/middleware.py): a plain ``force_login`` of an
administrator is held at the login page, as a session that skipped the code step would be.
"""

from __future__ import annotations

from typing import Any

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.accounts.factories import totp_device


def enrolled_device(user: Any) -> TOTPDevice:
    """The user's confirmed authenticator, made if they have none."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).first() or totp_device(user)


def verified_login(client: Any, user: Any) -> TOTPDevice:
    device = enrolled_device(user)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device


def log_in_as(client: Any, user: Any) -> None:
    """``force_login``, with the second factor passed for the staff who must give it."""
    if user.is_staff:
        verified_login(client, user)
    else:
        client.force_login(user)
