"""DRF's JSON parser, refusing what would crash the standard library's decoder."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, parsers


class JSONParser(parsers.JSONParser):
    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            # Thousands of nested brackets exhaust the decoder's stack: no invoice is that deep.
            raise exceptions.ParseError(
                _("Le JSON envoyé est imbriqué trop profondément.")
            ) from None
