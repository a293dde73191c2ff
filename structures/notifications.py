"""E-mails about memberships, sent after the decision is committed (``transaction.on_commit``).

Each one goes to the recipient's contact address, in the recipient's language. A mail server
that fails is logged: the decision is already recorded and must not turn into an error page.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import translation

from accounts.models import User
from chorus import outbox
from chorus.emails import render_email
from structures import selectors
from structures.models import MandateEvent, Membership, Topic

logger = logging.getLogger(__name__)


def _send(template: str, recipient: User, context: dict[str, object]) -> None:
    with translation.override(recipient.preferred_language or settings.LANGUAGE_CODE):
        context = {"recipient": recipient, "site_url": settings.SITE_URL, **context}
        subject, body, _html = render_email(
            subject=f"structures/email/{template}_subject.txt",
            text=f"structures/email/{template}_body.txt",
            context=context,
        )
    try:
        send_mail(subject, body, None, [recipient.contact_email])
    except Exception:  # any transport error: logged, the decision stands
        logger.exception("e-mail %s to %s not sent", template, recipient.contact_email)


def _membership(membership_id: int) -> Membership | None:
    return (
        Membership.objects.select_related("user", "structure", "decided_by")
        .filter(pk=membership_id)
        .first()
    )


def _structure_url(membership: Membership) -> str:
    return settings.SITE_URL + reverse("structures:detail", args=[membership.structure_id])


def request_received(membership_id: int) -> None:
    """Tells the principal manager that a request waits for them."""
    membership = _membership(membership_id)
    if membership is None or membership.status != Membership.Status.PENDING:
        return
    principal = (
        Membership.objects.select_related("user")
        .filter(
            structure_id=membership.structure_id,
            role=Membership.Role.PRINCIPAL,
            status=Membership.Status.APPROVED,
        )
        .filter(selectors.notified_at_once(Topic.REQUESTS))
        .first()
    )
    if principal is not None:
        _send(
            "request_received",
            principal.user,
            {"membership": membership, "url": _structure_url(membership)},
        )


def request_decided(membership_id: int) -> None:
    """Tells the requester that the principal manager approved or refused the request."""
    membership = _membership(membership_id)
    if membership is None:
        return
    _send(
        "request_decided",
        membership.user,
        {
            "membership": membership,
            "approved": membership.status == Membership.Status.APPROVED,
            "url": settings.SITE_URL + reverse("structures:list"),
        },
    )


def member_detached(membership_id: int) -> None:
    membership = _membership(membership_id)
    if membership is not None and membership.decided_by_id != membership.user_id:
        _send("member_detached", membership.user, {"membership": membership})


def principal_received(membership_id: int) -> None:
    membership = _membership(membership_id)
    if membership is not None:
        _send(
            "principal_received",
            membership.user,
            {"membership": membership, "url": _structure_url(membership)},
        )


def mandate_revoked_queue(event: MandateEvent) -> None:
    """In the revocation's transaction: an e-mail to each member of the structure (the outbox
    sends them once it has committed)."""
    url = settings.SITE_URL + reverse("structures:mandate", args=[event.structure_id])
    emails = []
    for membership in selectors.structure_members(event.structure):
        member = membership.user
        if not member.is_active:
            continue
        with translation.override(member.preferred_language or settings.LANGUAGE_CODE):
            context = {"event": event, "url": url, "recipient": member}
            subject, body, _html = render_email(
                subject="structures/email/mandate_revoked_subject.txt",
                text="structures/email/mandate_revoked_body.txt",
                context=context,
            )
        emails.append(
            outbox.Email(
                key=f"mandate-revoked:{event.pk}:{member.pk}",
                to=member.contact_email,
                subject=subject,
                body=body,
            )
        )
    outbox.emails_queue_new(emails)
    outbox.deliver_after_commit(f"mandate-revoked:{event.pk}:")
