"""Every write about accounts: registration, activation, profile, passwords, second factor, CGU."""

from __future__ import annotations

import enum
import hashlib
import secrets
from datetime import date, datetime, time, timedelta
from functools import partial
from typing import TYPE_CHECKING

from axes.handlers.proxy import AxesProxyHandler
from axes.models import AccessAttempt, AccessLog
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core import signing
from django.db import IntegrityError, transaction
from django.dispatch import Signal
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import emails, selectors
from accounts.lockout import axes_username
from accounts.models import ApiScope, ApiToken, TermsAcceptance, TermsVersion, User
from accounts.tokens import activation_state, activation_token_read

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class ActivationOutcome(enum.Enum):
    ACTIVATED = "activated"
    ALREADY_ACTIVATED = "already_activated"
    EXPIRED = "expired"
    INVALID = "invalid"


class CodeCheck(enum.Enum):
    ACCEPTED = "accepted"
    REFUSED = "refused"
    # django-otp slows guessing down: after n wrong codes a device refuses every code, even a
    # right one, for 2^(n-1) seconds.
    THROTTLED = "throttled"


def normalize_login_email(email: str) -> str:
    return User.objects.normalize_email(email.strip()).lower()


# --- CGU --------------------------------------------------------------------------------------
@transaction.atomic
def terms_accept(*, user: User, terms: TermsVersion, ip_address: str | None) -> TermsAcceptance:
    """Record that the user accepted this version: the SHA-256 of its text, when, from where."""
    acceptance, _created = TermsAcceptance.objects.get_or_create(
        user=user,
        terms=terms,
        defaults={"ip_address": ip_address, "text_sha256": terms.text_sha256},
    )
    return acceptance


# --- Registration and activation --------------------------------------------------------------
@transaction.atomic
def user_register(
    *,
    email: str,
    contact_email: str,
    first_name: str,
    last_name: str,
    phone: str,
    password: str,
    language: str,
    ip_address: str | None,
) -> User:
    """Creates an inactive account and e-mails its activation link to the contact address.

    The applicant ticked the CGU in the form: their acceptance of the version in force is
    recorded now, with the address they registered from.

    When the login e-mail already has an account, nothing changes and the page shown is the
    same; the account's owner is e-mailed instead (a fresh link if it still awaits activation,
    otherwise a note that they already have an account). The registration form therefore
    tells nobody which addresses have accounts.
    """
    email = normalize_login_email(email)
    existing = selectors.user_by_login_email(email)
    if existing is None:
        user = _user_create_inactive(
            email=email,
            contact_email=User.objects.normalize_email(contact_email.strip()) or email,
            first_name=first_name.strip(),
            last_name=last_name.strip(),
            phone=phone.strip(),
            password=password,
            language=language,
        )
        if user is not None:
            terms = selectors.current_terms()
            if terms is not None:
                terms_accept(user=user, terms=terms, ip_address=ip_address)
            transaction.on_commit(partial(emails.activation_send, user_id=user.pk))
            return user
        existing = User.objects.get(email=email)  # registered a moment ago by a twin request
    else:
        # Hash anyway: both answers must take the same time, or the delay would tell.
        make_password(password)
    if existing.awaits_activation:
        transaction.on_commit(partial(emails.activation_send, user_id=existing.pk))
    else:
        transaction.on_commit(partial(emails.already_registered_send, user_id=existing.pk))
    return existing


def _user_create_inactive(
    *,
    email: str,
    contact_email: str,
    first_name: str,
    last_name: str,
    phone: str,
    password: str,
    language: str,
) -> User | None:
    user = User(
        email=email,
        contact_email=contact_email,
        first_name=first_name,
        last_name=last_name,
        phone=phone,
        preferred_language=language,
        is_active=False,
        activated_at=None,
    )
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save(force_insert=True)
    except IntegrityError:
        return None
    return user


@transaction.atomic
def user_activate(*, token: str) -> ActivationOutcome:
    try:
        claim = activation_token_read(token)
    except signing.SignatureExpired:
        return ActivationOutcome.EXPIRED
    except signing.BadSignature:
        return ActivationOutcome.INVALID
    # Locked, so that two clicks on the same link activate once.
    user = User.objects.select_for_update().filter(pk=claim.user_id).first()
    if user is None:
        return ActivationOutcome.INVALID
    if user.awaits_activation and constant_time_compare(claim.state, activation_state(user)):
        user.is_active = True
        user.activated_at = timezone.now()
        user.save(update_fields=["is_active", "activated_at"])
        return ActivationOutcome.ACTIVATED
    if user.is_active:
        return ActivationOutcome.ALREADY_ACTIVATED
    return ActivationOutcome.INVALID


@transaction.atomic
def user_activation_resend(*, email: str) -> None:
    """A new link for an account awaiting activation; silently nothing for any other address."""
    user = selectors.user_by_login_email(email)
    if user is not None and user.awaits_activation:
        transaction.on_commit(partial(emails.activation_send, user_id=user.pk))


# --- Logins and language ---------------------------------------------------------------------
@transaction.atomic
def user_login_record(*, user: User) -> datetime | None:
    """Sets ``last_login`` to now (as Django does at each login); returns the previous one."""
    previous = user.last_login
    user.last_login = timezone.now()
    user.save(update_fields=["last_login"])
    return previous


@transaction.atomic
def user_language_set(*, user: User, language: str) -> User:
    """Remembers the language the user chose, for the pages and for the e-mails."""
    if user.preferred_language != language:
        user.preferred_language = language
        user.save(update_fields=["preferred_language"])
    return user


# --- Profile and passwords --------------------------------------------------------------------
@transaction.atomic
def user_update_profile(
    *,
    user: User,
    first_name: str,
    last_name: str,
    contact_email: str,
    phone: str,
    preferred_language: str,
) -> User:
    old_contact_email = user.contact_email
    user.first_name = first_name.strip()
    user.last_name = last_name.strip()
    user.contact_email = User.objects.normalize_email(contact_email.strip())
    user.phone = phone.strip()
    user.preferred_language = preferred_language
    user.save(
        update_fields=["first_name", "last_name", "contact_email", "phone", "preferred_language"]
    )
    if user.contact_email.lower() != old_contact_email.lower():
        transaction.on_commit(
            partial(
                emails.contact_email_changed_send, user_id=user.pk, old_address=old_contact_email
            )
        )
    return user


@transaction.atomic
def user_password_change(*, user: User, password: str) -> None:
    user.set_password(password)
    user.save(update_fields=["password"])


@transaction.atomic
def user_password_reset(*, user: User, password: str) -> None:
    """Sets the password chosen through an e-mailed link, and lifts a lockout.

    Following the link proves control of the contact address, which is what the lockout
    page advises: "reset your password or try again later".
    """
    user_password_change(user=user, password=password)
    AxesProxyHandler.reset_attempts(username=axes_username(None, {"username": user.email}))


# --- Second factor (TOTP) ---------------------------------------------------------------------
TOTP_DEVICE_NAME = _("Application d’authentification")


@transaction.atomic
def totp_start(*, user: User) -> TOTPDevice:
    """A new secret for the user to scan; replaces a setup they left unfinished."""
    if selectors.has_two_factor(user):
        raise ValueError("Two-factor login is already on for this user.")
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name=str(TOTP_DEVICE_NAME), confirmed=False)


def _check(device: Device, token: str) -> CodeCheck:
    allowed, _reason = device.verify_is_allowed()
    if not allowed:
        return CodeCheck.THROTTLED
    return CodeCheck.ACCEPTED if device.verify_token(token) else CodeCheck.REFUSED


@transaction.atomic
def totp_enable(*, user: User, token: str) -> CodeCheck:
    """Confirms the pending device with a code from the app: from now on login asks for one."""
    device = (
        TOTPDevice.objects.select_for_update()
        .filter(user=user, confirmed=False)
        .order_by("-pk")
        .first()
    )
    if device is None:
        return CodeCheck.REFUSED
    result = _check(device, token)
    if result is CodeCheck.ACCEPTED:
        device.confirmed = True
        device.save(update_fields=["confirmed"])
    return result


@transaction.atomic
def totp_verify(*, user: User, token: str) -> CodeCheck:
    """Checks a login code. The row is locked so that one code cannot be used twice at once."""
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
    if device is None:
        return CodeCheck.REFUSED
    return _check(device, token)


@transaction.atomic
def totp_disable(*, user: User, token: str = "", password: str = "") -> CodeCheck:
    """Switches two-factor login off, given a current code or the account's password."""
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
    if device is None:
        return CodeCheck.ACCEPTED
    allowed, _reason = device.verify_is_allowed()
    if not allowed:
        return CodeCheck.THROTTLED
    if password and user.check_password(password):
        result = CodeCheck.ACCEPTED
    elif token:
        result = CodeCheck.ACCEPTED if device.verify_token(token) else CodeCheck.REFUSED
    else:
        # A wrong password slows the next try down as a wrong code does.
        device.throttle_increment(commit=True)
        result = CodeCheck.REFUSED
    if result is CodeCheck.ACCEPTED:
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
    return result


# --- Recovery codes (django-otp's static tokens) ------------------------------------------------
RECOVERY_DEVICE_NAME = _("Codes de secours")
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread
RECOVERY_CODE_LENGTH = 10


def recovery_code_normalize(code: str) -> str:
    """What the user typed, as stored: lower case, without the spaces and dashes of display."""
    return "".join(ch for ch in code.lower() if ch not in " -")


@transaction.atomic
def recovery_codes_generate(*, user: User) -> list[str]:
    """New single-use recovery codes, replacing any earlier ones; returned to be shown once.

    Each is 10 characters of a 31-letter alphabet (about 50 bits): django-otp keeps static
    tokens as they are, and a login tries at most a few before the lockout."""
    device, _created = StaticDevice.objects.select_for_update().get_or_create(
        user=user, defaults={"name": str(RECOVERY_DEVICE_NAME), "confirmed": True}
    )
    device.token_set.all().delete()
    codes = [
        "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(RECOVERY_CODE_LENGTH))
        for _ in range(settings.TWO_FACTOR_RECOVERY_CODES)
    ]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return [f"{code[:5]}-{code[5:]}" for code in codes]


@transaction.atomic
def second_factor_verify(*, user: User, token: str) -> tuple[CodeCheck, Device | None]:
    """A login code: the authenticator's 6 digits, or one of the recovery codes (used up).

    Returns the device that accepted it, for ``django_otp.login``."""
    token = recovery_code_normalize(token)
    if token.isdigit():
        device: Device | None = (
            TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
        )
    else:
        device = StaticDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
    if device is None:
        return CodeCheck.REFUSED, None
    result = _check(device, token)
    return result, device if result is CodeCheck.ACCEPTED else None


# --- API tokens -------------------------------------------------------------------------------
API_TOKEN_PREFIX = "chorus_"  # noqa: S105 (a marker, not a secret)
API_TOKEN_MAX_ACTIVE = 20


def api_token_digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


@transaction.atomic
def api_token_create(
    *,
    user: User,
    name: str,
    scopes: list[str] | None = None,
    expires_on: date | None = None,
) -> tuple[ApiToken, str]:
    """A new named token for the user; returns it with its key, which is never shown again.

    Scopes default to ``API_TOKEN_DEFAULT_SCOPES``; the token expires at the end of
    ``expires_on`` (Paris time), by default ``API_TOKEN_DEFAULT_DAYS`` from today, at most
    ``API_TOKEN_MAX_DAYS``. The key is 256 random bits: a plain SHA-256 of it is as safe to
    store as a slow password hash would be, and it keeps the check on every API call to one
    indexed lookup.
    """
    name = " ".join(name.split())[:100]
    if not name:
        raise ValueError("An API token needs a name.")
    chosen = set(scopes if scopes is not None else settings.API_TOKEN_DEFAULT_SCOPES)
    if not chosen or chosen - set(ApiScope.values):
        raise ApiTokenInvalid(
            {"scopes": [_("Choisissez au moins une portée : lecture, dépôt ou traitement.")]}
        )
    today = timezone.localdate()
    expires_on = expires_on or today + timedelta(days=settings.API_TOKEN_DEFAULT_DAYS)
    if not today <= expires_on <= today + timedelta(days=settings.API_TOKEN_MAX_DAYS):
        raise ApiTokenInvalid(
            {
                "expires_on": [
                    _(
                        "La date d’expiration doit être comprise entre aujourd’hui "
                        "et dans %(days)s jours."
                    )
                    % {"days": settings.API_TOKEN_MAX_DAYS}
                ]
            }
        )
    # Locks the user row: two creations at once cannot both pass the limit.
    User.objects.select_for_update().filter(pk=user.pk).first()
    if ApiToken.objects.filter(user=user, revoked_at__isnull=True).count() >= API_TOKEN_MAX_ACTIVE:
        raise ApiTokenLimitReached
    key = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        key_sha256=api_token_digest(key),
        prefix=key[:12],
        scopes=",".join(scope for scope in ApiScope.values if scope in chosen),
        expires_at=_end_of_day(expires_on),
    )
    return token, key


def _end_of_day(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


class ApiTokenInvalid(ValueError):
    """Scopes or an expiry date that a token cannot have; ``messages`` is keyed by field."""

    def __init__(self, messages: dict[str, list[StrOrPromise]]) -> None:
        super().__init__(messages)
        self.messages = messages


class ApiTokenLimitReached(Exception):
    """The user already has ``API_TOKEN_MAX_ACTIVE`` active tokens."""


@transaction.atomic
def api_token_revoke(*, user: User, token_id: int) -> bool:
    """Revokes one of the user's tokens; False when the user has no such active token."""
    return bool(
        ApiToken.objects.filter(pk=token_id, user=user, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
    )


def api_token_touch(*, token: ApiToken, min_interval: int) -> None:
    """Records that the token was just used, at most once per ``min_interval`` seconds.

    A single conditional UPDATE: concurrent calls never race into an error, and most calls
    write nothing.
    """
    now = timezone.now()
    if token.last_used_at is not None and (now - token.last_used_at).total_seconds() < min_interval:
        return
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    token.last_used_at = now


# --- Closing an account -----------------------------------------------------------------------
# Sent by ``user_close`` in its transaction, before the account is anonymised: sender=User,
# user. The apps that keep something for the user remove it, or raise ``AccountCloseRefused``.
account_closing = Signal()


class AccountCloseRefused(Exception):
    """The account cannot be closed as it is; ``message`` says why, in French."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@transaction.atomic
def user_close(*, user: User, password: str) -> None:
    """Closes the account: personal fields anonymised, no login possible ever again.

    The row stays: invoices, their history (whose hash chain names the actor by id) and
    support requests are legal records and keep pointing at it. The second factor, API tokens
    and memberships go; a principal manager of a structure with other members hands the role
    over first, or the structure would be left without one (the structures app's receiver of
    ``account_closing`` refuses, or removes the memberships).
    """
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.check_password(password):
        raise AccountCloseRefused(str(_("Mot de passe incorrect.")))
    account_closing.send(sender=User, user=user)
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    AccessAttempt.objects.filter(username=user.email).delete()
    AccessLog.objects.filter(username=user.email).delete()
    placeholder = f"compte-ferme-{user.pk}@compte-ferme.invalid"
    user.email = user.contact_email = placeholder
    user.first_name, user.last_name, user.phone = "", str(_("Compte fermé")), ""
    user.is_active = False
    user.set_unusable_password()
    user.save(
        update_fields=[
            "email", "contact_email", "first_name", "last_name", "phone", "is_active", "password"
        ]
    )  # fmt: skip
