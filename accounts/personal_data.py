"""What the portal holds about a person, as the JSON they download from « Mon compte » (RGPD,
right of access and portability). Reads only; one query per kind of record."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import selectors
from accounts.models import User


def _when(value: Any) -> str | None:
    return value.isoformat() if value else None


def personal_data_of(user: User) -> dict[str, Any]:
    from invoices.models import StatusChange
    from structures.models import Membership
    from support.models import Ticket

    memberships = Membership.objects.filter(user=user).select_related("structure")
    actions = (
        StatusChange.objects.filter(actor=user)
        .select_related("invoice")
        .order_by("at", "id")
        .values_list("invoice__number", "from_status", "to_status", "at")
    )
    tickets = (
        Ticket.objects.filter(sender=user)
        .order_by("created_at")
        .values_list("number", "title", "created_at")
    )
    return {
        "exported_at": timezone.now().isoformat(),
        "account": {
            "login_email": user.email,
            "contact_email": user.contact_email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "phone": user.phone,
            "preferred_language": user.preferred_language,
            "joined_at": _when(user.date_joined),
            "activated_at": _when(user.activated_at),
            "last_login_at": _when(user.last_login),
            "second_factor": TOTPDevice.objects.filter(user=user, confirmed=True).exists(),
            "recovery_codes_left": selectors.recovery_codes_left(user),
        },
        "memberships": [
            {
                "structure": m.structure.name,
                "identifier": m.structure.identifier,
                "role": m.role,
                "status": m.status,
            }
            for m in memberships
        ],
        "terms_acceptances": [
            {"version": a.terms.version, "accepted_at": _when(a.accepted_at), "ip": a.ip_address}
            for a in selectors.terms_acceptances_of(user)
        ],
        "api_tokens": [
            {
                "name": t.name,
                "key_start": t.prefix,
                "scopes": t.scope_list,
                "created_at": _when(t.created_at),
                "expires_at": _when(t.expires_at),
                "last_used_at": _when(t.last_used_at),
                "revoked_at": _when(t.revoked_at),
            }
            for t in selectors.api_tokens_of(user)
        ],
        "invoice_actions": [
            {"invoice": number, "from": before, "to": after, "at": _when(at)}
            for number, before, after, at in actions
        ],
        "support_requests": [
            {"number": number, "title": title, "created_at": _when(created)}
            for number, title, created in tickets
        ],
    }
