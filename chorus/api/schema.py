"""The OpenAPI schema says what really comes back, errors included.

Every operation lists the error answers it can give, all in the one shape of
``chorus.api.errors`` (component ``Error``): 429 and 503 for every call, 401 for every
authenticated one, 404 where
the path names something, 400 where there is input, 409/422 and the ``Idempotency-Key`` header
for the writes that honour it, 413/415 where a body or a file is sent, and whatever a view adds
in its ``error_codes``.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular import openapi
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import permissions, serializers

from chorus.api.idempotency import HEADER, REPLAYED_HEADER


class ErrorSerializer(serializers.Serializer[Any]):
    code = serializers.CharField(help_text="Stable machine code, e.g. invalid, not_found.")
    detail = serializers.CharField(help_text="A sentence for people (Accept-Language: fr, en).")
    # The error body's member is named like the serializer's own ``errors`` property.
    errors = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Messages per field (dotted paths for nested fields); empty when none.",
    )

    class Meta:
        ref_name = "Error"


ERROR_DESCRIPTIONS: dict[int, str] = {
    400: "Invalid input: field errors in `errors`.",
    401: "No credentials, or a wrong, revoked, expired or inactive token.",
    403: "The token lacks the operation's scope (`token_scope`: read for reads, deposit for a "
    "supplier's writes, process for an agent's); or, with session authentication, the CSRF "
    "token is missing.",
    404: "Not found, or outside the caller's structures (existence is never revealed).",
    409: "The action does not apply in the invoice's current status, someone acted meanwhile, "
    "or a request with the same Idempotency-Key is still running.",
    413: "A file or the request is too large.",
    415: "The request's content type or the file's type is not accepted.",
    422: "This Idempotency-Key was used for a different request.",
    429: "Too many requests for this token (see Retry-After), or the account is locked.",
    503: "The database could not be reached: nothing was stored; retry after Retry-After "
    "seconds (with the same Idempotency-Key).",
}

IDEMPOTENCY_PARAMETER = OpenApiParameter(
    HEADER,
    type=str,
    location=OpenApiParameter.HEADER,
    required=False,
    description=(
        "Any unique string (a UUID) of 1 to 255 printable ASCII characters. The same key with "
        "the same request replays the first successful answer (header Idempotent-Replayed: "
        "true); with another request it is refused (422). Kept 24 hours."
    ),
)


class AutoSchema(openapi.AutoSchema):
    def _handler(self) -> Any:
        return getattr(self.view, self.method.lower(), None)

    def _is_idempotent(self) -> bool:
        return bool(getattr(self._handler(), "idempotent", False))

    def _is_public(self) -> bool:
        return any(
            permission is permissions.AllowAny
            for permission in getattr(self.view, "permission_classes", ())
        )

    def error_codes(self) -> set[int]:
        codes = set(getattr(self.view, "error_codes", ()))
        codes.update({429, 503})
        if not self._is_public():
            codes.update({401, 403})  # 403: a token without the operation's scope
        if "{" in self.path:
            codes.add(404)
        if getattr(self.view, "pagination_class", None) is not None:
            codes.add(400)  # a page or a filter that is not valid
        if self.method in ("POST", "PUT", "PATCH"):
            codes.update({400, 413, 415})
        if self._is_idempotent():
            codes.update({409, 422})
        return codes

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        for code in sorted(self.error_codes()):
            if str(code) not in responses:
                error = OpenApiResponse(ErrorSerializer, description=ERROR_DESCRIPTIONS[code])
                responses[str(code)] = self._get_response_for_code(error, str(code))
        return responses

    def get_serializer_name(self, serializer: Any, direction: Any) -> str:
        # Views nest their InputSerializer/OutputSerializer: name components after the view
        # ("InvoiceProcessInput"), not "Input" a dozen times over.
        qualified = type(serializer).__qualname__.split(".")
        if len(qualified) > 1:
            view = qualified[0].removesuffix("Api")
            return view + qualified[-1].removesuffix("Serializer")
        return super().get_serializer_name(serializer, direction)

    def get_override_parameters(self) -> list[Any]:
        parameters = list(super().get_override_parameters())
        if self._is_idempotent():
            parameters.append(IDEMPOTENCY_PARAMETER)
        return parameters

    def _get_response_headers_for_code(
        self, status_code: str, direction: Any = "response"
    ) -> dict[str, Any]:
        headers = super()._get_response_headers_for_code(status_code, direction)
        if self._is_idempotent() and status_code.startswith("2"):
            headers[REPLAYED_HEADER] = {
                "schema": {"type": "string", "enum": ["true"]},
                "description": "Present when this answer replays the first one.",
            }
        return headers


def doc_excludes() -> list[type]:
    """``GET_LIB_DOC_EXCLUDES``: drf-spectacular's own list, and the portal's base view, whose
    docstring speaks to developers; an operation is described by its own view's docstring."""
    from drf_spectacular.plumbing import get_lib_doc_excludes

    from chorus.api.views import ApiView

    return [*get_lib_doc_excludes(), ApiView]
