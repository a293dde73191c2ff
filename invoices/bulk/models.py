"""A bulk decision and its items: one per invoice, each done or refused with its reason.

The batch keeps what the agent chose (decision, reason, comment) and the invoices it covers,
each with the status the agent saw when choosing it: an invoice that moved since is refused,
never decided on from a status the agent did not see. An item's result is written in the very
transaction that applies its decision, so a worker killed mid-batch leaves each invoice either
decided and marked done, or untouched and still pending (the next run takes it up).

The invoice and the reason are named, not imported: ``invoices/models.py`` imports this module
(Django finds an app's models there), and importing it back would make a cycle.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from invoices.workflow import Status


class BulkDecision(models.Model):
    class State(models.TextChoices):
        PENDING = "PENDING", _("En attente")
        RUNNING = "RUNNING", _("En cours")
        DONE = "DONE", _("Terminée")

    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="bulk_decisions"
    )
    target = models.CharField(_("décision"), max_length=32, choices=Status)
    reason = models.ForeignKey(
        "invoices.RejectionReason",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("motif"),
    )
    comment = models.TextField(_("commentaire"), blank=True)
    state = models.CharField(_("état"), max_length=8, choices=State, default=State.PENDING)
    item_count = models.PositiveIntegerField(_("factures"), default=0)
    created_at = models.DateTimeField(_("demandée le"), default=timezone.now)
    finished_at = models.DateTimeField(_("terminée le"), null=True, blank=True)
    # Bumped by every invoice decided: a batch not done that has not moved for a while lost its
    # worker (or its message), and the sweep enqueues it again.
    touched_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("décision groupée")
        verbose_name_plural = _("décisions groupées")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["state", "touched_at"], name="bulk_decision_state_touched"),
            models.Index(fields=["agent", "-created_at"], name="bulk_decision_agent"),
        ]

    def __str__(self) -> str:
        return f"{self.get_target_display()} × {self.item_count}"

    @property
    def is_done(self) -> bool:
        return self.state == self.State.DONE


class BulkDecisionItem(models.Model):
    """One invoice of a batch: pending, then done (decided) or refused (``message`` says why)."""

    class Result(models.TextChoices):
        PENDING = "PENDING", _("En attente")
        DONE = "DONE", _("Traitée")
        REFUSED = "REFUSED", _("Refusée")

    bulk = models.ForeignKey(BulkDecision, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField(_("position"))
    # The legal purge of an invoice (invoices/services/retention.py) takes its result line along.
    invoice = models.ForeignKey("invoices.Invoice", on_delete=models.CASCADE, related_name="+")
    seen_status = models.CharField(_("statut vu"), max_length=32, choices=Status)
    result = models.CharField(_("résultat"), max_length=8, choices=Result, default=Result.PENDING)
    message = models.TextField(_("motif du refus"), blank=True)
    # The status change the decision recorded (done items): what the suppliers' digest lists,
    # once the batch is over.
    change = models.ForeignKey(
        "invoices.StatusChange", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("facture d'une décision groupée")
        verbose_name_plural = _("factures d'une décision groupée")
        ordering = ["bulk", "position"]
        constraints = [
            models.UniqueConstraint(fields=["bulk", "invoice"], name="bulk_item_one_per_invoice"),
            models.UniqueConstraint(fields=["bulk", "position"], name="bulk_item_one_per_position"),
            models.CheckConstraint(
                condition=Q(result="REFUSED") | Q(message=""), name="bulk_item_message_if_refused"
            ),
        ]
        indexes = [models.Index(fields=["bulk", "result", "position"], name="bulk_item_result")]

    def __str__(self) -> str:
        return f"{self.bulk_id}#{self.position}"
