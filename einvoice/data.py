"""An invoice in EN 16931 business terms, independent of the Django models.

The format layer reads and writes only these frozen dataclasses: the invoice models are mapped
to an ``InvoiceData`` before generating a file, and a parsed file comes back as one. Amounts are
``Decimal``; ``computed()`` derives line nets, the VAT breakdown and the totals with the
EN 16931 rounding (2 decimals, half up), so that a generated file satisfies BR-CO-10 to BR-CO-17
by construction.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

TYPE_INVOICE = "380"
TYPE_CREDIT_NOTE = "381"

SCHEME_SIRET = "0009"
SCHEME_SIREN = "0002"

PROFILE_MINIMUM = "MINIMUM"
PROFILE_BASIC_WL = "BASIC WL"
PROFILE_BASIC = "BASIC"
PROFILE_EN16931 = "EN16931"
PROFILE_EXTENDED = "EXTENDED"
PROFILE_XRECHNUNG = "XRECHNUNG"
PROFILES_WITHOUT_LINES = frozenset({PROFILE_MINIMUM, PROFILE_BASIC_WL})

# VAT categories (UNTDID 5305 as restricted by EN 16931).
VAT_STANDARD = "S"
VAT_ZERO = "Z"
VAT_EXEMPT = "E"
VAT_REVERSE_CHARGE = "AE"
VAT_INTRA_EU = "K"
VAT_EXPORT = "G"
VAT_NOT_SUBJECT = "O"
# The categories the portal generates (L and M, Canary Islands and Ceuta, are left out).
VAT_CATEGORIES = frozenset({"S", "Z", "E", "AE", "K", "G", "O"})
# Categories whose breakdown must say why no VAT is charged (BR-E-10, BR-AE-10, BR-IC-10,
# BR-G-10, BR-O-10); all but E get a standard French wording when the lines give none.
_DEFAULT_EXEMPTION_REASONS = {
    VAT_REVERSE_CHARGE: "Autoliquidation",
    VAT_INTRA_EU: "Livraison intracommunautaire exonérée (article 262 ter I du CGI)",
    VAT_EXPORT: "Exportation hors de l'Union européenne exonérée (article 262 I du CGI)",
    VAT_NOT_SUBJECT: "Non soumis à la TVA",
}
# A VAT category without a rate: BR-O-05 forbids one on "not subject to VAT" lines.
_CATEGORIES_WITHOUT_RATE = frozenset({VAT_NOT_SUBJECT})

# Payment means (UNTDID 4461) for the Chorus Pro payment methods.
PAYMENT_MEANS_BY_CHORUS_MODE = {
    "VIREMENT": "30",
    "PRELEVEMENT": "49",
    "CHEQUE": "20",
    "ESPECE": "10",
    "REPORT": "97",
    "AUTRE": "1",
}
CREDIT_TRANSFER_CODES = frozenset({"30", "58"})

# Where each business term lives in an InvoiceData ("lines." and "vat_breakdown." for each
# item): lets a page put a finding next to the field it concerns.
FIELD_BY_BUSINESS_TERM = {
    "BT-1": "number",
    "BT-2": "issue_date",
    "BT-3": "type_code",
    "BT-5": "currency",
    "BT-9": "due_date",
    "BT-10": "buyer_reference",
    "BT-12": "contract_reference",
    "BT-13": "purchase_order_reference",
    "BT-20": "payment_terms",
    "BT-22": "notes",
    "BT-23": "business_process",
    "BT-25": "preceding_invoice",
    "BT-26": "preceding_invoice_date",
    "BT-27": "seller.name",
    "BT-30": "seller.siret",
    "BT-31": "seller.vat_id",
    "BT-34": "seller.electronic_address",
    "BT-44": "buyer.name",
    "BT-47": "buyer.siret",
    "BT-48": "buyer.vat_id",
    "BT-49": "buyer.electronic_address",
    "BT-72": "delivery_date",
    "BT-81": "payment_means.code",
    "BT-84": "payment_means.iban",
    "BT-86": "payment_means.bic",
    "BT-106": "totals.line_total",
    "BT-109": "totals.tax_basis_total",
    "BT-110": "totals.tax_total",
    "BT-112": "totals.grand_total",
    "BT-113": "totals.prepaid_amount",
    "BT-115": "totals.amount_due",
    "BT-116": "vat_breakdown.taxable_amount",
    "BT-117": "vat_breakdown.tax_amount",
    "BT-118": "vat_breakdown.category",
    "BT-119": "vat_breakdown.rate",
    "BT-120": "vat_breakdown.exemption_reason",
    "BT-126": "lines.id",
    "BT-129": "lines.quantity",
    "BT-130": "lines.unit_code",
    "BT-131": "lines.net_amount",
    "BT-146": "lines.net_unit_price",
    "BT-151": "lines.vat_category",
    "BT-152": "lines.vat_rate",
    "BT-153": "lines.name",
    "BT-155": "lines.seller_item_id",
}

CENT = Decimal("0.01")
ZERO = Decimal("0")


class InvoiceDataError(ValueError):
    """The data cannot make a conforming invoice; the message says what is missing, in French."""


def round_amount(value: Decimal) -> Decimal:
    """EN 16931 rounding of an amount: 2 decimals, half up."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Party:
    """Seller (BG-4) or buyer (BG-7)."""

    name: str
    siret: str = ""  # legal registration BT-30 / BT-47, scheme 0009
    siren: str = ""  # used for BT-30 / BT-47 (scheme 0002) only when there is no SIRET
    vat_id: str = ""  # BT-31 / BT-48
    address_lines: tuple[str, ...] = ()  # BT-35..BT-162 / BT-50..BT-163, at most 3
    postal_code: str = ""
    city: str = ""
    country_code: str = "FR"
    electronic_address: str = ""  # BT-34 / BT-49
    electronic_address_scheme: str = ""  # EAS code, e.g. 0009 (SIRET) or EM (e-mail)

    @property
    def legal_id(self) -> tuple[str, str]:
        """The legal registration identifier and its ISO 6523 scheme, or empty strings."""
        if self.siret:
            return self.siret, SCHEME_SIRET
        if self.siren:
            return self.siren, SCHEME_SIREN
        return "", ""


@dataclass(frozen=True)
class PaymentMeans:
    """BG-16: how the buyer pays, with the IBAN for a credit transfer."""

    code: str = "30"  # BT-81, UNTDID 4461
    iban: str = ""  # BT-84
    bic: str = ""  # BT-86
    account_name: str = ""  # BT-85


@dataclass(frozen=True)
class InvoiceLine:
    """BG-25. ``net_amount`` (BT-131) is derived by ``computed()`` when left to None."""

    id: str  # BT-126
    name: str  # BT-153
    quantity: Decimal  # BT-129
    net_unit_price: Decimal  # BT-146
    vat_category: str = VAT_STANDARD  # BT-151
    vat_rate: Decimal | None = Decimal("20")  # BT-152, None for category O
    unit_code: str = "C62"  # BT-130, UN/ECE recommendation 20 ("one")
    allowance_amount: Decimal = ZERO  # BG-27 line allowance (discount), excl. VAT
    allowance_reason: str = ""
    exemption_reason: str = ""  # goes to BT-120 of this line's VAT breakdown
    description: str = ""  # BT-154
    seller_item_id: str = ""  # BT-155, the supplier's reference of the item
    net_amount: Decimal | None = None  # BT-131


@dataclass(frozen=True)
class VatBreakdown:
    """BG-23: one VAT category and rate."""

    category: str  # BT-118
    rate: Decimal | None  # BT-119
    taxable_amount: Decimal  # BT-116
    tax_amount: Decimal  # BT-117
    exemption_reason: str = ""  # BT-120
    exemption_reason_code: str = ""  # BT-121


@dataclass(frozen=True)
class Totals:
    """BG-22: the document totals."""

    line_total: Decimal  # BT-106
    tax_basis_total: Decimal  # BT-109
    tax_total: Decimal  # BT-110
    grand_total: Decimal  # BT-112
    amount_due: Decimal  # BT-115
    allowance_total: Decimal = ZERO  # BT-107
    charge_total: Decimal = ZERO  # BT-108
    prepaid_amount: Decimal = ZERO  # BT-113
    rounding_amount: Decimal = ZERO  # BT-114


@dataclass(frozen=True)
class Note:
    """BG-1: a free-text note (BT-22) with its optional UNTDID 4451 subject code (BT-21)."""

    text: str
    subject_code: str = ""


def french_legal_notes() -> tuple[Note, ...]:
    """The payment mentions a French invoice must carry, worded for a public buyer.

    PMT recovery fee, PMD late-payment interest (public procurement rate), AAB discount; the
    French reform rules (BR-FR-05) look for these three subject codes.
    """
    return (
        Note(
            "Indemnité forfaitaire pour frais de recouvrement en cas de retard de paiement : 40 €.",
            "PMT",
        ),
        Note(
            "En cas de retard de paiement, intérêts moratoires au taux de la Banque centrale "
            "européenne majoré de huit points (article R. 2192-31 du code de la commande "
            "publique).",
            "PMD",
        ),
        Note("Pas d'escompte pour paiement anticipé.", "AAB"),
    )


@dataclass(frozen=True)
class InvoiceData:
    """An invoice or credit note in EN 16931 business terms."""

    number: str  # BT-1
    issue_date: datetime.date  # BT-2
    seller: Party
    buyer: Party
    type_code: str = TYPE_INVOICE  # BT-3: 380 invoice, 381 credit note
    currency: str = "EUR"  # BT-5
    buyer_reference: str = ""  # BT-10: the code service (SE)
    contract_reference: str = ""  # BT-12: the market number
    purchase_order_reference: str = ""  # BT-13: the engagement number (EJ)
    business_process: str = ""  # BT-23: the billing frame (A1, A2, A9, A12…)
    preceding_invoice: str = ""  # BT-25, for a credit note
    preceding_invoice_date: datetime.date | None = None  # BT-26
    payment_means: PaymentMeans | None = None  # BG-16
    payment_terms: str = ""  # BT-20
    due_date: datetime.date | None = None  # BT-9
    delivery_date: datetime.date | None = None  # BT-72, date of delivery or service
    lines: tuple[InvoiceLine, ...] = ()
    vat_breakdown: tuple[VatBreakdown, ...] = ()
    totals: Totals | None = None
    notes: tuple[Note, ...] = ()  # BG-1
    profile: str = PROFILE_EN16931

    @property
    def is_credit_note(self) -> bool:
        return self.type_code == TYPE_CREDIT_NOTE


def line_net_amount(line: InvoiceLine) -> Decimal:
    """BT-131 = quantity × net price − line allowance, rounded to the cent."""
    return round_amount(line.quantity * line.net_unit_price - line.allowance_amount)


def _rate_key(line: InvoiceLine) -> Decimal | None:
    if line.vat_category in _CATEGORIES_WITHOUT_RATE:
        return None
    return line.vat_rate if line.vat_rate is not None else ZERO


def _exemption_reason(category: str, lines: list[InvoiceLine]) -> str:
    if category in (VAT_STANDARD, VAT_ZERO):
        return ""
    given = next((line.exemption_reason for line in lines if line.exemption_reason), "")
    reason = given or _DEFAULT_EXEMPTION_REASONS.get(category, "")
    if not reason:
        raise InvoiceDataError(
            f"La catégorie de TVA {category} exige un motif d'exonération (mention légale)."
        )
    return reason


def compute_vat_breakdown(lines: Iterable[InvoiceLine]) -> tuple[VatBreakdown, ...]:
    """BG-23 from lines whose net amount is known: one entry per (category, rate)."""
    groups: dict[tuple[str, Decimal | None], list[InvoiceLine]] = {}
    for line in lines:
        groups.setdefault((line.vat_category, _rate_key(line)), []).append(line)
    breakdown = []
    for (category, rate), group in groups.items():
        taxable = sum((line.net_amount or ZERO for line in group), ZERO)
        # BR-CO-17: the VAT of a category is its base times its rate, rounded once.
        tax = round_amount(taxable * rate / 100) if category == VAT_STANDARD and rate else ZERO
        breakdown.append(
            VatBreakdown(
                category=category,
                rate=rate,
                taxable_amount=taxable,
                tax_amount=tax,
                exemption_reason=_exemption_reason(category, group),
            )
        )
    return tuple(breakdown)


def compute_totals(
    lines: Iterable[InvoiceLine],
    breakdown: Iterable[VatBreakdown],
    *,
    prepaid_amount: Decimal = ZERO,
) -> Totals:
    """BG-22 from the lines and the VAT breakdown (BR-CO-10, 13, 14, 15, 16)."""
    line_total = sum((line.net_amount or ZERO for line in lines), ZERO)
    tax_total = sum((entry.tax_amount for entry in breakdown), ZERO)
    grand_total = line_total + tax_total
    return Totals(
        line_total=line_total,
        tax_basis_total=line_total,
        tax_total=tax_total,
        grand_total=grand_total,
        prepaid_amount=round_amount(prepaid_amount),
        amount_due=grand_total - round_amount(prepaid_amount),
    )


def _check_lines(lines: tuple[InvoiceLine, ...]) -> None:
    if not lines:
        raise InvoiceDataError("Une facture doit comporter au moins une ligne.")
    for line in lines:
        if line.vat_category not in VAT_CATEGORIES:
            raise InvoiceDataError(f"Catégorie de TVA inconnue : {line.vat_category}.")
        if line.vat_category == VAT_STANDARD and not (line.vat_rate and line.vat_rate > 0):
            raise InvoiceDataError(f"Ligne {line.id} : le taux normal de TVA doit être positif.")
        if line.vat_category != VAT_STANDARD and line.vat_rate not in (None, ZERO):
            raise InvoiceDataError(
                f"Ligne {line.id} : la catégorie {line.vat_category} impose un taux de 0 %."
            )


def computed(data: InvoiceData) -> InvoiceData:
    """The invoice with its line nets, VAT breakdown and totals derived from its lines.

    Whatever ``vat_breakdown`` and ``totals`` held is replaced (only the prepaid amount BT-113
    is kept): derived values are the only way to guarantee that the EN 16931 arithmetic rules
    hold in the generated file.
    """
    prepaid_amount = data.totals.prepaid_amount if data.totals else ZERO
    _check_lines(data.lines)
    lines = tuple(
        dataclasses.replace(
            line,
            net_amount=line_net_amount(line),
            vat_rate=_rate_key(line),
        )
        for line in data.lines
    )
    breakdown = compute_vat_breakdown(lines)
    totals = compute_totals(lines, breakdown, prepaid_amount=prepaid_amount)
    return dataclasses.replace(data, lines=lines, vat_breakdown=breakdown, totals=totals)
