from collections.abc import Callable

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from accounts import selectors

# Paths a user who has not accepted the CGU may still reach.
_ALWAYS_OPEN = ("/compte/cgu/", "/compte/deconnexion/", "/i18n/", "/static/", "/sante/", "/api/")


class TermsAcceptanceMiddleware:
    """Takes a signed-in user to the current CGU until they have accepted them."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(_ALWAYS_OPEN)
            and not selectors.user_has_accepted_current_terms(user)
        ):
            query = urlencode({"next": request.get_full_path()})
            return redirect(f"{reverse('accounts:terms')}?{query}")
        return self.get_response(request)


# Paths a signed-in user who still owes the second factor may reach: enrolment, logout.
_SECOND_FACTOR_OPEN = (
    "/compte/double-authentification/",
    "/compte/deconnexion/",
    "/compte/connexion/",
    "/i18n/",
    "/static/",
    "/sante/",
)


class SecondFactorMiddleware:
    """Holds a signed-in user who must use a second factor (every account when
    ``TWO_FACTOR_REQUIRED`` is on; staff always) until their session has proved it.

    A user without an authenticator yet is taken to the enrolment page (their first login);
    a session that skipped the code step (a login elsewhere, an older session) must log in
    again. In the API such a session is nobody: only a token, or a verified session, acts.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or user.is_verified():
            return self.get_response(request)
        if not selectors.second_factor_required(user):
            return self.get_response(request)
        if request.path.startswith("/api/"):
            request.user = AnonymousUser()
            return self.get_response(request)
        if request.path.startswith(_SECOND_FACTOR_OPEN):
            return self.get_response(request)
        query = urlencode({"next": request.get_full_path()})
        if selectors.has_two_factor(user):
            return redirect(f"{reverse('accounts:login')}?{query}")
        return redirect(f"{reverse('accounts:two_factor')}?{query}")
