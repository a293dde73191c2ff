"""Signed activation links.

The link carries the account's id and a fingerprint of its activation state, signed with a
timestamp (``django.core.signing``). The fingerprint covers the login e-mail, the password hash
and ``activated_at``: once the account is activated it no longer matches, so a link used twice,
or kept after an administrator corrected the address, is refused even within its validity.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.utils.crypto import salted_hmac

from accounts.models import User

SALT = "accounts.activation"


@dataclass(frozen=True)
class ActivationClaim:
    user_id: int
    state: str


def activation_state(user: User) -> str:
    value = f"{user.pk}|{user.email}|{user.password}|{user.activated_at}"
    return salted_hmac(SALT, value, algorithm="sha256").hexdigest()[:32]


def activation_token_make(user: User) -> str:
    return signing.dumps({"u": user.pk, "s": activation_state(user)}, salt=SALT)


def activation_token_read(token: str) -> ActivationClaim:
    """The claim of a genuine, unexpired link.

    Raises ``signing.SignatureExpired`` for an old link and ``signing.BadSignature`` for one
    that was altered or is not ours.
    """
    data = signing.loads(token, salt=SALT, max_age=settings.ACCOUNT_ACTIVATION_MAX_AGE)
    if not (isinstance(data, dict) and isinstance(data.get("u"), int)):
        raise signing.BadSignature("Unexpected activation payload.")
    if not isinstance(data.get("s"), str):
        raise signing.BadSignature("Unexpected activation payload.")
    return ActivationClaim(user_id=data["u"], state=data["s"])
