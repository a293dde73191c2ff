from collections.abc import Callable

from csp.constants import HEADER
from csp.middleware import CSPMiddleware
from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils import translation
from django.utils.cache import patch_vary_headers

_AVAILABLE = {code for code, _name in settings.LANGUAGES}


class FrenchFirstLocaleMiddleware:
    """French unless the user chose otherwise (language cookie, set by the switch).

    Unlike Django's LocaleMiddleware it ignores the browser's Accept-Language: the portal's
    users are French suppliers and public servants whose browsers often say "en-US".
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in _AVAILABLE else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        patch_vary_headers(response, ("Cookie",))
        return response


# Powerful browser features the portal never uses: denied to its pages and to anything they
# might embed. Only features every current browser recognises (an unknown one is a console
# error in Chromium).
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "camera",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
    )
)


class PermissionsPolicyMiddleware:
    """Adds ``Permissions-Policy`` to every answer (Django has no setting for it)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, which leaves alone an answer that carries its own policy (the
    API's: ``chorus.api.views.API_CONTENT_SECURITY_POLICY``) without first building the
    portal's. django-csp would keep that header too, but only after building the portal's
    policy and its report-only twin (~0.2 ms of every answer: issue 15, the API deposit).
    The portal sets no report-only policy, so nothing else is skipped."""

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if HEADER in response:
            return response
        return super().process_response(request, response)
