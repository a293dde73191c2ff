"""Every write on tickets: create, edit and delete drafts, act on a ticket. One transaction each.

E-mails leave once the transaction commits (``transaction.on_commit``), so that a rolled-back
action never tells anyone anything.
"""

from __future__ import annotations

import secrets
from functools import partial
from pathlib import PurePath
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from structures.selectors import is_approved_member
from support import catalogue, notifications, selectors
from support.catalogue import Receiver
from support.invoice_link import InvoiceLike
from support.models import Ticket, TicketAttachment, TicketMessage
from support.validators import validate_attachment
from support.workflow import OPEN_STATUSES, RULES, Action, Side, TicketStatus, next_status

if TYPE_CHECKING:
    from accounts.models import User
    from structures.models import Service, Structure


class TicketActionRefused(Exception):
    """An action that does not apply to the ticket as it is (a 409 for the API, a message in
    a page), or that the actor's side may not fire."""


# --- Creating -------------------------------------------------------------------------------
@transaction.atomic
def ticket_create(
    *,
    sender: User,
    category: str,
    subcategory: str,
    title: str,
    description: str,
    sender_structure: Structure | None = None,
    recipient_structure: Structure | None = None,
    recipient_service: Service | None = None,
    invoice: InvoiceLike | None = None,
    invoice_number: str = "",
    attachment: UploadedFile[bytes] | None = None,
    send: bool = True,
    notify: bool = True,
) -> Ticket:
    """A ticket from a signed-in user, sent at once or kept as a draft.

    Given an ``invoice`` (one the caller checked the user may see), the ticket is about it: the
    sender must belong to its supplier, the invoice's number, status and last reason are copied
    onto the ticket, and an invoice-processing question goes to the invoice's recipient.
    """
    _check_topic(category, subcategory)
    if invoice is not None:
        if not is_approved_member(user=sender, structure=invoice.supplier):
            raise PermissionDenied("The sender does not belong to the invoice's supplier.")
        sender_structure = invoice.supplier
        recipient_structure, recipient_service = invoice.recipient, invoice.service
    if sender_structure is not None and not is_approved_member(
        user=sender, structure=sender_structure
    ):
        raise PermissionDenied("The sender does not belong to this structure.")
    queue, recipient_structure, recipient_service = _route(
        category, subcategory, recipient_structure, recipient_service
    )
    ticket = Ticket.objects.create(
        sender=sender,
        sender_structure=sender_structure,
        category=category,
        subcategory=subcategory,
        title=title,
        description=description,
        queue=queue,
        recipient_structure=recipient_structure,
        recipient_service=recipient_service,
        language=sender.preferred_language,
        **_invoice_snapshot(invoice, invoice_number),
    )
    _number(ticket)
    if attachment is not None:
        _attach(ticket, attachment)
    if send:
        _apply(ticket, Action.SEND, Side.SENDER, author=sender, notify=notify)
    return ticket


@transaction.atomic
def ticket_contact_create(
    *,
    email: str,
    category: str,
    subcategory: str,
    title: str,
    description: str,
    attachment: UploadedFile[bytes] | None = None,
    notify: bool = True,
) -> Ticket:
    """A ticket from a visitor with no account ("Nous contacter"): always to the support team.

    The visitor receives the ticket's number and a private follow-up link by e-mail.
    ``notify=False`` (demo data, imports) records everything and e-mails nobody.
    """
    _check_topic(category, subcategory)
    ticket = Ticket.objects.create(
        email=email,
        category=category,
        subcategory=subcategory,
        title=title,
        description=description,
        queue=Ticket.Queue.SUPPORT,
        follow_token=secrets.token_urlsafe(32),
        language=get_language() or "fr",
    )
    _number(ticket)
    if attachment is not None:
        _attach(ticket, attachment)
    _apply(ticket, Action.SEND, Side.SENDER, author=None, notify=notify)
    if notify:
        transaction.on_commit(partial(notifications.contact_acknowledge, ticket_id=ticket.pk))
    return ticket


# --- The principal manager has left (issue 17) ----------------------------------------------
PRINCIPAL_CATEGORY = ("STRUCTURE", "GESTIONNAIRE")


@transaction.atomic
def principal_replacement_request(
    *, sender: User, structure: Structure, description: str
) -> Ticket:
    """A member of a structure whose principal manager left (or a requester left waiting)
    asks support for a new one: a ticket of the sub-category "Remplacement du gestionnaire
    principal" that carries the structure, from which an administrator names the new
    principal manager (admin action "Nommer un gestionnaire principal"). One open ticket per
    sender and structure at a time."""
    from structures import selectors as structure_selectors
    from structures.errors import StructureError

    if not structure_selectors.may_ask_for_a_principal(sender, structure):
        raise StructureError(
            _("Le gestionnaire principal de cette structure est joignable : adressez-vous à lui.")
        )
    category, subcategory = PRINCIPAL_CATEGORY
    already = Ticket.objects.filter(
        sender=sender,
        sender_structure=structure,
        category=category,
        subcategory=subcategory,
        status__in=OPEN_STATUSES,
    ).first()
    if already is not None:
        raise StructureError(
            _("Votre sollicitation %(number)s à ce sujet est en cours de traitement.")
            % {"number": already.number}
        )
    ticket = Ticket.objects.create(
        sender=sender,
        sender_structure=structure,
        category=category,
        subcategory=subcategory,
        title=(_("Gestionnaire principal à remplacer : %(name)s") % {"name": structure.name})[:200],
        description=description.strip(),
        queue=Ticket.Queue.SUPPORT,
        language=sender.preferred_language,
    )
    _number(ticket)
    _apply(ticket, Action.SEND, Side.SENDER, author=sender)
    return ticket


@transaction.atomic
def principal_appoint_from_ticket(*, ticket: Ticket, by: User, membership_id: int) -> Ticket:
    """An administrator names the structure's new principal manager from the member's ticket:
    the structures service changes the roles (audit row, e-mails to the new and former
    principal managers), and the ticket is answered, which e-mails its sender."""
    from structures import services as structure_services

    ticket = (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("sender_structure")
        .get(pk=ticket.pk)
    )
    if (
        ticket.category,
        ticket.subcategory,
    ) != PRINCIPAL_CATEGORY or ticket.sender_structure is None:
        raise TicketActionRefused(
            _("Cette sollicitation ne demande pas un gestionnaire principal pour une structure.")
        )
    if next_status(Action.ANSWER, ticket.status, to_support=ticket.to_support) is None:
        raise TicketActionRefused(
            _("Action impossible : la sollicitation est « %(status)s ».")
            % {"status": ticket.get_status_display()}
        )
    appointed = structure_services.principal_appoint(
        structure=ticket.sender_structure,
        by=by,
        membership_id=membership_id,
        ticket_number=ticket.number or "",
    )
    ticket_act(
        ticket=ticket,
        action=Action.ANSWER,
        user=by,
        body=_("%(user)s est désormais le gestionnaire principal de la structure « %(name)s ».")
        % {"user": appointed.user, "name": ticket.sender_structure.name},
    )
    return ticket


# --- Drafts ---------------------------------------------------------------------------------
@transaction.atomic
def ticket_draft_update(
    *,
    ticket: Ticket,
    sender: User,
    category: str,
    subcategory: str,
    title: str,
    description: str,
    sender_structure: Structure | None = None,
    recipient_structure: Structure | None = None,
    recipient_service: Service | None = None,
    invoice_number: str = "",
    attachment: UploadedFile[bytes] | None = None,
    send: bool = False,
) -> Ticket:
    """Changes a draft (a new attachment replaces the previous one), and sends it if asked."""
    ticket = _locked_draft(ticket, sender)
    _check_topic(category, subcategory)
    if sender_structure is not None and not is_approved_member(
        user=sender, structure=sender_structure
    ):
        raise PermissionDenied("The sender does not belong to this structure.")
    ticket.queue, ticket.recipient_structure, ticket.recipient_service = _route(
        category, subcategory, recipient_structure, recipient_service
    )
    ticket.category, ticket.subcategory = category, subcategory
    ticket.title, ticket.description = title, description
    ticket.sender_structure = sender_structure
    if not ticket.invoice_status:  # a number copied from an invoice stays as it was
        ticket.invoice_number = invoice_number
    ticket.save(
        update_fields=[
            "queue",
            "recipient_structure",
            "recipient_service",
            "category",
            "subcategory",
            "title",
            "description",
            "sender_structure",
            "invoice_number",
        ]
    )
    if attachment is not None:
        _delete_attachments(selectors.ticket_opening_attachments(ticket))
        _attach(ticket, attachment)
    if send:
        _apply(ticket, Action.SEND, Side.SENDER, author=sender)
    return ticket


@transaction.atomic
def ticket_draft_delete(*, ticket: Ticket, sender: User) -> None:
    ticket = _locked_draft(ticket, sender)
    _delete_attachments(ticket.attachments.all())
    ticket.delete()


# --- Acting on a ticket ---------------------------------------------------------------------
@transaction.atomic
def ticket_act(
    *,
    ticket: Ticket,
    action: Action,
    user: User | None = None,
    follow_token: str = "",
    body: str = "",
    attachment: UploadedFile[bytes] | None = None,
    notify: bool = True,
) -> TicketMessage:
    """One action of the workflow (see workflow.py) by a user, or by a visitor holding the
    ticket's follow-up token; it is kept as a message and e-mailed to the other side."""
    # The lock makes two simultaneous actions apply one after the other, each on the status
    # the previous one left, so that e.g. an answer and a closure cannot both start from EN_COURS.
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    rule = RULES[action]
    if rule.side not in _sides(ticket, user, follow_token):
        raise TicketActionRefused(_("Cette action ne vous est pas ouverte."))
    target = next_status(action, ticket.status, to_support=ticket.to_support)
    if target is None:
        raise TicketActionRefused(
            _("Action impossible : la sollicitation est « %(status)s ».")
            % {"status": ticket.get_status_display()}
        )
    if rule.needs_text and not body.strip():
        raise ValidationError({"body": _("Écrivez un message.")})
    message = _apply(
        ticket, action, rule.side, author=user, body=body.strip(), target=target, notify=notify
    )
    if attachment is not None:
        _attach(ticket, attachment, message=message)
    return message


# --- Helpers --------------------------------------------------------------------------------
def _check_topic(category: str, subcategory: str) -> None:
    if catalogue.subcategory(category, subcategory) is None:
        raise ValidationError({"topic": _("Choisissez une catégorie de la liste.")})


def _route(
    category: str,
    subcategory: str,
    structure: Structure | None,
    service: Service | None,
) -> tuple[str, Structure | None, Service | None]:
    """Who receives the ticket: the category decides, and the recipient must make sense."""
    # Without a recipient (an invoice that never reached one), even a processing question is
    # support's: someone must answer it.
    if catalogue.receiver_for(category, subcategory) == Receiver.SUPPORT or structure is None:
        return Ticket.Queue.SUPPORT, None, None
    if not structure.is_public:
        raise ValidationError({"recipient_siret": _("Le destinataire doit être public.")})
    if service is not None and service.structure_id != structure.pk:
        raise ValidationError({"recipient_service": _("Ce service n’est pas de cette structure.")})
    # Nobody receives it (a service no agent is named on, in a structure without an agent scoped
    # to no service): support's, as if transferred, the recipient kept for support to read.
    if not selectors.has_receivers(structure.pk, service.pk if service is not None else None):
        return Ticket.Queue.SUPPORT, structure, service
    return Ticket.Queue.RECIPIENT, structure, service


def _invoice_snapshot(invoice: InvoiceLike | None, typed_number: str) -> dict[str, object]:
    if invoice is None:
        return {"invoice_number": typed_number.strip()}
    return {
        "invoice": invoice,
        "invoice_number": invoice.number,
        "invoice_status": str(invoice.get_status_display()),
        "invoice_reason": invoice.last_reason or "",
    }


def _number(ticket: Ticket) -> None:
    # From the primary key: unique without a counter to lock, readable on the phone.
    year = timezone.localtime(ticket.created_at).year
    ticket.number = f"SOL-{year}-{ticket.pk:06d}"
    ticket.save(update_fields=["number"])


def _sides(ticket: Ticket, user: User | None, follow_token: str) -> set[Side]:
    if user is not None and user.is_authenticated:
        return selectors.ticket_sides(user, ticket)
    if (
        follow_token
        and ticket.follow_token
        and secrets.compare_digest(follow_token, ticket.follow_token)
    ):
        return {Side.SENDER}
    return set()


def _locked_draft(ticket: Ticket, sender: User) -> Ticket:
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    if ticket.sender_id != sender.pk:
        raise PermissionDenied("Only its author changes a draft.")
    if ticket.status != TicketStatus.BROUILLON:
        raise TicketActionRefused(_("Cette sollicitation a déjà été envoyée."))
    return ticket


def _apply(
    ticket: Ticket,
    action: Action,
    side: Side,
    *,
    author: User | None,
    body: str = "",
    target: TicketStatus | None = None,
    notify: bool = True,
) -> TicketMessage:
    before = ticket.status
    target = target or next_status(action, before, to_support=ticket.to_support)
    assert target is not None, f"{action} does not apply to {before}"
    now = timezone.now()
    ticket.status, ticket.last_activity_at = target, now
    fields = ["status", "last_activity_at"]
    if action == Action.SEND:
        ticket.sent_at = now
        fields.append("sent_at")
    if action == Action.TRANSFER:
        ticket.queue = Ticket.Queue.SUPPORT
        fields.append("queue")
    if target == TicketStatus.CLOTUREE:
        ticket.closed_at = now
        fields.append("closed_at")
    ticket.save(update_fields=fields)
    message = TicketMessage.objects.create(
        ticket=ticket,
        action=action,
        side=side,
        author=author,
        body=body,
        status_before=before,
        status_after=target,
        created_at=now,
    )
    if notify:
        transaction.on_commit(partial(notifications.message_notify, message_id=message.pk))
    return message


def _attach(
    ticket: Ticket, upload: UploadedFile[bytes], *, message: TicketMessage | None = None
) -> TicketAttachment:
    validate_attachment(upload)
    return TicketAttachment.objects.create(
        ticket=ticket,
        message=message,
        file=upload,
        name=PurePath(upload.name or "").name,
        size=upload.size or 0,
    )


def _delete_attachments(attachments: QuerySet[TicketAttachment]) -> None:
    files = [(a.file.storage, a.file.name) for a in attachments if a.file.name]
    attachments.delete()

    def remove() -> None:
        for storage, name in files:
            storage.delete(name)

    # Files go only once the rows are gone for good.
    transaction.on_commit(remove)
