"""Support tickets (sollicitations), their messages and attachments, contact throttling."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from support import catalogue
from support.catalogue import Receiver
from support.workflow import Action, Side, TicketStatus


class Ticket(models.Model):
    """A question from a user (or a visitor) to the portal's support or to a public recipient."""

    class Queue(models.TextChoices):
        SUPPORT = Receiver.SUPPORT.value, _("Support du portail")
        RECIPIENT = Receiver.RECIPIENT.value, _("Service destinataire")

    number = models.CharField(
        _("numéro"), max_length=20, unique=True, null=True, blank=True, editable=False
    )
    status = models.CharField(
        _("statut"), max_length=14, choices=TicketStatus, default=TicketStatus.BROUILLON
    )
    category = models.CharField(_("catégorie"), max_length=20, choices=catalogue.category_choices())
    subcategory = models.CharField(_("sous-catégorie"), max_length=30)
    title = models.CharField(_("objet"), max_length=200)
    description = models.TextField(_("description"), max_length=5000)

    # Who asks: a signed-in user, or a visitor known by an address and a follow-up token.
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="support_tickets",
        verbose_name=_("demandeur"),
    )
    email = models.EmailField(_("adresse électronique du demandeur"), blank=True)
    sender_structure = models.ForeignKey(
        "structures.Structure",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("structure du demandeur"),
    )
    # A capability: whoever holds it reads and adds to this ticket, and nothing else.
    follow_token = models.CharField(max_length=64, unique=True, null=True, blank=True)
    language = models.CharField(_("langue"), max_length=8, default="fr")

    # Who answers: the support team, or a public structure (through one of its services).
    queue = models.CharField(_("destinataire"), max_length=10, choices=Queue, default=Queue.SUPPORT)
    recipient_structure = models.ForeignKey(
        "structures.Structure",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="support_tickets_received",
        verbose_name=_("structure destinataire"),
    )
    recipient_service = models.ForeignKey(
        "structures.Service",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="support_tickets",
        verbose_name=_("service destinataire"),
    )

    # What the invoice looked like when the ticket was opened from it (a snapshot, on purpose:
    # the receiver reads what the sender saw, even after the invoice moved on). A draft deleted
    # or an invoice purged leaves the ticket with its copy of the number, without the link.
    invoice = models.ForeignKey(
        "invoices.Invoice",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="support_tickets",
        verbose_name=_("facture"),
    )
    invoice_number = models.CharField(_("numéro de facture"), max_length=50, blank=True)
    invoice_status = models.CharField(_("statut de la facture"), max_length=100, blank=True)
    invoice_reason = models.TextField(_("dernier motif de la facture"), blank=True)

    created_at = models.DateTimeField(_("créée le"), default=timezone.now)
    sent_at = models.DateTimeField(_("envoyée le"), null=True, blank=True)
    closed_at = models.DateTimeField(_("clôturée le"), null=True, blank=True)
    last_activity_at = models.DateTimeField(_("dernière activité"), default=timezone.now)

    class Meta:
        verbose_name = _("sollicitation")
        verbose_name_plural = _("sollicitations")
        ordering = ["-last_activity_at", "-id"]
        indexes = [
            models.Index(fields=["sender", "status"], name="ticket_sender_status"),
            models.Index(fields=["queue", "status"], name="ticket_queue_status"),
            models.Index(fields=["recipient_service", "status"], name="ticket_service_status"),
            models.Index(fields=["recipient_structure", "status"], name="ticket_structure_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(sender__isnull=False) | ~Q(email=""),
                name="ticket_has_a_sender",
            ),
            models.CheckConstraint(
                condition=Q(queue=Receiver.SUPPORT.value) | Q(recipient_structure__isnull=False),
                name="ticket_recipient_queue_has_a_structure",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number or _('Brouillon')} — {self.title}"

    @property
    def subcategory_label(self) -> str:
        return str(catalogue.subcategory_label(self.category, self.subcategory))

    @property
    def to_support(self) -> bool:
        return self.queue == self.Queue.SUPPORT

    @property
    def is_draft(self) -> bool:
        return self.status == TicketStatus.BROUILLON

    @property
    def sender_address(self) -> str:
        return self.sender.contact_email if self.sender else self.email


class TicketMessage(models.Model):
    """One step of a ticket's conversation: who did what, when, with which text.

    Append-only: the conversation is the ticket's history.
    """

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    action = models.CharField(_("action"), max_length=10, choices=Action)
    side = models.CharField(_("côté"), max_length=10, choices=Side)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("auteur"),
    )
    body = models.TextField(_("message"), max_length=5000, blank=True)
    status_before = models.CharField(_("statut avant"), max_length=14, choices=TicketStatus)
    status_after = models.CharField(_("statut après"), max_length=14, choices=TicketStatus)
    created_at = models.DateTimeField(_("le"), default=timezone.now)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["ticket", "created_at"], name="ticket_message_at")]

    def __str__(self) -> str:
        return f"{self.ticket.number} — {self.get_action_display()}"


def attachment_path(instance: TicketAttachment, filename: str) -> str:
    # A random folder per file: names never collide and paths cannot be guessed.
    return f"support/{instance.ticket_id}/{uuid.uuid4().hex}/{filename}"


class TicketAttachment(models.Model):
    """A file joined to a ticket (``message`` empty) or to one of its messages.

    Stored through the default storage and never served by URL: a view that checks
    who asks streams it.
    """

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments")
    message = models.ForeignKey(
        TicketMessage,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="attachments",
    )
    file = models.FileField(_("fichier"), upload_to=attachment_path, max_length=255)
    name = models.CharField(_("nom"), max_length=100)
    size = models.PositiveIntegerField(_("taille (octets)"))
    uploaded_at = models.DateTimeField(_("ajouté le"), default=timezone.now)

    class Meta:
        verbose_name = _("pièce jointe")
        verbose_name_plural = _("pièces jointes")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.name


class ContactAttempt(models.Model):
    """One submission of the public contact form, kept for the per-address rate limit.

    In the database so that every web process and host counts the same attempts; the address
    is stored as a keyed digest, never in clear.
    """

    client_digest = models.CharField(max_length=64)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("tentative de contact")
        verbose_name_plural = _("tentatives de contact")
        indexes = [models.Index(fields=["client_digest", "at"], name="contact_attempt_client_at")]

    def __str__(self) -> str:
        return f"{self.client_digest[:12]}… {self.at:%Y-%m-%d %H:%M}"
