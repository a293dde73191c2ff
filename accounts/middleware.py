from collections.abc import Callable

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
