"""The checks an invoice passes before it is deposited (issue item 4).

Each check returns its messages keyed by the form field they belong to, in French, so that the
page shows each one next to its field. ``lines.<index>.<field>`` names a field of one line.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum import bic as stdnum_bic
from stdnum import iban as stdnum_iban

from invoices import credit_notes
from invoices.models import (
    AcceptedFrames,
    BillingFrame,
    EngagementRecord,
    Invoice,
    InvoiceLine,
    PaymentMethod,
    VatRegime,
)
from invoices.totals import ZERO, LineAmounts, compute_totals, is_french_vat_rate
from invoices.workflow import VALIDATION_FRAMES, Status
from structures.models import Service, Structure
from structures.selectors import deposit_refusal_reason

Errors = dict[str, list[str]]


@dataclass
class DepositFacts:
    """What the checks would read from the database, read once for a batch of deposits by one
    depositor for one supplier (``invoices.services.batch``): the depositor's refusal reason
    (``deposit_refusal_reason``) and the (number, year) pairs already used by the supplier,
    kept up to date by the batch as it accepts invoices. The checks stay the same functions;
    only where they read these facts from changes."""

    refusal: str | None
    taken: set[tuple[str, int | None]] = field(default_factory=set)
    # The billing frames each recipient accepts, read on first use (``accepted_frames``).
    frames: dict[int, list[str]] = field(default_factory=dict)

    def accepted_frames(self, recipient: Structure) -> list[str]:
        if recipient.pk not in self.frames:
            self.frames[recipient.pk] = accepted_frames(recipient)
        return self.frames[recipient.pk]


class _Collector:
    def __init__(self) -> None:
        self.errors: Errors = defaultdict(list)

    def add(self, field: str, message: str) -> None:
        self.errors[field].append(message)


Collector = _Collector


def check_supplier(
    invoice: Invoice, user, out: _Collector, facts: DepositFacts | None = None
) -> None:
    reason = facts.refusal if facts else deposit_refusal_reason(user, invoice.supplier)
    if reason is not None:
        out.add("supplier", reason)


# Before the euro, before any electronic invoicing: such a date is a typing mistake (year 0001,
# a swapped century). Not narrower: reference files (CEN examples) are dated 2013 onwards.
EARLIEST_ISSUE_DATE = date(2000, 1, 1)


def check_header(invoice: Invoice, out: _Collector, today: date) -> None:
    if not invoice.number.strip():
        out.add("number", _("Le numéro de facture est obligatoire."))
    if invoice.issue_date is None:
        out.add("issue_date", _("La date de facture est obligatoire."))
    elif invoice.issue_date > today:
        out.add("issue_date", _("La date de facture ne peut pas être dans le futur."))
    elif invoice.issue_date < EARLIEST_ISSUE_DATE:
        out.add("issue_date", _("La date de facture est antérieure à l’an 2000 : vérifiez-la."))


def check_credit_note(invoice: Invoice, out: _Collector) -> None:
    """A credit note refers to a deposited invoice of its structure and recipient, and credits
    no more than what is left of it (invoices/credit_notes.py)."""
    for message in credit_notes.credit_note_errors(invoice):
        out.add(credit_notes.FIELD, message)


def check_duplicate(invoice: Invoice, out: _Collector, facts: DepositFacts | None = None) -> None:
    if not invoice.number or invoice.issue_date is None:
        return
    if facts is not None:
        used = (invoice.number, invoice.issue_date.year) in facts.taken
    else:
        used = (
            Invoice.objects.filter(
                supplier_id=invoice.supplier_id,
                number=invoice.number,
                issue_year=invoice.issue_date.year,
            )
            .exclude(status=Status.BROUILLON)
            .exclude(pk=invoice.pk)
            .exists()
        )
    if used:
        out.add(
            "number",
            _(
                "Ce numéro de facture a déjà été utilisé cette année par votre structure : "
                "une facture ne peut être déposée deux fois."
            ),
        )


def check_recipient(invoice: Invoice, out: _Collector) -> None:
    recipient = invoice.recipient
    if not invoice.recipient_siret:
        out.add("recipient_siret", _("Le SIRET du destinataire est obligatoire."))
    elif recipient is None:
        out.add("recipient_siret", _("Aucune structure n'est enregistrée sous ce SIRET."))
    elif not recipient.is_public:
        out.add("recipient_siret", _("Ce destinataire n'est pas une structure publique."))
    elif not recipient.is_active:
        out.add("recipient_siret", _("Ce destinataire n'est plus actif."))
    elif recipient.is_closed:
        out.add(
            "recipient_siret",
            _(
                "L’établissement destinataire est fermé selon le répertoire SIRENE de l’INSEE : "
                "adressez la facture à l’établissement qui lui succède."
            ),
        )


def accepted_frames(recipient: Structure) -> list[str]:
    """The billing frames a recipient accepts: those of its ``AcceptedFrames`` row, else all."""
    return frames_of(AcceptedFrames.objects.filter(structure=recipient).first())


def frames_of(row: AcceptedFrames | None) -> list[str]:
    """``accepted_frames`` of the recipient whose row this is (None: it has none)."""
    if row is None:
        return list(BillingFrame.values)
    return [frame for frame in BillingFrame.values if frame in row.frames]


def check_frame(invoice: Invoice, out: _Collector, facts: DepositFacts | None = None) -> None:
    """The frame is one the recipient accepts; an A9 / A12 names its validator (the titular
    company, the mandatary), a structure of the portal that is not the supplier; no other
    frame names one."""
    frame = invoice.billing_frame
    if frame not in BillingFrame.values:
        out.add("billing_frame", _("Ce cadre de facturation n'existe pas."))
        return
    recipient = invoice.recipient
    if recipient is not None and frame not in (
        accepted := facts.accepted_frames(recipient) if facts else accepted_frames(recipient)
    ):
        out.add(
            "billing_frame",
            _(
                "Ce destinataire n'accepte pas le cadre de facturation %(frame)s. "
                "Cadres acceptés : %(accepted)s."
            )
            % {"frame": frame, "accepted": ", ".join(accepted) or "—"},
        )
    validator = invoice.validator
    if frame not in VALIDATION_FRAMES:
        if invoice.validator_siret:
            out.add(
                "validator_siret",
                _(
                    "Seuls les cadres A9 (sous-traitant) et A12 (cotraitant) nomment un titulaire "
                    "ou un mandataire : laissez ce SIRET vide."
                ),
            )
    elif not invoice.validator_siret:
        out.add(
            "validator_siret",
            _(
                "Le cadre %(frame)s demande le SIRET de l'entreprise qui valide la facture "
                "(le titulaire du marché pour A9, le mandataire pour A12)."
            )
            % {"frame": frame},
        )
    elif validator is None:
        out.add(
            "validator_siret",
            _("Aucune structure n'est enregistrée sous ce SIRET : vérifiez-le."),
        )
    elif validator.pk == invoice.supplier_id:
        out.add(
            "validator_siret",
            _("Le titulaire ou le mandataire ne peut pas être votre propre structure."),
        )
    elif validator.is_public:
        out.add(
            "validator_siret",
            _("Ce SIRET est celui d'une structure publique, pas du titulaire ou du mandataire."),
        )
    elif not validator.is_active:
        out.add("validator_siret", _("Cette structure n'est plus active."))
    elif validator.is_closed:
        # A closed establishment (SIRENE) has no one left to validate: the request would wait
        # for its tacit validation only.
        out.add(
            "validator_siret",
            _(
                "L’établissement du titulaire ou du mandataire est fermé selon le répertoire "
                "SIRENE de l’INSEE : indiquez l’établissement qui lui succède."
            ),
        )


def _service_usable(service: Service, today: date) -> bool:
    return (
        service.is_active
        and (service.valid_from is None or service.valid_from <= today)
        and (service.valid_until is None or today <= service.valid_until)
    )


def check_service_and_engagement(invoice: Invoice, out: _Collector, today: date) -> None:
    recipient = invoice.recipient
    if recipient is None:
        return
    service = invoice.service
    if invoice.service_code:
        if service is None or service.structure_id != recipient.pk:
            out.add("service_code", _("Ce code service n'existe pas chez ce destinataire."))
        elif not _service_usable(service, today):
            out.add("service_code", _("Ce service n'est pas actif."))
    elif recipient.service_code_required:
        out.add("service_code", _("Ce destinataire exige un code service."))
    engagement_needed = recipient.engagement_required or (
        service is not None and service.engagement_required
    )
    if not invoice.engagement_number and engagement_needed:
        out.add("engagement_number", _("Le numéro d'engagement est obligatoire ici."))
    if (
        recipient.engagement_or_service_required
        and not invoice.engagement_number
        and not invoice.service_code
    ):
        message = _("Ce destinataire exige un code service ou un numéro d'engagement.")
        out.add("service_code", message)
        out.add("engagement_number", message)
    if invoice.engagement_number and recipient.keeps_engagement_register:
        check_engagement_open(recipient, invoice.engagement_number, out)


def check_engagement_open(recipient: Structure, number: str, out: _Collector) -> None:
    """A closed EJ of the recipient's register takes no new invoice: said at the deposit, where
    the supplier can change the number, rather than by a send-back after routing. An EJ the
    register does not know is left to routing (the register may be loaded meanwhile)."""
    closed = EngagementRecord.objects.filter(
        recipient=recipient, number=number.strip(), state=EngagementRecord.State.CLOSED
    ).exists()
    if closed:
        out.add(
            "engagement_number",
            _(
                "L’engagement juridique %(number)s est clos chez ce destinataire : il ne reçoit "
                "plus de facture. Demandez à votre client public le numéro d’un engagement ouvert."
            )
            % {"number": number.strip()},
        )


def check_lines(lines: list[InvoiceLine], out: _Collector) -> None:
    if not lines:
        out.add("lines", _("Ajoutez au moins une ligne."))
    for index, line in enumerate(lines):
        prefix = f"lines.{index}"
        if line.quantity <= 0:
            out.add(f"{prefix}.quantity", _("La quantité doit être positive."))
        if line.unit_price < 0:
            out.add(f"{prefix}.unit_price", _("Le prix unitaire ne peut pas être négatif."))
        # Against a negative line amount the bound would blame a discount that is not the
        # cause: the quantity's or the price's own message says what is wrong.
        amount = line.quantity * line.unit_price
        if line.discount < 0 or (amount >= 0 and line.discount > amount):
            out.add(
                f"{prefix}.discount",
                _("La remise doit être comprise entre zéro et le montant de la ligne."),
            )
        if not is_french_vat_rate(line.vat_rate):
            out.add(
                f"{prefix}.vat_rate",
                _("Taux de TVA non applicable en France (20, 10, 5,5, 2,1 ou 0 %)."),
            )


def check_vat_regime(invoice: Invoice, lines: list[InvoiceLine], out: _Collector) -> None:
    without_vat = invoice.vat_regime in (VatRegime.EXONERE, VatRegime.SANS_TVA)
    if invoice.vat_regime == VatRegime.EXONERE and not invoice.vat_exemption_reason.strip():
        out.add("vat_exemption_reason", _("Indiquez le motif de l'exonération de TVA."))
    if without_vat and (invoice.total_vat != 0 or any(line.vat_rate != 0 for line in lines)):
        out.add("vat_regime", _("Une facture sans TVA ou exonérée ne porte pas de TVA."))


def check_totals(invoice: Invoice, lines: list[InvoiceLine], out: _Collector) -> None:
    if invoice.is_typed:
        expected = compute_totals(
            (LineAmounts(li.quantity, li.unit_price, li.discount, li.vat_rate) for li in lines),
            prepaid=invoice.prepaid_amount,
        )
        actual = (invoice.total_excl_tax, invoice.total_vat, invoice.total_incl_tax)
        wanted = (expected.total_excl_tax, expected.total_vat, expected.total_incl_tax)
        if actual != wanted:
            out.add("total_incl_tax", _("Les totaux ne correspondent pas aux lignes."))
    elif invoice.total_excl_tax + invoice.total_vat != invoice.total_incl_tax:
        out.add("total_incl_tax", _("Le total TTC doit être égal au total HT plus la TVA."))
    if invoice.total_incl_tax == 0 and invoice.total_excl_tax == 0:
        # Every line at 0: a quantity or a price forgotten, most likely; the recipient would
        # have nothing to pay, and Chorus Pro's recipients reject such an invoice.
        out.add(
            "lines" if invoice.is_typed else "total_incl_tax",
            _(
                "Le montant de cette facture est nul (0,00 €) : une facture demande un paiement. "
                "Vérifiez les quantités et les prix unitaires ; une prestation gratuite ne se "
                "facture pas."
            ),
        )
    negative = invoice.total_excl_tax < 0 or invoice.total_vat < 0
    # A typed invoice's totals come from its lines, whose own checks name the line at fault.
    if negative and not invoice.is_typed:
        out.add("total_excl_tax", _("Les montants ne peuvent pas être négatifs."))
    if invoice.prepaid_amount < ZERO or (
        not negative and invoice.prepaid_amount > invoice.total_incl_tax
    ):
        out.add("prepaid_amount", _("Le montant déjà payé doit être compris entre 0 et le TTC."))
    if invoice.amount_due != invoice.total_incl_tax - invoice.prepaid_amount:
        out.add("amount_due", _("Le net à payer doit être égal au TTC moins le montant payé."))


@functools.lru_cache(maxsize=4096)
def iban_is_valid(value: str) -> bool:
    # stdnum reads any Unicode digit ("３" in full width) as a digit: banks read ASCII only.
    # Cached: a flux names its supplier's few IBANs hundreds of times (stdnum's registry
    # lookup costs some 20 µs a call).
    return value.isascii() and stdnum_iban.is_valid(value)


def check_payment(invoice: Invoice, out: _Collector) -> None:
    if invoice.payment_method == PaymentMethod.VIREMENT and not invoice.iban:
        out.add("iban", _("Un paiement par virement demande l'IBAN du fournisseur."))
    if invoice.iban and not iban_is_valid(invoice.iban):
        out.add("iban", _("Cet IBAN n'est pas valide."))
    if invoice.bic and not (invoice.bic.isascii() and stdnum_bic.is_valid(invoice.bic)):
        out.add("bic", _("Ce BIC n'est pas valide."))


def deposit_errors(
    invoice: Invoice,
    *,
    user,
    lines: list[InvoiceLine] | None = None,
    facts: DepositFacts | None = None,
) -> Errors:
    """Everything that stops this draft from being deposited; empty when it may go.

    ``lines``: those of an invoice not saved (``invoices.services.preview``), instead of the
    stored ones. ``facts``: the database's answers read once for a batch (see DepositFacts)."""
    today = timezone.localdate()
    if lines is None:
        lines = list(invoice.lines.order_by("position")) if invoice.is_typed else []
    out = _Collector()
    check_supplier(invoice, user, out, facts)
    check_header(invoice, out, today)
    check_duplicate(invoice, out, facts)
    check_credit_note(invoice, out)
    check_recipient(invoice, out)
    check_service_and_engagement(invoice, out, today)
    check_frame(invoice, out, facts)
    if invoice.is_typed:
        check_lines(lines, out)
    check_vat_regime(invoice, lines, out)
    check_totals(invoice, lines, out)
    check_payment(invoice, out)
    return dict(out.errors)


def recycle_errors(invoice: Invoice, *, user) -> Errors:
    """A sent-back invoice: only its recipient data changed, so only those are checked again."""
    today = timezone.localdate()
    out = _Collector()
    check_supplier(invoice, user, out)
    check_recipient(invoice, out)
    check_service_and_engagement(invoice, out, today)
    check_frame(invoice, out)
    return dict(out.errors)
