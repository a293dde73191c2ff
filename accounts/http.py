"""The request a view receives once its user is known to be logged in, for the type checker.

``login_required`` (pages) and ``IsAuthenticated`` (the API's default permission) let through
a ``User`` only; annotating such a view's request with these types says so, and mypy then
checks what the view does with ``request.user``. Django and DRF still build their usual
request objects: nothing here runs.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from rest_framework.request import Request

from accounts.models import User


class AuthenticatedHttpRequest(HttpRequest):
    """A page's request behind ``login_required``."""

    user: User


class AuthenticatedRequest(Request):
    """An API request past ``IsAuthenticated`` (every API view but the login and the seals)."""

    user: User


def logged_in_user(request: HttpRequest) -> User:
    """``request.user`` where the type checker cannot see that only a logged-in user comes in
    (a view under a decorator typed for a plain request, a helper shared with anonymous
    pages); anyone else is refused."""
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied
    return user
