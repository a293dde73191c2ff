"""Lockout after repeated failed logins (django-axes), shared by the password and code steps.

Failures are counted per login e-mail (settings: ``AXES_LOCKOUT_PARAMETERS``). A wrong second-
factor code is a failed login too: it goes into the same count, so that knowing the password
gives no more than ``AXES_FAILURE_LIMIT`` guesses at the code before the account locks.
"""

from __future__ import annotations

from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_lockout_response
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest, HttpResponse


def axes_username(request: HttpRequest | None, credentials: dict[str, Any] | None) -> str | None:
    """The key failures are counted under (``AXES_USERNAME_CALLABLE``).

    Logins match e-mails case-insensitively; counting "Ana@x.fr" and "ana@x.fr" apart would
    give an attacker five more guesses for each way of writing the address.
    """
    value = (credentials or {}).get("username")
    if value is None and request is not None:
        value = getattr(request, "POST", {}).get("username")
    if not isinstance(value, str):
        return None
    return value.strip().lower() or None


def _credentials(email: str) -> dict[str, str]:
    return {"username": email}


def is_locked_out(request: HttpRequest, email: str) -> bool:
    return not AxesProxyHandler.is_allowed(request, _credentials(email))


def failure_record(request: HttpRequest, email: str) -> None:
    """Counts a failed login for ``email``; locks the account at the limit, as a bad password."""
    user_login_failed.send(sender=__name__, credentials=_credentials(email), request=request)


def success_record(request: HttpRequest, user: AbstractBaseUser) -> None:
    """A login that succeeded without Django's ``login()`` (an API token): axes forgets the
    failures, as it does on ``user_logged_in`` for the form, and logs the access."""
    AxesProxyHandler.user_logged_in(sender=__name__, request=request, user=user)


def lockout_response(request: HttpRequest, email: str) -> HttpResponse:
    return get_lockout_response(request, None, _credentials(email))
