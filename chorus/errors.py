"""The portal's own answers to errors (``handler400/403/404/500`` and ``CSRF_FAILURE_VIEW``).

Pages are the DSFR error page (templates/errors/page.html) in the visitor's language, which the
locale middleware has already chosen; the API keeps its JSON error shape. Every page is rendered
without the request, so with no context processor but ``portal`` (settings only): nothing reads
the database — for a 500 it may be the very problem.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from chorus.api.errors import DATABASE_UNAVAILABLE, RETRY_AFTER_SECONDS, error_body
from chorus.context_processors import portal


@dataclass(frozen=True)
class ErrorPage:
    """What an error page says: what went wrong, and what the visitor can do about it."""

    status: int
    heading: Promise
    lead: Promise
    advice: Promise | str = ""


BAD_REQUEST = ErrorPage(
    400,
    _("Requête incorrecte"),
    _("Le portail n’a pas pu traiter la requête reçue de votre navigateur."),
    _(
        "Repartez de la page d’accueil et recommencez ; si le problème persiste, écrivez au "
        "support."
    ),
)
FORBIDDEN = ErrorPage(
    403,
    _("Accès refusé"),
    _("Vous n’avez pas le droit d’ouvrir cette page."),
    _(
        "Vérifiez que vous êtes connecté avec le bon compte. Si vous devriez y avoir accès, "
        "demandez-le au gestionnaire principal de votre structure."
    ),
)
FORM_REFUSED = ErrorPage(
    403,
    _("Formulaire expiré"),
    _("Le portail n’a pas pu vérifier l’origine du formulaire envoyé : rien n’a été enregistré."),
    _(
        "Le formulaire a pu expirer, ou votre navigateur bloque les cookies du portail. Revenez "
        "à la page précédente, rechargez-la et envoyez le formulaire à nouveau ; les cookies du "
        "portail doivent être autorisés."
    ),
)
NOT_FOUND = ErrorPage(
    404,
    _("Page non trouvée"),
    _("La page que vous cherchez est introuvable. Excusez-nous pour la gêne occasionnée."),
    _(
        "Si vous avez tapé l’adresse dans le navigateur, vérifiez qu’elle est correcte : la page "
        "n’est peut-être plus disponible. Un lien d’un courriel ou d’une autre page vous a mené "
        "ici ? Il a pu expirer ; repartez de la page d’accueil."
    ),
)
SERVER_ERROR = ErrorPage(
    500,
    _("Erreur du serveur"),
    _("Une erreur imprévue s’est produite ; elle a été signalée à l’équipe du portail."),
    _("Réessayez dans quelques instants, et si elle persiste, écrivez au support."),
)
UNAVAILABLE = ErrorPage(
    503,
    _("Service momentanément indisponible"),
    _(
        "Le portail n’a pas pu joindre sa base de données. Rien de ce que vous venez d’envoyer "
        "n’a été enregistré : réessayez dans quelques instants."
    ),
)


def _answer(request: HttpRequest, page: ErrorPage, code: str, detail: Promise) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse(error_body(code, str(detail)), status=page.status)
    html = render_to_string("errors/page.html", {**portal(request), "page": page})
    return HttpResponse(html, status=page.status)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _answer(request, BAD_REQUEST, "bad_request", _("Requête incorrecte."))


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _answer(request, FORBIDDEN, "permission_denied", _("Accès refusé."))


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form sent without its CSRF token (expired, cookies blocked): Django logged why."""
    detail = _("Le formulaire n’a pas pu être vérifié : rien n’a été enregistré.")
    return _answer(request, FORM_REFUSED, "permission_denied", detail)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _answer(request, NOT_FOUND, "not_found", _("Adresse inconnue."))


def server_error(request: HttpRequest) -> HttpResponse:
    """Django's last resort, for pages and the API alike.

    A database that cannot be reached (connection refused or broken mid-request) is a 503 with
    "nothing was stored, try again"; anything else a 500.
    """
    if isinstance(sys.exc_info()[1], OperationalError | InterfaceError):
        response = _answer(request, UNAVAILABLE, "service_unavailable", DATABASE_UNAVAILABLE)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return _answer(request, SERVER_ERROR, "server_error", _("Erreur interne du serveur."))
