"""One error shape for every API error, and the exceptions the endpoints raise.

Every error answer is ``{"code": "...", "detail": "...", "errors": {"field": ["..."]}}``:
``code`` is a stable machine word, ``detail`` a sentence for people (French, or English when
the request asks for it), ``errors`` the messages per field (dotted paths for nested fields,
``lines.0.quantity``; ``non_field_errors`` for the request as a whole), empty when none.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.db import InterfaceError, OperationalError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

logger = logging.getLogger("chorus.api")

NON_FIELD = "non_field_errors"


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _(
        "Cette action n'est pas possible dans le statut actuel de la facture, "
        "ou quelqu'un a agi entre-temps."
    )
    default_code = "invalid_status"


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = _("Le fichier ou la requête est trop volumineux.")
    default_code = "too_large"


class FileTypeRefused(exceptions.APIException):
    status_code = status.HTTP_415_UNSUPPORTED_MEDIA_TYPE
    default_detail = _("Ce type de fichier n'est pas accepté.")
    default_code = "unsupported_file_type"


class IdempotencyMismatch(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = _(
        "Cette clé d'idempotence a déjà servi pour une autre requête : "
        "utilisez une nouvelle clé pour une nouvelle requête."
    )
    default_code = "idempotency_key_reused"


class IdempotencyInProgress(Conflict):
    default_detail = _(
        "Une requête avec cette clé d'idempotence est encore en cours : réessayez dans un instant."
    )
    default_code = "idempotency_key_in_progress"


# A write that met a database it could not reach was rolled back: the client retries it.
RETRY_AFTER_SECONDS = 5
DATABASE_UNAVAILABLE = _(
    "Le service est momentanément indisponible : rien n'a été enregistré. Réessayez dans un "
    "instant (avec la même clé d'idempotence)."
)


class ServiceUnavailable(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = DATABASE_UNAVAILABLE
    default_code = "service_unavailable"
    wait = RETRY_AFTER_SECONDS


class EstablishmentClosed(exceptions.APIException):
    """The supplier's establishment is closed in the SIRENE directory: nothing is deposited in
    its name. ``errors`` names the field (``supplier_siret``)."""

    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = _("L’établissement est fermé selon le répertoire SIRENE de l’INSEE.")
    default_code = "establishment_closed"

    def __init__(self, detail: str, field: str) -> None:
        super().__init__(detail)
        self.errors = {field: [detail]}


class AccountLocked(exceptions.Throttled):
    default_detail = _(
        "Trop d'échecs de connexion : le compte est bloqué pour un moment. "
        "Réessayez plus tard ou réinitialisez votre mot de passe."
    )
    default_code = "account_locked"


def error_body(code: str, detail: str, errors: Mapping[str, list[str]] | None = None) -> dict:
    return {"code": code, "detail": str(detail), "errors": dict(errors or {})}


def flatten(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error details as ``{"dotted.path": [messages]}``."""
    if isinstance(detail, Mapping):
        out: dict[str, list[str]] = {}
        for key, value in detail.items():
            name = str(key) if not prefix else f"{prefix}.{key}"
            out.update(flatten(value, name))
        return out
    if isinstance(detail, list | tuple):
        if all(not isinstance(item, Mapping | list | tuple) for item in detail):
            return {prefix or NON_FIELD: [str(item) for item in detail]} if detail else {}
        out = {}
        for index, item in enumerate(detail):
            out.update(flatten(item, f"{prefix}.{index}" if prefix else str(index)))
        return out
    return {prefix or NON_FIELD: [str(detail)]}


def _code_of(exc: exceptions.APIException) -> str:
    if isinstance(exc, exceptions.ValidationError):
        return "invalid"
    codes = exc.get_codes()
    return codes if isinstance(codes, str) else exc.default_code


def _as_api_exception(exc: Exception) -> exceptions.APIException | None:
    if isinstance(exc, exceptions.APIException):
        return exc
    if isinstance(exc, Http404):
        return exceptions.NotFound()
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied()
    if isinstance(exc, RequestDataTooBig):
        return PayloadTooLarge()
    if isinstance(exc, SuspiciousOperation):
        return exceptions.ParseError()
    if isinstance(exc, OperationalError | InterfaceError):
        # The connection broke or was refused: the transaction is gone, nothing was stored.
        logger.warning("database unavailable in the API: %s", exc)
        return ServiceUnavailable()
    return None


def exception_handler(exc: Exception, context: dict) -> Response:
    """DRF's exception handler, with the portal's error shape and no unhandled exception."""
    api_exc = _as_api_exception(exc)
    if api_exc is None:
        # A bug: say so in the log with the traceback, answer in the API's shape.
        logger.exception("unhandled error in the API", exc_info=exc)
        set_rollback()
        return Response(
            error_body("server_error", _("Erreur interne du serveur.")),
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )
    headers = {}
    if getattr(api_exc, "auth_header", None):
        headers["WWW-Authenticate"] = api_exc.auth_header  # type: ignore[attr-defined]
    if getattr(api_exc, "wait", None):
        headers["Retry-After"] = str(int(api_exc.wait))  # type: ignore[attr-defined]
    if isinstance(api_exc, exceptions.ValidationError):
        body = error_body(
            "invalid", _("Les données envoyées ne sont pas valides."), flatten(api_exc.detail)
        )
    else:
        detail = api_exc.detail
        text = detail if isinstance(detail, str) else str(api_exc.default_detail)
        body = error_body(_code_of(api_exc), text, getattr(api_exc, "errors", None))
    set_rollback()
    return Response(body, status=api_exc.status_code, headers=headers)


def field_errors(errors: Mapping[str, list[str]], renames: Mapping[str, str]) -> dict:
    """A service's ``{field: [messages]}`` in the API's names (``__all__`` → non-field)."""
    renamed = {"__all__": NON_FIELD, **renames}
    out: dict[str, list[str]] = {}
    for name, messages in errors.items():
        out.setdefault(renamed.get(name, name), []).extend(str(m) for m in messages)
    return out
