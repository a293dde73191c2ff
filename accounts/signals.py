"""What happens when someone logs in: the previous login is kept for "since your last visit".

Django's own receiver (``update_last_login``) overwrites ``last_login`` as soon as the user
logs in, and receivers run in the order they were connected, so no later receiver could read
the previous value. ``AccountsConfig.ready`` replaces it with ``record_login``, which keeps the
previous login in the session, updates ``last_login`` (as Django's did), then sends
``login_recorded`` for the apps that tell the user what happened in between.
"""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.signals import user_logged_in
from django.dispatch import Signal
from django.http import HttpRequest

from accounts import services
from accounts.models import User

# Sent once last_login is updated: sender=User, user, request, previous_login (None the first
# time).
login_recorded = Signal()
PREVIOUS_LOGIN_KEY = "accounts_previous_login"


def record_login(sender: type, request: HttpRequest | None, user: User, **kwargs: object) -> None:
    previous = services.user_login_record(user=user)
    if request is not None and hasattr(request, "session"):
        request.session[PREVIOUS_LOGIN_KEY] = previous.isoformat() if previous else None
    login_recorded.send(sender=User, user=user, request=request, previous_login=previous)


def previous_login(request: HttpRequest) -> datetime | None:
    """When the signed-in user logged in before this session, if they had."""
    value = request.session.get(PREVIOUS_LOGIN_KEY)
    return datetime.fromisoformat(value) if value else None


def connect() -> None:
    user_logged_in.disconnect(dispatch_uid="update_last_login")
    user_logged_in.connect(record_login, dispatch_uid="accounts_record_login")
