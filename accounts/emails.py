"""E-mails about accounts: plain text and HTML, in the language the user chose.

They are sent after the transaction commits (services register them with
``transaction.on_commit``); a mail server that fails is logged, never turned into an error
page, because every one of these e-mails can be asked for again.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.urls import reverse
from django.utils import translation

from accounts.models import User
from accounts.tokens import activation_token_make
from chorus.emails import render_email

logger = logging.getLogger(__name__)


def absolute_url(path: str) -> str:
    # From the configured site address, never from the request's Host header.
    return f"{settings.SITE_URL}{path}"


def render_and_send(*, to: str, template: str, language: str, context: dict[str, Any]) -> None:
    """Sends ``accounts/email/<template>{_subject.txt,.txt,.html}`` to one address."""
    context = {
        "site_title": settings.CHORUS["SITE_TITLE"],
        "site_url": settings.SITE_URL,
        **context,
    }
    with translation.override(language):
        subject, text, html = render_email(
            subject=f"accounts/email/{template}_subject.txt",
            text=f"accounts/email/{template}.txt",
            html=f"accounts/email/{template}.html",
            context=context,
        )
    message = EmailMultiAlternatives(subject, text, to=[to])
    message.attach_alternative(html, "text/html")
    try:
        message.send()
    except Exception:  # any transport error: the user can ask for the e-mail again
        logger.exception("E-mail %s to user could not be sent", template)


def activation_send(*, user_id: int) -> None:
    user = User.objects.filter(pk=user_id).first()
    if user is None or not user.awaits_activation:
        return
    link = absolute_url(reverse("accounts:activate", args=[activation_token_make(user)]))
    render_and_send(
        to=user.contact_email,
        template="activation",
        language=user.preferred_language,
        context={
            "user": user,
            "link": link,
            "max_age_minutes": settings.ACCOUNT_ACTIVATION_MAX_AGE // 60,
        },
    )


def already_registered_send(*, user_id: int) -> None:
    """Someone tried to register an address that has an account: tell its owner, not them."""
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        return
    render_and_send(
        to=user.contact_email,
        template="already_registered",
        language=user.preferred_language,
        context={
            "user": user,
            "login_link": absolute_url(reverse("accounts:login")),
            "reset_link": absolute_url(reverse("accounts:password_reset")),
        },
    )


def contact_email_changed_send(*, user_id: int, old_address: str) -> None:
    """Warns the previous contact address, which password resets no longer reach."""
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        return
    render_and_send(
        to=old_address,
        template="contact_email_changed",
        language=user.preferred_language,
        context={"user": user, "new_address": user.contact_email},
    )
