"""A flux (a file of invoices deposited at once) and its items (one per invoice it carries).

The flux keeps the file byte for byte with its SHA-256; one supplier structure deposits the same
file once (a unique digest per structure). Each item says where it came from in the file
(position, entry name or index), and either the invoice it became or why it was rejected.
"""

from __future__ import annotations

import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from invoices.models import Invoice
from structures.models import Structure


def flux_path(instance: Flux, filename: str) -> str:
    # Never the depositor's name on disk: a fresh name, the extension kept for the curious.
    suffix = PurePath(filename).suffix.lower()[:10]
    return f"flux/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"


class Flux(models.Model):
    class Kind(models.TextChoices):
        ZIP = "zip", _("Archive ZIP")
        XML = "xml", _("Fichier XML")
        JSON = "json", _("Tableau JSON")

    class Status(models.TextChoices):
        RECU = "RECU", _("Reçu")
        EN_COURS = "EN_COURS", _("En cours d'intégration")
        INTEGRE = "INTEGRE", _("Intégré")
        PARTIEL = "PARTIEL", _("Partiellement intégré")
        REFUSE = "REFUSE", _("Refusé")

    TRANSIENT = (Status.RECU, Status.EN_COURS)

    supplier = models.ForeignKey(Structure, on_delete=models.PROTECT, related_name="flux")
    depositor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="flux"
    )
    kind = models.CharField(_("nature"), max_length=4, choices=Kind)
    file = models.FileField(_("fichier"), upload_to=flux_path, max_length=255)
    original_name = models.CharField(_("nom du fichier"), max_length=255)
    size = models.PositiveBigIntegerField(_("taille (octets)"))
    sha256 = models.CharField(_("empreinte SHA-256"), max_length=64)
    status = models.CharField(_("statut"), max_length=8, choices=Status, default=Status.RECU)
    refusal = models.TextField(_("motif du refus"), blank=True)
    item_count = models.PositiveIntegerField(_("factures"), default=0)
    integrated_count = models.PositiveIntegerField(_("intégrées"), default=0)
    rejected_count = models.PositiveIntegerField(_("rejetées"), default=0)
    received_at = models.DateTimeField(_("reçu le"), default=timezone.now)
    started_at = models.DateTimeField(_("intégration commencée le"), null=True, blank=True)
    finished_at = models.DateTimeField(_("intégration terminée le"), null=True, blank=True)
    # Bumped by every chunk: a flux in a transient status that has not moved for a while lost
    # its worker, and the sweep enqueues it again.
    touched_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("flux")
        verbose_name_plural = _("flux")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["supplier", "sha256"], name="flux_one_deposit_per_file_and_supplier"
            ),
        ]
        indexes = [models.Index(fields=["status", "touched_at"], name="flux_status_touched")]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.supplier})"

    @property
    def is_done(self) -> bool:
        return self.status not in self.TRANSIENT


class FluxItem(models.Model):
    """One invoice of a flux: pending, then integrated (its invoice) or rejected (its errors)."""

    class Result(models.TextChoices):
        PENDING = "PENDING", _("En attente")
        INTEGRATED = "INTEGRATED", _("Intégrée")
        REJECTED = "REJECTED", _("Rejetée")

    flux = models.ForeignKey(Flux, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField(_("position"))
    name = models.CharField(_("entrée"), max_length=255, blank=True)
    number = models.CharField(_("numéro de facture"), max_length=255, blank=True)
    result = models.CharField(_("résultat"), max_length=10, choices=Result, default=Result.PENDING)
    invoice = models.OneToOneField(
        Invoice, on_delete=models.PROTECT, null=True, blank=True, related_name="flux_item"
    )
    # [{"rule": "CHORUS", "field": "number", "message": "…"}], messages in French.
    errors = models.JSONField(_("erreurs"), default=list, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("facture d'un flux")
        verbose_name_plural = _("factures d'un flux")
        ordering = ["flux", "position"]
        constraints = [
            models.UniqueConstraint(fields=["flux", "position"], name="flux_item_one_per_position"),
            models.CheckConstraint(
                condition=Q(result="PENDING", invoice__isnull=True)
                | Q(result="INTEGRATED", invoice__isnull=False)
                | Q(result="REJECTED", invoice__isnull=True),
                name="flux_item_invoice_iff_integrated",
            ),
        ]
        indexes = [models.Index(fields=["flux", "result", "position"], name="flux_item_result")]

    def __str__(self) -> str:
        return f"{self.flux_id}#{self.position}"
