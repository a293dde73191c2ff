"""The base of every API view, and the API's own pages (documentation, unknown paths)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from chorus.api.errors import PayloadTooLarge, error_body

# An API answer is data, never a page: it may load nothing and be framed by nothing (the portal's
# pages keep their own policy, settings.CONTENT_SECURITY_POLICY).
API_CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'"


class ApiView(APIView):
    """One operation of the API (HackSoftware's style: thin, nested Input/Output serializers).

    The answer's language is French unless the request asks for English (``Accept-Language``,
    or the portal's language cookie for a browser session). Bodies larger than
    ``max_body_size`` are refused (413) before they are read.
    """

    error_codes: tuple[int, ...] = ()
    max_body_size: int = settings.DATA_UPLOAD_MAX_MEMORY_SIZE

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        language = translation.get_language_from_request(request._request)
        translation.activate(language)
        request._request.LANGUAGE_CODE = language
        self._refuse_large_body(request)
        super().initial(request, *args, **kwargs)

    def _refuse_large_body(self, request: Request) -> None:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > self.max_body_size:
            raise PayloadTooLarge()

    def finalize_response(
        self, request: Request, response: Response, *args: Any, **kwargs: Any
    ) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)
        response.headers["Content-Language"] = translation.get_language()
        response.headers.setdefault("Content-Security-Policy", API_CONTENT_SECURITY_POLICY)
        patch_vary_headers(response, ("Accept-Language",))
        return response


@csrf_exempt
def not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """Any path under /api/ that names no operation: the API's 404, in its error shape.

    Exempt from CSRF like every API view: a POST to an unknown path (``/invoices/x/submit/``)
    is a 404 in JSON, not Django's HTML 403 page."""
    hint = ""
    if not request.path.endswith("/"):
        hint = " " + _("Les adresses de l'API se terminent par « / ».")
    return JsonResponse(error_body("not_found", _("Adresse inconnue.") + hint), status=404)
