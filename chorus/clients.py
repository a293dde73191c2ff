"""Who is calling: the client's address behind the portal's own reverse proxies."""

from __future__ import annotations

import ipaddress

from django.http import HttpRequest

from chorus.env import support_settings


def client_address(request: HttpRequest) -> str:
    """The address of the client, trusting X-Forwarded-For only as far as our own proxies
    (``SUPPORT_PROXY_COUNT``: that many entries from the right; 0 trusts only REMOTE_ADDR)."""
    proxies = support_settings()["PROXY_COUNT"]
    if proxies:
        header: str = request.META.get("HTTP_X_FORWARDED_FOR", "")
        forwarded = [a.strip() for a in header.split(",")]
        forwarded = [a for a in forwarded if a]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    address: str = request.META.get("REMOTE_ADDR", "")
    return address


def client_ip(request: HttpRequest) -> str | None:
    """``client_address`` if it is an IP address (what a GenericIPAddressField stores)."""
    try:
        return str(ipaddress.ip_address(client_address(request)))
    except ValueError:
        return None
