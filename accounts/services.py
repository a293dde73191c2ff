from __future__ import annotations

from django.db import transaction

from accounts.models import TermsAcceptance, TermsVersion, User


@transaction.atomic
def terms_accept(*, user: User, terms: TermsVersion, ip_address: str | None) -> TermsAcceptance:
    acceptance, _created = TermsAcceptance.objects.get_or_create(
        user=user, terms=terms, defaults={"ip_address": ip_address}
    )
    return acceptance
