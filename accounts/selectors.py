from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import ApiToken, TermsAcceptance, TermsVersion, User
from chorus.prepared import PreparedQuery


def current_terms() -> TermsVersion | None:
    return TermsVersion.objects.order_by("-published_at").first()


def user_has_accepted_current_terms(user: User) -> bool:
    """True when the newest CGU version is accepted, or none is published (one query)."""
    accepted = (
        TermsVersion.objects.order_by("-published_at")
        .annotate(accepted=Exists(TermsAcceptance.objects.filter(user=user, terms=OuterRef("pk"))))
        .values_list("accepted", flat=True)
        .first()
    )
    return accepted is None or accepted


def terms_acceptances_of(user: User) -> QuerySet[TermsAcceptance]:
    return user.terms_acceptances.select_related("terms").order_by("-accepted_at")


def user_by_login_email(email: str) -> User | None:
    return User.objects.filter(email__iexact=email.strip()).first()


def confirmed_totp_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def unconfirmed_totp_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()


def has_two_factor(user: User) -> bool:
    return bool(TOTPDevice.objects.filter(user=user, confirmed=True).exists())  # untyped django-otp


def second_factor_required(user: User) -> bool:
    """Staff always log in with a second factor; everyone does when the setting says so."""
    return bool(user.is_staff or settings.TWO_FACTOR_REQUIRED)


def recovery_codes_left(user: User) -> int:
    return int(StaticToken.objects.filter(device__user=user, device__confirmed=True).count())


def api_tokens_of(user: User) -> QuerySet[ApiToken]:
    """The user's tokens, active ones first, newest first."""
    return ApiToken.objects.filter(user=user).order_by(
        F("revoked_at").desc(nulls_first=True), "-created_at", "-id"
    )


def _active_tokens(digest: str, now: datetime) -> QuerySet[ApiToken]:
    return (
        ApiToken.objects.select_related("user")
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .filter(key_sha256=digest, revoked_at__isnull=True)
    )


# Every API call reads its token: the query's SQL is compiled once (chorus/prepared.py).
_ACTIVE_TOKEN = PreparedQuery(
    lambda digest, now: _active_tokens(digest, now)[:1], "\x00digest", PreparedQuery.MOMENT
)


def api_token_by_digest(digest: str) -> ApiToken | None:
    """The active (neither revoked nor expired) token with this key digest, with its user
    (one query)."""
    return _ACTIVE_TOKEN.first(digest, timezone.now())
