from __future__ import annotations

from accounts.models import TermsAcceptance, TermsVersion, User


def current_terms() -> TermsVersion | None:
    return TermsVersion.objects.order_by("-published_at").first()


def user_has_accepted_current_terms(user: User) -> bool:
    terms = current_terms()
    if terms is None:
        return True
    return TermsAcceptance.objects.filter(user=user, terms=terms).exists()
