"""What the portal holds about a person, as the JSON they download from « Mon compte » (RGPD,
right of access and portability). Reads only; one query per kind of record.

The account is this app's; what the other apps hold (memberships, invoice actions, support
requests) they add themselves, connected to ``personal_data_requested`` in their
``AppConfig.ready``: accounts imports none of them."""

from __future__ import annotations

from typing import Any

from django.dispatch import Signal
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import selectors
from accounts.models import User

# Sent while the export is built: sender=User, user, data (the export, a dict); each receiver
# adds its app's records under its own keys.
personal_data_requested = Signal()


def when(value: Any) -> str | None:
    """A date or time as the export writes it (ISO 8601), or None."""
    return value.isoformat() if value else None


def personal_data_of(user: User) -> dict[str, Any]:
    data = {
        "exported_at": timezone.now().isoformat(),
        "account": {
            "login_email": user.email,
            "contact_email": user.contact_email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "phone": user.phone,
            "preferred_language": user.preferred_language,
            "joined_at": when(user.date_joined),
            "activated_at": when(user.activated_at),
            "last_login_at": when(user.last_login),
            "second_factor": TOTPDevice.objects.filter(user=user, confirmed=True).exists(),
            "recovery_codes_left": selectors.recovery_codes_left(user),
        },
        "terms_acceptances": [
            {"version": a.terms.version, "accepted_at": when(a.accepted_at), "ip": a.ip_address}
            for a in selectors.terms_acceptances_of(user)
        ],
        "api_tokens": [
            {
                "name": t.name,
                "key_start": t.prefix,
                "scopes": t.scope_list,
                "created_at": when(t.created_at),
                "expires_at": when(t.expires_at),
                "last_used_at": when(t.last_used_at),
                "revoked_at": when(t.revoked_at),
            }
            for t in selectors.api_tokens_of(user)
        ],
    }
    personal_data_requested.send(sender=User, user=user, data=data)
    return data
