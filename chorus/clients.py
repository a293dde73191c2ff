"""Who is calling: the client's address behind the portal's own reverse proxies."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """The address of the client, trusting X-Forwarded-For only as far as our own proxies
    (``SUPPORT_PROXY_COUNT``: that many entries from the right; 0 trusts only REMOTE_ADDR)."""
    proxies = settings.SUPPORT["PROXY_COUNT"]
    if proxies:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [a for a in forwarded if a]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "")


def client_ip(request: HttpRequest) -> str | None:
    """``client_address`` if it is an IP address (what a GenericIPAddressField stores)."""
    try:
        return str(ipaddress.ip_address(client_address(request)))
    except ValueError:
        return None
