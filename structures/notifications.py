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
from structures.models import BankAccount, MandateEvent, Membership, Topic

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
    """Tells the principal and secondary managers that a request waits for them."""
    membership = _membership(membership_id)
    if membership is None or membership.status != Membership.Status.PENDING:
        return
    managers = selectors.structure_managers(membership.structure).filter(
        selectors.notified_at_once(Topic.REQUESTS)
    )
    for manager in managers:
        if not manager.user.is_active:
            continue
        _send(
            "request_received",
            manager.user,
            {
                "membership": membership,
                "as_principal": manager.is_principal,
                "url": _structure_url(membership),
            },
        )


def request_decided(membership_id: int, *, by_admin: bool = False) -> None:
    """Tells the requester that the principal manager (or an administrator, ``by_admin``)
    approved or refused the request, or attached them to a public structure."""
    membership = _membership(membership_id)
    if membership is None:
        return
    _send(
        "request_decided",
        membership.user,
        {
            "membership": membership,
            "approved": membership.status == Membership.Status.APPROVED,
            "by_admin": by_admin,
            "url": settings.SITE_URL + reverse("structures:list"),
        },
    )


def member_detached(membership_id: int, *, by_admin: bool = False) -> None:
    membership = _membership(membership_id)
    if membership is not None and membership.decided_by_id != membership.user_id:
        _send("member_detached", membership.user, {"membership": membership, "by_admin": by_admin})


def principal_received(membership_id: int) -> None:
    membership = _membership(membership_id)
    if membership is not None:
        _send(
            "principal_received",
            membership.user,
            {"membership": membership, "url": _structure_url(membership)},
        )


def principal_handed_over(former_id: int, target_id: int) -> None:
    """Tells the former principal manager that the role went to ``target``."""
    former, target = _membership(former_id), _membership(target_id)
    if former is not None and target is not None:
        _send(
            "principal_handed_over",
            former.user,
            {"former": former, "target": target, "url": _structure_url(former)},
        )


def principal_appointed(membership_id: int, *, from_ticket: bool = True) -> None:
    """Tells the member an administrator named principal manager, from a support request (or
    in the admin, for a public structure)."""
    membership = _membership(membership_id)
    if membership is not None:
        _send(
            "principal_appointed",
            membership.user,
            {
                "membership": membership,
                "from_ticket": from_ticket,
                "url": _structure_url(membership),
            },
        )


def principal_replaced(former_id: int, target_id: int) -> None:
    """Tells the former principal manager (if their account is still open) of the change."""
    former, target = _membership(former_id), _membership(target_id)
    if former is not None and target is not None and former.user.is_active:
        _send(
            "principal_replaced",
            former.user,
            {"former": former, "target": target, "url": _structure_url(former)},
        )


def secondary_changed(membership_id: int) -> None:
    """Tells a member they were named secondary manager, or that the role was taken back."""
    membership = _membership(membership_id)
    if membership is not None:
        _send(
            "secondary_changed",
            membership.user,
            {
                "membership": membership,
                "named": membership.role == Membership.Role.SECONDARY,
                "url": _structure_url(membership),
            },
        )


def bank_account_changed(account_id: int, by_id: int, what: str) -> None:
    """Tells every manager of the structure that an account was added (``what="added"``) or
    became the default (``"default"``): the change a fraudster would make."""
    account = BankAccount.objects.select_related("structure").filter(pk=account_id).first()
    by = User.objects.filter(pk=by_id).first()
    if account is None or by is None:
        return
    url = settings.SITE_URL + reverse("structures:profile", args=[account.structure_id])
    for manager in selectors.structure_managers(account.structure):
        if manager.user.is_active:
            _send(
                "bank_account_changed",
                manager.user,
                {"account": account, "by": by, "what": what, "url": url},
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
