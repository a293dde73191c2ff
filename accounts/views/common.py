from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme

from accounts.models import User
from chorus import clients


def client_ip(request: HttpRequest) -> str | None:
    """The client's address behind the portal's trusted proxies (``SUPPORT_PROXY_COUNT``)."""
    return clients.client_ip(request)


def current_language() -> str:
    language = translation.get_language() or settings.LANGUAGE_CODE
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return default


def remember_language(response: HttpResponse, language: str) -> HttpResponse:
    """Sets the language cookie as Django's own language switch does."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response


def language_at_login(request: HttpRequest, response: HttpResponse, user: User) -> HttpResponse:
    """The language choice survives from one device and one session to the next.

    A language chosen in this browser (the switch sets a cookie) is the user's latest choice:
    it becomes their preference, which e-mails follow too. A browser with no choice yet gets
    the user's preference.
    """
    from accounts import services

    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if chosen in dict(settings.LANGUAGES):
        services.user_language_set(user=user, language=chosen)
        return response
    return remember_language(response, user.preferred_language)
