"""Forms of the invoice pages. They shape the input; the services decide (and their errors are
put back next to the fields by ``show_errors``)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django import forms
from django.conf import settings
from django.db.models import QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from invoices import credit_notes
from invoices.checks import accepted_frames
from invoices.models import (
    NUMBER_MAX_LENGTH,
    BillingFrame,
    Currency,
    InvoiceType,
    PaymentMethod,
    RejectionReason,
    Unit,
    VatRegime,
)
from invoices.services import InvoiceError, InvoiceInput, LineInput
from invoices.totals import MONEY, VAT_RATES
from invoices.workflow import BULK_ONLY_REASONS, BULK_TARGETS, Status
from structures.models import BankAccount, Structure
from structures.selectors import active_bank_accounts_in, typed_iban_refusal

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class AmountField(forms.DecimalField):
    """A number typed the French way ("1 234,56") or not ("1234.56")."""

    widget = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})

    # The stubs give DecimalField the to_python of IntegerField, its parent class in Django.
    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]
        if isinstance(value, str):
            value = value.replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
            value = value.replace(",", ".")
        return super().to_python(value)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; each one is checked by the service, not here."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list:
        if not data:
            return []
        items = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(item, initial) for item in items]


class CreditedInvoiceSelect(forms.Select):
    """A select whose options say their invoice's supplier and recipient, so that the entry
    page's script offers only the invoices of the supplier and recipient typed."""

    option_data: dict[str, dict[str, str]] = {}

    def create_option(
        self,
        name: str,
        value: Any,
        label: int | str,
        selected: bool,
        index: int,
        subindex: int | None = None,
        attrs: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        option["attrs"].update(self.option_data.get(str(value), {}))
        return option


class CreditedInvoiceField(forms.TypedChoiceField):
    """The id of the invoice a credit note refers to. Any id passes here: the service looks it
    up among the structure's deposited invoices (a draft may keep one no longer listed)."""

    widget = CreditedInvoiceSelect

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(required=False, coerce=int, empty_value=None, **kwargs)

    def valid_value(self, value: Any) -> bool:
        return str(value).isdigit()


def _siret(value: str) -> str:
    return value.replace(" ", "").strip()


class AccountSelect(forms.Select):
    """Each account's option names its structure (``data-structure``) and marks the default
    (``data-default``): the page's script picks the default of the supplier chosen."""

    accounts: dict[str, BankAccount] = {}

    def create_option(
        self,
        name: str,
        value: Any,
        label: int | str,
        selected: bool,
        index: int,
        subindex: int | None = None,
        attrs: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        account = self.accounts.get(str(value))
        if account is not None:
            option["attrs"]["data-structure"] = str(account.structure_id)
            if account.is_default:
                option["attrs"]["data-default"] = ""
        return option


class RecipientFields(forms.Form):
    recipient_siret = forms.CharField(
        label=_("SIRET du destinataire"),
        max_length=20,
        help_text=_("L'État : 110 002 011 00044."),
    )
    service_code = forms.CharField(label=_("Code service"), max_length=100, required=False)
    engagement_number = forms.CharField(
        label=_("Numéro d'engagement (bon de commande)"),
        max_length=50,
        required=False,
        help_text=_("50 caractères au plus."),
    )

    def clean_recipient_siret(self) -> str:
        return _siret(self.cleaned_data["recipient_siret"])


class HeaderForm(RecipientFields):
    """The header of an invoice: what the supplier types, for an entry or a PDF deposit."""

    supplier = forms.ModelChoiceField(
        label=_("Structure fournisseur"), queryset=Structure.objects.none(), empty_label=None
    )
    number = forms.CharField(
        label=_("Numéro de facture"),
        max_length=NUMBER_MAX_LENGTH,
        required=False,
        help_text=_("20 caractères au plus, unique dans l'année."),
    )
    issue_date = forms.DateField(
        label=_("Date de facture"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    billing_frame = forms.ChoiceField(label=_("Cadre de facturation"), choices=BillingFrame)
    validator_siret = forms.CharField(
        label=_("SIRET du titulaire ou du mandataire"),
        max_length=20,
        required=False,
        help_text=_(
            "Cadres A9 (sous-traitant) et A12 (cotraitant) seulement : l'entreprise qui valide "
            "la facture avant sa transmission au destinataire."
        ),
    )
    invoice_type = forms.ChoiceField(label=_("Type"), choices=InvoiceType)
    # A credit note's invoice, chosen in the list of the structures' deposited invoices (its
    # id); the name is the reference's everywhere (API, files), so its errors land here.
    original_invoice_number = CreditedInvoiceField(
        label=_("Facture d'origine (avoir)"),
        help_text=_("Pour un avoir : la facture déposée qu'il annule ou réduit."),
    )
    market_number = forms.CharField(label=_("Numéro de marché"), max_length=50, required=False)
    currency = forms.ChoiceField(label=_("Devise"), choices=Currency)
    vat_regime = forms.ChoiceField(label=_("Régime de TVA"), choices=VatRegime)
    vat_exemption_reason = forms.CharField(
        label=_("Motif d'exonération"), max_length=255, required=False
    )
    payment_method = forms.ChoiceField(label=_("Mode de paiement"), choices=PaymentMethod)
    # Offered only when the user's structures have active accounts (``_offer_bank_accounts``).
    bank_account = forms.ChoiceField(
        label=_("Compte bancaire à créditer"),
        required=False,
        widget=AccountSelect,
        error_messages={
            "invalid_choice": _("Ce compte n'est plus proposé : choisissez-en un autre.")
        },
    )
    iban = forms.CharField(label=_("IBAN"), max_length=40, required=False)
    bic = forms.CharField(label=_("BIC"), max_length=15, required=False)
    prepaid_amount = AmountField(label=_("Montant déjà payé"), required=False, min_value=0, **MONEY)
    comment = forms.CharField(
        label=_("Commentaire"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    # Fields that a draft may lack but the deposit needs: starred all the same (_field.html).
    REQUIRED_TO_SEND: tuple[str, ...] = ()

    def __init__(self, *args: Any, suppliers: QuerySet[Structure], **kwargs: Any) -> None:
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("recipient_siret", settings.CHORUS["STATE_SIRET"])
        super().__init__(*args, **kwargs)
        # Form.fields is typed Field: this one is a ModelChoiceField.
        self.fields["supplier"].queryset = suppliers  # type: ignore[attr-defined]
        self._offer_credited_invoices(suppliers)
        self._offer_bank_accounts(suppliers)
        for name in self.REQUIRED_TO_SEND:
            # A mark the templates read (a star: needed to send), not a Django attribute.
            self.fields[name].required_to_send = True  # type: ignore[attr-defined]

    def clean_validator_siret(self) -> str:
        value = self.cleaned_data["validator_siret"]
        return _siret(value) if value.strip() else ""

    def _offer_credited_invoices(self, suppliers: QuerySet[Structure]) -> None:
        """The list a credit note's invoice is chosen in: the structures' deposited invoices
        (the service checks the choice: same structure and recipient, amount left). Read only
        when the list is shown: a form that is posted does not need it."""
        field = self.fields["original_invoice_number"]
        widget = field.widget
        kept = self.initial.get("original_invoice_number")

        def choices() -> list[tuple[Any, str | Promise]]:
            candidates = credit_notes.creditable_invoices(suppliers.values("pk"))
            shown = list(candidates[: credit_notes.CHOICES_SHOWN])
            if kept and all(invoice.pk != kept for invoice in shown):
                # A draft's choice older than the list: still offered, so that it stays chosen.
                shown += list(candidates.filter(pk=kept))
            widget.option_data = {
                str(invoice.pk): {
                    "data-supplier": str(invoice.supplier_id),
                    "data-recipient": invoice.recipient_siret,
                }
                for invoice in shown
            }
            return [("", _("— Choisir la facture d’origine —"))] + [
                (invoice.pk, credit_notes.choice_label(invoice)) for invoice in shown
            ]

        # Form.fields is typed Field: this one is a ChoiceField (a callable: read when shown).
        field.choices = choices  # type: ignore[attr-defined]

    def _offer_bank_accounts(self, suppliers: QuerySet[Structure]) -> None:
        """The supplier structures' active accounts in a select, grouped by structure, the
        default one preselected: the IBAN is chosen, not typed again. Typing one stays possible
        for a structure that has no account (the choice "none")."""
        accounts = list(active_bank_accounts_in(suppliers))
        self.bank_accounts: dict[str, BankAccount] = {str(a.pk): a for a in accounts}
        if not accounts:
            del self.fields["bank_account"]
            return
        groups: dict[int, tuple[str, list[tuple[str, str]]]] = {}
        for account in accounts:
            label = f"{account.label} — {account.iban_display}"
            if account.is_default:
                label += " " + str(_("(par défaut)"))
            groups.setdefault(account.structure_id, (account.structure.name, []))[1].append(
                (str(account.pk), label)
            )
        field = self.fields["bank_account"]
        field.widget.accounts = self.bank_accounts
        # Form.fields is typed Field: this one is a ChoiceField.
        field.choices = [  # type: ignore[attr-defined]
            ("", _("Aucun : IBAN saisi ci-dessous, ou paiement sans virement")),
            *groups.values(),
        ]
        field.help_text = _(
            "Les comptes enregistrés par les gestionnaires de la structure ; l'IBAN ne se saisit "
            "que pour une structure qui n'en a aucun."
        )
        self.fields["iban"].help_text = _("Seulement si la structure n'a aucun compte enregistré.")
        if not self.is_bound:
            self.initial.setdefault("bank_account", self._initial_account(suppliers, accounts))

    def _initial_account(self, suppliers: QuerySet[Structure], accounts: list[BankAccount]) -> str:
        """A draft's own IBAN if it is an account, else the supplier's default account."""
        supplier_id = self.initial.get("supplier")
        if supplier_id is None:
            first = suppliers.first()
            supplier_id = first.pk if first else None
        typed = str(self.initial.get("iban") or "")
        if typed:
            same = [a for a in accounts if a.structure_id == supplier_id and a.iban == typed]
            return str(same[0].pk) if same else ""
        default = [a for a in accounts if a.structure_id == supplier_id and a.is_default]
        return str(default[0].pk) if default else ""

    def apply_bank_account(self) -> None:
        """The chosen account's IBAN and BIC become the invoice's; a typed IBAN is refused for a
        structure that has accounts (choose one). Errors go next to the fields."""
        if "bank_account" not in self.fields:
            return
        chosen = self.cleaned_data.get("bank_account")
        supplier = self.cleaned_data.get("supplier")
        if chosen:
            account = self.bank_accounts[chosen]
            if supplier is not None and account.structure_id != supplier.pk:
                self.add_error(
                    "bank_account",
                    _("Ce compte est celui de « %(name)s », pas de la structure fournisseur.")
                    % {"name": account.structure.name},
                )
                return
            self.cleaned_data["iban"], self.cleaned_data["bic"] = account.iban, account.bic
        elif supplier is not None:
            refusal = typed_iban_refusal(
                self.cleaned_data.get("iban") or "",
                active_accounts=[
                    a for a in self.bank_accounts.values() if a.structure_id == supplier.pk
                ],
            )
            if refusal:
                self.add_error("bank_account", refusal)

    def star_recipient_rules(self, recipient: Structure | None) -> None:
        """Star the recipient fields that this recipient requires, and offer only the billing
        frames it accepts (the page's script does both again when the SIRET changes)."""
        if recipient is None:
            return
        accepted = accepted_frames(recipient)
        # Form.fields is typed Field: this one is a ChoiceField.
        self.fields["billing_frame"].choices = [  # type: ignore[attr-defined]
            (value, label) for value, label in BillingFrame.choices if value in accepted
        ]
        # Same mark as above, set from the recipient's rules.
        self.fields["service_code"].required_to_send = recipient.service_code_required  # type: ignore[attr-defined]
        self.fields["engagement_number"].required_to_send = recipient.engagement_required  # type: ignore[attr-defined]

    def to_input(self) -> InvoiceInput:
        """The header for the services (totals only when the form has them: a PDF deposit)."""
        names = InvoiceInput.__dataclass_fields__
        data = {k: v for k, v in self.cleaned_data.items() if k in names}
        data["prepaid_amount"] = data.get("prepaid_amount") or Decimal("0")
        return InvoiceInput(**_credited_choice(data))

    def well_typed_input(self) -> InvoiceInput:
        """The header made of the fields that passed their own checks (the others keep their
        default), for the deposit's checks on a form that cannot be saved
        (``invoices.services.invoice_deposit_errors``)."""
        names = InvoiceInput.__dataclass_fields__
        data = {k: v for k, v in self.cleaned_data.items() if k in names and v is not None}
        return InvoiceInput(**_credited_choice(data))


def _credited_choice(data: dict[str, Any]) -> dict[str, Any]:
    """The list's choice (an invoice's id) as the services take it."""
    data["credited_invoice_id"] = data.pop("original_invoice_number", None)
    data["original_invoice_number"] = ""
    return data


VAT_CHOICES = [(str(rate), f"{rate} %".replace(".", ",")) for rate in VAT_RATES]


class LineForm(forms.Form):
    reference = forms.CharField(label=_("Référence"), max_length=50, required=False)
    description = forms.CharField(label=_("Désignation"), max_length=255)
    quantity = AmountField(label=_("Quantité"), max_digits=14, decimal_places=4)
    unit = forms.ChoiceField(label=_("Unité"), choices=Unit, initial=Unit.C62)
    unit_price = AmountField(label=_("Prix unitaire HT"), max_digits=16, decimal_places=4)
    discount = AmountField(label=_("Remise HT"), required=False, **MONEY)
    vat_rate = forms.TypedChoiceField(
        label=_("TVA"), choices=VAT_CHOICES, coerce=Decimal, initial="20"
    )

    def to_input(self) -> LineInput:
        data = self.cleaned_data
        return LineInput(
            reference=data["reference"],
            description=data["description"],
            quantity=data["quantity"],
            unit=data["unit"],
            unit_price=data["unit_price"],
            discount=data.get("discount") or Decimal("0"),
            vat_rate=data["vat_rate"],
        )


LineFormSet = forms.formset_factory(LineForm, extra=1, can_delete=True, max_num=200)


def _deleted(formset: forms.BaseFormSet[LineForm], form: LineForm) -> bool:
    # Django's own test of the DELETE box: a private helper of BaseFormSet, not in the stubs.
    return bool(formset.can_delete and formset._should_delete_form(form))  # type: ignore[attr-defined]


def kept_line_forms(formset: forms.BaseFormSet[LineForm]) -> list[LineForm]:
    """The line forms that make the invoice, in order: filled and not deleted."""
    return [form for form in formset.forms if form.has_changed() and not _deleted(formset, form)]


class InvoiceEntryForm(HeaderForm):
    REQUIRED_TO_SEND = ("number", "issue_date")

    attachments = MultipleFileField(
        label=_("Pièces jointes complémentaires"),
        help_text=_("Moins de 10 Mo chacune, 50 caractères au plus pour le nom."),
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        self.apply_bank_account()
        return self.cleaned_data


class UploadForm(HeaderForm):
    """The deposit of a file. A structured file (Factur-X, CII, UBL) carries the invoice's
    data, so the header fields are asked for a plain PDF only (``require_pdf_header``)."""

    main_file = forms.FileField(
        label=_("Facture"),
        help_text=_(
            "PDF (signé ou non), PDF Factur-X, ou XML CII ou UBL ; moins de 10 Mo, nom de 50 "
            "caractères au plus."
        ),
    )
    attachments = MultipleFileField(label=_("Pièces jointes complémentaires"))
    total_excl_tax = AmountField(label=_("Total HT"), required=False, **MONEY)
    total_vat = AmountField(label=_("Total TVA"), required=False, **MONEY)
    total_incl_tax = AmountField(label=_("Total TTC"), required=False, **MONEY)

    field_order = ["supplier", "main_file", "number", "issue_date"]
    TOTALS = ("total_excl_tax", "total_vat", "total_incl_tax")
    PDF_HEADER_REQUIRED = ("recipient_siret", *TOTALS)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["recipient_siret"].required = False

    def require_pdf_header(self) -> bool:
        """For a plain PDF: the fields a PDF alone does not carry; whether they are all given."""
        for name in self.PDF_HEADER_REQUIRED:
            if name not in self.errors and self.cleaned_data.get(name) in (None, ""):
                self.add_error(name, _("Ce champ est obligatoire pour une facture PDF simple."))
        self.apply_bank_account()  # a structured file carries its own IBAN
        return not self.errors

    def totals_well_typed(self) -> bool:
        """Whether every amount was typed and read: else what the totals' checks say (the TTC
        is not the HT plus the VAT…) would not be the cause."""
        return "prepaid_amount" not in self.errors and all(
            name not in self.errors and self.cleaned_data.get(name) is not None
            for name in self.TOTALS
        )


class ValidateForm(forms.Form):
    file = forms.FileField(
        label=_("Fichier de facture"),
        help_text=_("PDF Factur-X, ou XML CII ou UBL 2.1 ; 10 Mo au plus. Rien n'est conservé."),
    )


class RecycleForm(RecipientFields):
    pass


class ValidatorForm(forms.Form):
    """The supplier names another titular company (mandatary) while its invoice waits."""

    validator_siret = forms.CharField(
        label=_("SIRET du nouveau titulaire ou mandataire"), max_length=20
    )

    def clean_validator_siret(self) -> str:
        return _siret(self.cleaned_data["validator_siret"])


class RefusalForm(forms.Form):
    """The validator refuses an A9 / A12 invoice: the reason the supplier reads."""

    expected_status = forms.CharField(widget=forms.HiddenInput, required=False)
    # Not required here: the service says what is missing, in its words.
    comment = forms.CharField(
        label=_("Motif du refus"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Le fournisseur le lit dans son courriel et dans l'historique de la facture."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A mark the templates read (a star: needed to send), not a Django attribute.
        self.fields["comment"].required_to_send = True  # type: ignore[attr-defined]


class CompleteForm(forms.Form):
    comment = forms.CharField(
        label=_("Commentaire"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    attachments = MultipleFileField(label=_("Documents"))


class ProcessForm(forms.Form):
    """An agent's decision: the targets the current status allows, nothing else."""

    target = forms.ChoiceField(label=_("Décision"))
    reason = forms.ModelChoiceField(
        label=_("Motif"),
        queryset=RejectionReason.objects.filter(is_active=True).exclude(code__in=BULK_ONLY_REASONS),
        required=False,
        help_text=_("Obligatoire pour un rejet, une suspension ou un renvoi à recycler."),
    )
    comment = forms.CharField(
        label=_("Commentaire"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Obligatoire pour un rejet ou une suspension."),
    )
    mandate_number = forms.CharField(label=_("Numéro de mandat"), max_length=30, required=False)
    expected_status = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, targets: Sequence[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Form.fields is typed Field: these are a ChoiceField and a ModelChoiceField.
        self.fields["target"].choices = [(t, Status(t).label) for t in targets]  # type: ignore[attr-defined]
        self.fields["reason"].label_from_instance = lambda r: r.label  # type: ignore[attr-defined]


class IdListField(forms.TypedMultipleChoiceField):
    """Ids ticked in a list: any number is taken here (the service keeps only the invoices the
    user may act on, and names the others); anything else is the field's error."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("coerce", int)
        super().__init__(*args, **kwargs)

    def valid_value(self, value: Any) -> bool:
        return str(value).isdigit() and len(str(value)) < 19


class InvoiceSelectionForm(forms.Form):
    """Several received invoices: the ticked ones (``invoices``), or every one that matches the
    list's filters (``selection`` = "all", the filters in the query string)."""

    SELECTED, ALL = "selected", "all"

    selection = forms.ChoiceField(
        label=_("Factures concernées"),
        choices=[(SELECTED, _("Les factures cochées")), (ALL, _("Toutes celles des filtres"))],
        initial=SELECTED,
        required=False,  # the ticked ones
        widget=forms.RadioSelect,
    )
    invoices = IdListField(required=False)


class BulkDecisionForm(InvoiceSelectionForm):
    """One decision for several received invoices (``InvoiceSelectionForm``)."""

    target = forms.ChoiceField(
        label=_("Décision"), choices=[("", "—")] + [(t, Status(t).label) for t in BULK_TARGETS]
    )
    reason = forms.ModelChoiceField(
        label=_("Motif"),
        queryset=RejectionReason.objects.filter(is_active=True),
        required=False,
        help_text=_("Obligatoire pour un rejet, une suspension ou un renvoi à recycler."),
    )
    comment = forms.CharField(
        label=_("Commentaire"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Obligatoire pour un rejet ou une suspension ; le même pour chaque facture."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Form.fields is typed Field: this one is a ModelChoiceField.
        self.fields["reason"].label_from_instance = lambda r: r.label  # type: ignore[attr-defined]


SENT_SORTS = {
    "-deposited_at": _("Dépôt le plus récent"),
    "deposited_at": _("Dépôt le plus ancien"),
    "-total_incl_tax": _("Montant décroissant"),
    "total_incl_tax": _("Montant croissant"),
    "number": _("Numéro"),
    "status": _("Statut"),
}


class InvoiceFilterForm(forms.Form):
    """Filters of the lists; every field optional. Dates are those of the deposit."""

    status = forms.ChoiceField(label=_("Statut"), required=False)
    number = forms.CharField(label=_("Numéro de facture"), required=False, max_length=20)
    date_from = forms.DateField(
        label=_("Déposée depuis le"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    date_to = forms.DateField(
        label=_("Déposée jusqu'au"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    party = forms.CharField(label=_("Destinataire (nom ou SIRET)"), required=False, max_length=100)
    service_code = forms.CharField(label=_("Code service"), required=False, max_length=100)
    engagement_number = forms.CharField(
        label=_("Numéro d'engagement"), required=False, max_length=50
    )
    amount_min = AmountField(label=_("Montant TTC minimum"), required=False, **MONEY)
    amount_max = AmountField(label=_("Montant TTC maximum"), required=False, **MONEY)
    sort = forms.ChoiceField(label=_("Trier par"), required=False, choices=list(SENT_SORTS.items()))

    def __init__(
        self, *args: Any, statuses: Sequence[str], party_label: StrOrPromise = "", **kwargs: Any
    ):
        super().__init__(*args, **kwargs)
        # Form.fields is typed Field: this one is a ChoiceField.
        self.fields["status"].choices = [("", _("Tous"))] + [  # type: ignore[attr-defined]
            (s, Status(s).label) for s in statuses
        ]
        if party_label:
            self.fields["party"].label = party_label


def show_errors(
    error: InvoiceError, form: forms.Form, line_forms: Sequence[forms.Form] = ()
) -> list[str]:
    """Put a service's errors next to their fields; return those that belong to no field.

    A field that already shows an error (its format) keeps that one alone: the service saw
    no value there, and what it says of the missing value is not the cause."""
    leftover: list[str] = []
    wrong = {(id(target), name) for target in (form, *line_forms) for name in target.errors}
    for name, messages in error.errors.items():
        parts = name.split(".")
        if len(parts) == 3 and parts[0] == "lines" and int(parts[1]) < len(line_forms):
            target, field = line_forms[int(parts[1])], parts[2]
        else:
            target, field = form, name
        if (id(target), field) in wrong:
            continue
        for message in messages:
            if field in target.fields:
                target.add_error(field, message)
            else:
                leftover.append(message)
    return leftover


class DuplicateForm(forms.Form):
    """The new invoice a copy becomes: its own number (dated today, the rest copied)."""

    number = forms.CharField(
        label=_("Numéro de la nouvelle facture"),
        max_length=NUMBER_MAX_LENGTH,
        help_text=_("20 caractères au plus, unique dans l'année."),
    )
