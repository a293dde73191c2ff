"""The portal's own answers to errors (``handler400/403/404/500`` and ``CSRF_FAILURE_VIEW``).

Pages are the DSFR error page in the visitor's language (the locale middleware has already
chosen it); the API keeps its JSON error shape. Every page is rendered without the request:
no context processor, nothing that reads the database — for a 500 it may be the very problem.
"""

from __future__ import annotations

import sys

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from chorus.api.errors import DATABASE_UNAVAILABLE, RETRY_AFTER_SECONDS, error_body


def _answer(
    request: HttpRequest, status: int, code: str, detail: str | Promise, template: str = ""
) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse(error_body(code, str(detail)), status=status)
    context = {
        "status": status,
        "site_title": settings.CHORUS["SITE_TITLE"],
        "site_tagline": settings.CHORUS["SITE_TAGLINE"],
    }
    page = render_to_string(template or f"errors/{status}.html", context)
    return HttpResponse(page, status=status)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _answer(request, 400, "bad_request", _("Requête incorrecte."))


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _answer(request, 403, "permission_denied", _("Accès refusé."))


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form sent without its CSRF token (expired, cookies blocked): Django logged why."""
    detail = _("Le formulaire n’a pas pu être vérifié : rien n’a été enregistré.")
    return _answer(request, 403, "permission_denied", detail, "errors/403_csrf.html")


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _answer(request, 404, "not_found", _("Adresse inconnue."))


def server_error(request: HttpRequest) -> HttpResponse:
    """Django's last resort, for pages and the API alike.

    A database that cannot be reached (connection refused or broken mid-request) is a 503 with
    "nothing was stored, try again"; anything else a 500.
    """
    if isinstance(sys.exc_info()[1], OperationalError | InterfaceError):
        response = _answer(request, 503, "service_unavailable", DATABASE_UNAVAILABLE)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return _answer(request, 500, "server_error", _("Erreur interne du serveur."))
