"""Invoices, their lines, files and history; the reason catalogue; the EJ registers."""

from __future__ import annotations

import uuid
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField

from chorus import formatting
from chorus.append_only import AppendOnly
from invoices.workflow import InvoiceWorkflow, ReformCode, Status, is_paid_already, reform_code
from structures.models import Service, Structure

# Chorus Pro caps the invoice number at 20 characters (numeroFactureSaisi in its API).
NUMBER_MAX_LENGTH = 20
ENGAGEMENT_MAX_LENGTH = 50
ATTACHMENT_NAME_MAX_LENGTH = 50

if TYPE_CHECKING:
    # mypy reads django-fsm's mixin as Any under Python 3.11 (the module decorates with
    # typing.override, new in 3.12), and Invoice with it: the mixin only adds a check on save.
    class ConcurrentTransitionMixin:
        pass

else:
    from django_fsm import ConcurrentTransitionMixin


class BillingFrame(models.TextChoices):
    """Chorus Pro's *cadres de facturation* (the ones a supplier's portal offers)."""

    A1 = "A1", _("A1 — Dépôt par un fournisseur d'une facture")
    A2 = "A2", _("A2 — Dépôt par un fournisseur d'une facture déjà payée")
    A3 = "A3", _("A3 — Dépôt par un fournisseur d'un mémoire de frais de justice")
    A4 = "A4", _("A4 — Dépôt par un fournisseur d'un projet de décompte mensuel")
    A5 = "A5", _("A5 — Dépôt par un fournisseur d'un état d'acompte")
    A9 = "A9", _("A9 — Dépôt par un sous-traitant d'une facture")
    A12 = "A12", _("A12 — Dépôt par un cotraitant d'une facture")


class InvoiceType(models.TextChoices):
    FACTURE = "FACTURE", _("Facture")
    AVOIR = "AVOIR", _("Avoir")


class VatRegime(models.TextChoices):
    DEBITS = "DEBITS", _("TVA sur les débits")
    ENCAISSEMENTS = "ENCAISSEMENTS", _("TVA sur les encaissements")
    EXONERE = "EXONERE", _("Exonération de TVA")
    SANS_TVA = "SANS_TVA", _("Sans TVA")


class PaymentMethod(models.TextChoices):
    VIREMENT = "VIREMENT", _("Virement")
    CHEQUE = "CHEQUE", _("Chèque")
    PRELEVEMENT = "PRELEVEMENT", _("Prélèvement")
    ESPECE = "ESPECE", _("Espèces")
    REPORT = "REPORT", _("Report")
    AUTRE = "AUTRE", _("Autre")


class DepositMode(models.TextChoices):
    SAISIE_WEB = "SAISIE_WEB", _("Saisie sur le portail")
    SAISIE_API = "SAISIE_API", _("Saisie par API")
    DEPOT_PDF_WEB = "DEPOT_PDF_WEB", _("Dépôt d'un PDF sur le portail")
    DEPOT_PDF_API = "DEPOT_PDF_API", _("Dépôt d'un PDF par API")
    UPLOAD_WEB = "UPLOAD_WEB", _("Dépôt d'un fichier structuré sur le portail")
    UPLOAD_API = "UPLOAD_API", _("Dépôt d'un fichier structuré par API")
    EDI = "EDI", _("Échange de données informatisé")


class Currency(models.TextChoices):
    EUR = "EUR", _("Euro (EUR)")
    USD = "USD", _("Dollar des États-Unis (USD)")
    GBP = "GBP", _("Livre sterling (GBP)")
    CHF = "CHF", _("Franc suisse (CHF)")
    XPF = "XPF", _("Franc CFP (XPF)")


class Invoice(ConcurrentTransitionMixin, InvoiceWorkflow, models.Model):
    """An invoice (or credit note) from a supplier structure to a public recipient.

    Drafts may be incomplete; the deposit checks everything. Once deposited, only the
    services change an invoice, and only through a transition (plus, when it is sent back,
    its recipient data).
    """

    number = models.CharField(_("numéro de facture"), max_length=NUMBER_MAX_LENGTH, blank=True)
    issue_date = models.DateField(_("date de facture"), null=True, blank=True)
    # Stored so that the database can refuse a number used twice in one year (DOUBLON).
    issue_year = models.PositiveSmallIntegerField(_("année de facture"), null=True, editable=False)
    billing_frame = models.CharField(
        _("cadre de facturation"), max_length=4, choices=BillingFrame, default=BillingFrame.A1
    )
    invoice_type = models.CharField(
        _("type"), max_length=8, choices=InvoiceType, default=InvoiceType.FACTURE
    )
    original_invoice_number = models.CharField(
        _("numéro de la facture d'origine"), max_length=NUMBER_MAX_LENGTH, blank=True
    )
    # A credit note's invoice, resolved among the supplier's deposited invoices to the same
    # recipient (checks.check_credit_note): the number above is what the supplier gave (BT-25).
    credited_invoice = models.ForeignKey(
        "self",
        # The legal purge may remove an invoice before its credit note: the number stays.
        on_delete=models.SET_NULL,
        related_name="credit_notes",
        null=True,
        blank=True,
        verbose_name=_("facture d'origine"),
    )
    supplier = models.ForeignKey(
        Structure,
        on_delete=models.PROTECT,
        related_name="invoices_sent",
        verbose_name=_("fournisseur"),
    )
    # The recipient as typed (a SIRET), and the structure it designates once known.
    recipient_siret = models.CharField(_("SIRET du destinataire"), max_length=14, blank=True)
    recipient = models.ForeignKey(
        Structure,
        on_delete=models.PROTECT,
        related_name="invoices_received",
        null=True,
        blank=True,
        verbose_name=_("destinataire"),
    )
    service_code = models.CharField(_("code service"), max_length=100, blank=True)
    service = models.ForeignKey(
        Service,
        on_delete=models.PROTECT,
        related_name="invoices",
        null=True,
        blank=True,
        verbose_name=_("service destinataire"),
    )
    engagement_number = models.CharField(
        _("numéro d'engagement"), max_length=ENGAGEMENT_MAX_LENGTH, blank=True
    )
    # Billing frames A9 / A12: the titular company (mandatary) that validates the invoice before
    # it is routed to the recipient, as typed (a SIRET) and the structure it designates.
    validator_siret = models.CharField(
        _("SIRET du titulaire ou du mandataire"), max_length=14, blank=True
    )
    validator = models.ForeignKey(
        Structure,
        on_delete=models.PROTECT,
        related_name="invoices_to_validate",
        null=True,
        blank=True,
        verbose_name=_("titulaire ou mandataire (valideur)"),
    )
    # Set when the invoice enters A_VALIDER_1 (again when the supplier changes the validator):
    # past it, the validation is tacit. Never cleared, so a validation happens once.
    validation_due_at = models.DateTimeField(
        _("à valider avant le"), null=True, blank=True, editable=False
    )
    market_number = models.CharField(_("numéro de marché"), max_length=50, blank=True)
    currency = models.CharField(_("devise"), max_length=3, choices=Currency, default=Currency.EUR)
    vat_regime = models.CharField(
        _("régime de TVA"), max_length=14, choices=VatRegime, default=VatRegime.DEBITS
    )
    vat_exemption_reason = models.CharField(_("motif d'exonération"), max_length=255, blank=True)
    payment_method = models.CharField(
        _("mode de paiement"),
        max_length=12,
        choices=PaymentMethod,
        default=PaymentMethod.VIREMENT,
    )
    iban = models.CharField(_("IBAN"), max_length=34, blank=True)
    bic = models.CharField(_("BIC"), max_length=11, blank=True)
    comment = models.TextField(_("commentaire"), max_length=2000, blank=True)
    deposit_mode = models.CharField(
        _("mode de dépôt"), max_length=14, choices=DepositMode, default=DepositMode.SAISIE_WEB
    )

    status = FSMField(
        _("statut"),
        max_length=32,
        choices=Status,
        default=Status.BROUILLON,
        protected=True,
        db_index=True,
    )
    status_changed_at = models.DateTimeField(_("statut depuis le"), default=timezone.now)

    # Amounts: computed from the lines for a typed invoice, declared for a deposited PDF.
    total_excl_tax = models.DecimalField(_("total HT"), max_digits=14, decimal_places=2, default=0)
    total_vat = models.DecimalField(_("total TVA"), max_digits=14, decimal_places=2, default=0)
    total_incl_tax = models.DecimalField(_("total TTC"), max_digits=14, decimal_places=2, default=0)
    prepaid_amount = models.DecimalField(
        _("montant déjà payé"), max_digits=14, decimal_places=2, default=0
    )
    amount_due = models.DecimalField(_("net à payer"), max_digits=14, decimal_places=2, default=0)

    deposited_at = models.DateTimeField(_("déposée le"), null=True, blank=True)
    deposit_sha256 = models.CharField(
        _("empreinte SHA-256 du dépôt"),
        max_length=64,
        blank=True,
        help_text=_("Empreinte de la liste des fichiers déposés et de leurs empreintes."),
    )
    made_available_at = models.DateTimeField(_("mise à disposition le"), null=True, blank=True)
    # When the sweep last enqueued the invoice's routing again: at most once per
    # INVOICE_ROUTING_STUCK_AFTER, so that a long queue is not flooded with duplicates.
    routing_swept_at = models.DateTimeField(null=True, blank=True, editable=False)
    # When the sweep last enqueued its missing renderings (Factur-X PDF, deposit certificate)
    # again: at most once per period, however long the backlog.
    renderings_swept_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The supplier's users are to hear of the deposit from the routing batch that claims it
    # (services/system.py: with its own e-mails, in one digest per supplier when it claims
    # several); False for a flux's invoices (the flux's e-mail tells its end) and once told.
    deposit_untold = models.BooleanField(default=False, db_default=False, editable=False)
    mandate_number = models.CharField(_("numéro de mandat"), max_length=30, blank=True)
    rejection_acknowledged = models.BooleanField(_("rejet pris en compte"), default=False)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("créée par"),
    )
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)

    class Meta:
        verbose_name = _("facture")
        verbose_name_plural = _("factures")
        ordering = ["-created_at", "-id"]
        indexes = [
            # With the id, the status counts of a supplier's list are an index-only scan.
            models.Index(fields=["supplier", "status", "id"], name="invoice_supplier_status"),
            # The lists' default order (drafts first, newest deposit first: on PostgreSQL, DESC
            # puts nulls first, as the lists' order asks), per supplier…
            models.Index(
                F("supplier"),
                F("deposited_at").desc(),
                F("id").desc(),
                name="invoice_supplier_deposited",
            ),
            # …and for the agents' list, read in that order until a page of their invoices.
            models.Index(
                F("deposited_at").desc(),
                F("id").desc(),
                condition=Q(made_available_at__isnull=False),
                name="invoice_received_deposited",
            ),
            # The agent's status counts, one count per part of their scope (UNION ALL): the
            # invoices that reached their services, and those of their structures addressed to
            # no service. Each part is then an index-only scan of its own index.
            models.Index(
                fields=["service", "status"],
                condition=Q(made_available_at__isnull=False),
                name="invoice_received_service",
            ),
            models.Index(
                fields=["recipient", "status"],
                condition=Q(service__isnull=True, made_available_at__isnull=False),
                name="invoice_received_no_service",
            ),
            models.Index(fields=["recipient", "status"], name="invoice_recipient_status"),
            # The EJ register page: the invoices that cite each engagement of a structure.
            models.Index(
                fields=["recipient", "engagement_number"], name="invoice_recipient_engagement"
            ),
            models.Index(fields=["status", "status_changed_at"], name="invoice_status_since"),
        ]
        constraints = [
            # DOUBLON: one number per supplier and year, drafts aside.
            models.UniqueConstraint(
                fields=["supplier", "number", "issue_year"],
                condition=~Q(status=Status.BROUILLON),
                name="invoice_number_unique_per_supplier_year",
            ),
            models.CheckConstraint(
                condition=Q(status=Status.BROUILLON)
                | (~Q(number="") & Q(issue_year__isnull=False) & Q(recipient__isnull=False)),
                name="invoice_deposited_is_complete",
            ),
            models.CheckConstraint(
                condition=~Q(invoice_type=InvoiceType.AVOIR)
                | Q(status=Status.BROUILLON)
                | ~Q(original_invoice_number=""),
                name="invoice_credit_note_has_original",
            ),
        ]

    def __str__(self) -> str:
        return self.number or _("Brouillon n° %(id)s") % {"id": self.pk}

    @property
    def is_draft(self) -> bool:
        return self.status == Status.BROUILLON

    @property
    def status_label(self) -> str:
        """The status in words, as ``get_status_display()`` says it (read by the API's answers
        as a plain attribute: DRF inspects a method's signature at each call)."""
        try:
            return str(Status(self.status).label)
        except ValueError:  # a code the enumeration does not know: itself, as Django says it
            return self.status

    @property
    def is_paid_already(self) -> bool:
        """Billing frame A2: the supplier was paid before invoicing; no payment step."""
        return is_paid_already(self)

    @property
    def reform_code(self) -> ReformCode | None:
        """The 2026 reform's lifecycle code of the current status (invoices/workflow.py)."""
        return reform_code(self.status, made_available=self.made_available_at is not None)

    @property
    def is_typed(self) -> bool:
        """Typed in the portal (lines known), as opposed to a deposited file."""
        return self.deposit_mode in (DepositMode.SAISIE_WEB, DepositMode.SAISIE_API)

    @property
    def is_structured(self) -> bool:
        """Deposited as a structured file (Factur-X, CII, UBL): the file is the invoice."""
        return self.deposit_mode in (DepositMode.UPLOAD_WEB, DepositMode.UPLOAD_API)

    @property
    def last_reason(self) -> str:
        """The last reason given on the invoice ("code — label : comment"), or ""."""
        change = (
            self.history.filter(reason__isnull=False)
            .select_related("reason")
            .order_by("-at", "-pk")
            .first()
        )
        if change is None or change.reason is None:
            return ""
        text = f"{change.reason.code} — {change.reason.label}"
        return f"{text}{formatting.colon()} {change.comment}" if change.comment else text


class Unit(models.TextChoices):
    """A short list of units (UN/ECE rec. 20 codes), enough for typed invoices."""

    C62 = "C62", _("unité")
    H87 = "H87", _("pièce")
    HUR = "HUR", _("heure")
    DAY = "DAY", _("jour")
    WEE = "WEE", _("semaine")
    MON = "MON", _("mois")
    ANN = "ANN", _("année")
    KGM = "KGM", _("kilogramme")
    TNE = "TNE", _("tonne")
    MTR = "MTR", _("mètre")
    MTK = "MTK", _("mètre carré")
    MTQ = "MTQ", _("mètre cube")
    LTR = "LTR", _("litre")
    KWH = "KWH", _("kilowattheure")
    LS = "LS", _("forfait")


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(_("position"))
    reference = models.CharField(_("référence"), max_length=50, blank=True)
    description = models.CharField(_("désignation"), max_length=255)
    quantity = models.DecimalField(_("quantité"), max_digits=14, decimal_places=4)
    unit = models.CharField(_("unité"), max_length=3, choices=Unit, default=Unit.C62)
    unit_price = models.DecimalField(_("prix unitaire HT"), max_digits=16, decimal_places=4)
    discount = models.DecimalField(_("remise HT"), max_digits=14, decimal_places=2, default=0)
    vat_rate = models.DecimalField(_("taux de TVA (%)"), max_digits=5, decimal_places=2)
    net_amount = models.DecimalField(_("montant HT"), max_digits=14, decimal_places=2)

    class Meta:
        verbose_name = _("ligne de facture")
        verbose_name_plural = _("lignes de facture")
        ordering = ["invoice", "position"]
        constraints = [
            models.UniqueConstraint(fields=["invoice", "position"], name="invoice_line_position"),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.description}"


def attachment_path(instance: Attachment | None, filename: str) -> str:
    """A path that reveals nothing of the user's file name and never collides."""
    extension = PurePath(filename).suffix.lower()
    now = timezone.now()
    return f"invoices/{now:%Y/%m}/{uuid.uuid4().hex}{extension}"


class Attachment(models.Model):
    """A file of an invoice, kept byte for byte in the storage with its SHA-256."""

    class Kind(models.TextChoices):
        MAIN = "MAIN", _("Pièce principale")
        ADDITIONAL = "ADDITIONAL", _("Pièce complémentaire")
        # A typed invoice is deposited as its CII XML (EN 16931), which the certificate
        # covers; the Factur-X PDF made from it afterwards embeds those very bytes.
        GENERATED_XML = "GENERATED_XML", _("Facture structurée CII (XML)")
        GENERATED_PDF = "GENERATED_PDF", _("Facture PDF (Factur-X)")
        CERTIFICATE = "CERTIFICATE", _("Accusé de dépôt")

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="attachments")
    kind = models.CharField(_("nature"), max_length=14, choices=Kind)
    file = models.FileField(_("fichier"), upload_to=attachment_path, max_length=255)
    original_name = models.CharField(_("nom du fichier"), max_length=ATTACHMENT_NAME_MAX_LENGTH)
    size = models.PositiveBigIntegerField(_("taille (octets)"))
    sha256 = models.CharField(_("empreinte SHA-256"), max_length=64)
    content_type = models.CharField(_("type de contenu"), max_length=100)
    is_signed = models.BooleanField(_("PDF signé"), default=False)
    # The history event the file came with (deposit, completion...), when there is one.
    status_change = models.ForeignKey(
        "StatusChange",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="attachments",
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("ajouté le"), default=timezone.now)

    class Meta:
        verbose_name = _("pièce jointe")
        verbose_name_plural = _("pièces jointes")
        ordering = ["invoice", "uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name


class RejectionReason(models.Model):
    """A coded reason from the catalogue, for a rejection, a suspension or a sending back."""

    class Group(models.TextChoices):
        TECHNIQUE = "TECHNIQUE", _("Motif technique")
        ACHAT_COMPTABLE = "ACHAT_COMPTABLE", _("Motif achat et comptable")
        AUTRE = "AUTRE", _("Autre motif")

    class ReformCode(models.TextChoices):
        """Reason codes of the 2026 e-invoicing reform."""

        JUSTIF_ABS = "JUSTIF_ABS", "JUSTIF_ABS"
        ROUTAGE_ERR = "ROUTAGE_ERR", "ROUTAGE_ERR"
        CMD_ERR = "CMD_ERR", "CMD_ERR"
        TX_TVA_ERR = "TX_TVA_ERR", "TX_TVA_ERR"
        MONTANTTOTAL_ERR = "MONTANTTOTAL_ERR", "MONTANTTOTAL_ERR"
        CALCUL_ERR = "CALCUL_ERR", "CALCUL_ERR"
        NON_CONFORME = "NON_CONFORME", "NON_CONFORME"
        DOUBLON = "DOUBLON", "DOUBLON"
        DEST_ERR = "DEST_ERR", "DEST_ERR"
        TRANSAC_INC = "TRANSAC_INC", "TRANSAC_INC"
        EMMET_INC = "EMMET_INC", "EMMET_INC"
        CONTRAT_TERM = "CONTRAT_TERM", "CONTRAT_TERM"
        DOUBLE_FACT = "DOUBLE_FACT", "DOUBLE_FACT"
        ADR_ERR = "ADR_ERR", "ADR_ERR"
        SIRET_ERR = "SIRET_ERR", "SIRET_ERR"
        CODE_ROUTAGE_ERR = "CODE_ROUTAGE_ERR", "CODE_ROUTAGE_ERR"
        REF_CT_ABSENT = "REF_CT_ABSENT", "REF_CT_ABSENT"
        COORD_BANC_ERR = "COORD_BANC_ERR", "COORD_BANC_ERR"
        LIVR_INCOMP = "LIVR_INCOMP", "LIVR_INCOMP"
        AUTRE = "AUTRE", "AUTRE"

    code = models.CharField(_("code"), max_length=40, unique=True)
    label_fr = models.CharField(_("libellé (français)"), max_length=255)
    label_en = models.CharField(_("libellé (anglais)"), max_length=255, blank=True)
    group = models.CharField(_("groupe"), max_length=16, choices=Group)
    allowed_statuses = models.JSONField(
        _("statuts justifiés"),
        default=list,
        help_text=_("Parmi REJETEE, A_RECYCLER et SUSPENDUE."),
    )
    reform_code = models.CharField(
        _("code de la réforme 2026"), max_length=20, choices=ReformCode, default=ReformCode.AUTRE
    )
    is_active = models.BooleanField(_("actif"), default=True)
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)

    class Meta:
        verbose_name = _("motif")
        verbose_name_plural = _("motifs")
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return f"{self.code} — {self.label}"

    @property
    def label(self) -> str:
        if (get_language() or "fr").startswith("en") and self.label_en:
            return self.label_en
        return self.label_fr


class StatusChange(models.Model):
    """One step of an invoice's history. Append-only: never changed nor deleted."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="history")
    from_status = models.CharField(_("statut précédent"), max_length=32, blank=True)
    to_status = models.CharField(_("nouveau statut"), max_length=32, choices=Status)
    at = models.DateTimeField(_("le"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("par"),
    )
    actor_system = models.CharField(
        _("par le système"), max_length=30, blank=True, help_text=_("Par exemple « routage ».")
    )
    reason = models.ForeignKey(
        RejectionReason,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("motif"),
    )
    comment = models.TextField(_("commentaire"), blank=True)
    mandate_number = models.CharField(_("numéro de mandat"), max_length=30, blank=True)
    # The hash chain (invoices/integrity.py): the previous row's hash, and this row's own.
    previous_hash = models.CharField(_("empreinte précédente"), max_length=64, blank=True)
    row_hash = models.CharField(_("empreinte"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("changement de statut")
        verbose_name_plural = _("changements de statut")
        ordering = ["invoice", "at", "id"]
        indexes = [models.Index(fields=["invoice", "at"], name="status_change_invoice_at")]
        constraints = [
            # One successor per row: two writers can never fork an invoice's history.
            models.UniqueConstraint(
                fields=["invoice", "previous_hash"], name="status_change_chain_link"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.invoice} : {self.from_status or '—'} → {self.to_status}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # The history is evidence: an existing row is never rewritten.
        if not self._state.adding:
            raise ValueError("A status change is never modified.")
        super().save(*args, **kwargs)

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise ValueError("A status change is never deleted.")

    @property
    def reform_code(self) -> ReformCode | None:
        """The 2026 reform's lifecycle code of this step; a rejection straight out of routing
        is the platform's (213), any other the recipient's (210)."""
        routed = self.from_status != Status.EN_COURS_ACHEMINEMENT
        return reform_code(self.to_status, made_available=routed)


class EngagementRecord(models.Model):
    """A legal commitment (EJ) in the register a public structure keeps, checked by routing."""

    class State(models.TextChoices):
        OPEN = "OPEN", _("Ouvert")
        CLOSED = "CLOSED", _("Clos")

    recipient = models.ForeignKey(
        Structure,
        on_delete=models.CASCADE,
        related_name="engagements",
        limit_choices_to={"is_public": True},
        verbose_name=_("structure publique"),
    )
    number = models.CharField(_("numéro d'engagement"), max_length=ENGAGEMENT_MAX_LENGTH)
    supplier_siret = models.CharField(_("SIRET du fournisseur"), max_length=14)
    amount = models.DecimalField(
        _("montant"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    state = models.CharField(_("état"), max_length=6, choices=State, default=State.OPEN)
    updated_at = models.DateTimeField(_("mis à jour le"), auto_now=True)

    class Meta:
        verbose_name = _("engagement juridique")
        verbose_name_plural = _("engagements juridiques")
        ordering = ["recipient", "number"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "number"], name="engagement_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.number} ({self.supplier_siret})"


class EngagementImport(models.Model):
    """One EJ file an agent uploaded to their structure's register, loaded by a worker
    (``services.engagement_import_run``): its progress, its outcome and, when the file is
    wrong, every problem by line number (nothing of such a file is loaded)."""

    class Status(models.TextChoices):
        PENDING = "PENDING", _("En attente")
        RUNNING = "RUNNING", _("En cours de chargement")
        DONE = "DONE", _("Chargé")
        FAILED = "FAILED", _("Refusé")

    recipient = models.ForeignKey(
        Structure,
        on_delete=models.CASCADE,
        related_name="engagement_imports",
        verbose_name=_("structure publique"),
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("déposé par"),
    )
    original_name = models.CharField(_("nom du fichier"), max_length=255)
    sha256 = models.CharField(_("empreinte SHA-256"), max_length=64)
    # The file's text (bounded by ENGAGEMENT_FILE_MAX_BYTES): the worker reads it from here.
    content = models.TextField(_("contenu"))
    status = models.CharField(
        _("état"), max_length=8, choices=Status.choices, default=Status.PENDING
    )
    total_rows = models.PositiveIntegerField(_("lignes"), default=0)
    processed_rows = models.PositiveIntegerField(_("lignes traitées"), default=0)
    created_count = models.PositiveIntegerField(_("EJ créés"), default=0)
    updated_count = models.PositiveIntegerField(_("EJ modifiés"), default=0)
    unchanged_count = models.PositiveIntegerField(_("EJ inchangés"), default=0)
    # [{"line": 3, "code": "…", "params": {…}, "message": "…"}]: each problem's code and
    # parameters (engagements_csv.PROBLEMS), worded in the reader's language when shown; the
    # message in the portal's language, for a look at the row itself.
    errors = models.JSONField(_("erreurs"), default=list, blank=True)
    more_errors = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(_("déposé le"), auto_now_add=True)
    finished_at = models.DateTimeField(_("terminé le"), null=True, blank=True)

    class Meta:
        verbose_name = _("chargement d'engagements juridiques")
        verbose_name_plural = _("chargements d'engagements juridiques")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.get_status_display()})"

    @property
    def is_done(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def percent(self) -> int:
        if self.is_done:
            return 100
        if not self.total_rows:
            return 0
        return min(99, self.processed_rows * 100 // self.total_rows)


class Seal(AppendOnly, models.Model):
    """One link of the audit trail's global seal chain (``invoices/seals.py``).

    Covers every history row, file record and removal record whose id lies in its ranges
    (``*_after`` excluded, ``*_until`` included), chained to the previous seal by its digest.
    Append-only, like the history it seals.
    """

    sequence = models.PositiveBigIntegerField(_("numéro"), unique=True)
    sealed_at = models.DateTimeField(_("scellé le"))
    history_after = models.BigIntegerField(default=0)
    history_until = models.BigIntegerField(default=0)
    history_count = models.PositiveIntegerField(default=0)
    history_digest = models.CharField(max_length=64)
    files_after = models.BigIntegerField(default=0)
    files_until = models.BigIntegerField(default=0)
    files_count = models.PositiveIntegerField(default=0)
    files_digest = models.CharField(max_length=64)
    removals_after = models.BigIntegerField(default=0)
    removals_until = models.BigIntegerField(default=0)
    removals_count = models.PositiveIntegerField(default=0)
    removals_digest = models.CharField(max_length=64)
    # The last history row of each invoice the seal covers: {invoice id: [row id, row hash]}.
    heads = models.JSONField(default=dict)
    previous_digest = models.CharField(_("empreinte précédente"), max_length=64, blank=True)
    digest = models.CharField(_("empreinte"), max_length=64, unique=True)

    class Meta:
        verbose_name = _("scellement du journal")
        verbose_name_plural = _("scellements du journal")
        ordering = ["-sequence"]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.digest[:16]}…"


class SealedRemoval(AppendOnly, models.Model):
    """What a legal purge removed from the sealed trail: the leaf each row stood for in its seal,
    so that the seals keep verifying without the row (``seals.removal_record``)."""

    class Kind(models.TextChoices):
        HISTORY = "HISTORY", _("ligne d'historique")
        FILE = "FILE", _("fichier")

    kind = models.CharField(max_length=8, choices=Kind)
    item_id = models.BigIntegerField()
    invoice_id = models.BigIntegerField()
    leaf = models.CharField(max_length=400)
    reason = models.CharField(_("motif"), max_length=200)
    removed_at = models.DateTimeField(_("retiré le"), default=timezone.now)

    class Meta:
        verbose_name = _("retrait scellé")
        verbose_name_plural = _("retraits scellés")
        constraints = [
            models.UniqueConstraint(fields=["kind", "item_id"], name="sealed_removal_once"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.item_id}"


class AcceptedFrames(models.Model):
    """The billing frames a recipient accepts (Chorus Pro lets each public structure choose);
    a recipient without a row accepts them all. Edited in the admin."""

    structure = models.OneToOneField(
        Structure,
        on_delete=models.CASCADE,
        related_name="accepted_frames",
        verbose_name=_("structure destinataire"),
    )
    frames = models.JSONField(_("cadres acceptés"), default=list)

    class Meta:
        verbose_name = _("cadres de facturation acceptés")
        verbose_name_plural = _("cadres de facturation acceptés")

    def __str__(self) -> str:
        return f"{self.structure}: {', '.join(self.frames)}"


# The bulk decisions' models live with the rest of the feature (invoices/bulk/); Django finds
# an app's models when its ``models`` module is imported.
from invoices.bulk.models import BulkDecision as BulkDecision  # noqa: E402
from invoices.bulk.models import BulkDecisionItem as BulkDecisionItem  # noqa: E402
