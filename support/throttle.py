"""The rate limit of the public contact form, per client address.

Why the database and not the cache: the default cache is per process (locmem), so a limit kept
there would be multiplied by the number of gunicorn workers and hosts. The database is shared
by all of them with nothing more to run, and the contact form sees a handful of submissions an
hour, one small indexed insert each. Two simultaneous submissions may both pass the last free
slot: an overshoot of one is harmless for an anti-spam limit, so no lock is taken.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from chorus.clients import client_address as client_address  # the contact form's
from chorus.env import support_settings
from support.models import ContactAttempt


def client_digest(address: str) -> str:
    # Keyed, so that the table cannot be turned back into addresses by hashing all of IPv4.
    return hmac.new(
        settings.SECRET_KEY.encode(), f"support-contact:{address}".encode(), hashlib.sha256
    ).hexdigest()


def _window_start() -> datetime:
    return timezone.now() - timedelta(seconds=support_settings()["CONTACT_RATE_WINDOW"])


def contact_allowed(address: str) -> bool:
    recent = ContactAttempt.objects.filter(
        client_digest=client_digest(address), at__gte=_window_start()
    )
    return recent.count() < support_settings()["CONTACT_RATE_LIMIT"]


@transaction.atomic
def contact_attempt_record(*, address: str) -> None:
    """Counts one submission, and forgets those that left the window (nobody else purges)."""
    ContactAttempt.objects.filter(at__lt=_window_start()).delete()
    ContactAttempt.objects.create(client_digest=client_digest(address))
