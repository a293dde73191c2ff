"""What the invoice pages share."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest


def querystring_without(request: HttpRequest, *names: str) -> str:
    """The current filters, to carry over in pagination and export links."""
    params = [(k, v) for k, values in request.GET.lists() for v in values if k not in names]
    return urlencode(params)
