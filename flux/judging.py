"""One invoice of a flux, judged like a single deposit and deposited when it passes.

The judging is the single deposit's own: a JSON invoice goes through the API's invoice schema
then ``invoice_submit`` (every deposit check: recipient, service, EJ, amounts, DOUBLON); a file
goes through ``invoice_deposit_structured_file`` (format, XSD and schematron, then the same
checks and the seller). Each runs in a savepoint of the chunk's transaction: a refused invoice
leaves nothing, and an accepted one is visible to the next invoice's duplicate check, so that a
number used twice in one flux is rejected the second time.

Their deposit mode is the API's (typed: SAISIE_API, a file: UPLOAD_API), which tells the
invoice pages how to read them; ``FluxItem.invoice`` says that they came in a flux.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext as _
from rest_framework import serializers

from chorus.api.errors import flatten
from einvoice.errors import InvoiceFileError
from flux.container import Container, EntryRefused
from flux.models import Flux
from invoices import services
from invoices.api.serializers import HeaderInputSerializer, LineInputSerializer
from invoices.inputs import InvoiceInput, LineInput
from invoices.models import DepositMode, Invoice
from invoices.services.structured import PORTAL_RULE, is_structured_file

if TYPE_CHECKING:
    from accounts.models import User
    from structures.models import Structure

# Rule ids of what the flux itself refuses in an entry (beside CHORUS and the standards' rules).
FLUX_RULE = "FLUX"
SCHEMA_RULE = "SCHEMA"
FILE_RULE = "FICHIER"
# The API's names for the services' fields, as in the invoice API's errors.
RENAMES = {"supplier": "supplier_siret", "main_file": "file", "__all__": ""}


class FluxInvoiceSerializer(HeaderInputSerializer):
    """One invoice of a JSON flux: the API's typed invoice (POST /api/v1/invoices/), deposited."""

    lines = serializers.ListField(child=LineInputSerializer(), max_length=1000, min_length=1)

    class Meta:
        ref_name = "FluxInvoiceInput"


@dataclass
class Verdict:
    number: str = ""
    invoice: Invoice | None = None
    errors: list[dict[str, str]] = field(default_factory=list)


def error(rule: str, field_name: str, message: str) -> dict[str, str]:
    return {"rule": rule, "field": field_name, "message": str(message)}


def _service_errors(errors: dict[str, list[str]], rule: str = PORTAL_RULE) -> list[dict[str, str]]:
    return [
        error(rule, RENAMES.get(name, name), message)
        for name, messages in errors.items()
        for message in messages
    ]


def judge_json(*, user: User, flux: Flux, raw: Any) -> Verdict:
    number = str(raw.get("number", ""))[:255] if isinstance(raw, dict) else ""
    if not isinstance(raw, dict):
        return Verdict(
            errors=[error(SCHEMA_RULE, "", _("Chaque facture du flux est un objet JSON."))]
        )
    data = FluxInvoiceSerializer(data=raw)
    if not data.is_valid():
        found = flatten(data.errors)
        return Verdict(number, errors=_service_errors(found, SCHEMA_RULE))
    values = data.validated_data
    if values["supplier_siret"] != flux.supplier.identifier:
        return Verdict(number, errors=[_other_supplier(values["supplier_siret"], flux.supplier)])
    names = InvoiceInput.__dataclass_fields__.keys()
    header = InvoiceInput(**{k: v for k, v in values.items() if k in names})
    lines = [LineInput(**line) for line in values["lines"]]
    try:
        with transaction.atomic():
            invoice = services.invoice_submit(
                user=user, supplier=flux.supplier, data=header, lines=lines,
                deposit_mode=DepositMode.SAISIE_API,
            )  # fmt: skip
    except services.InvoiceError as exc:
        return Verdict(number, errors=_service_errors(exc.errors))
    return Verdict(invoice.number, invoice=invoice)


def _other_supplier(siret: str, supplier: Structure) -> dict[str, str]:
    return error(
        FLUX_RULE,
        "supplier_siret",
        _(
            "Cette facture est celle d'un autre fournisseur (SIRET %(found)s) que celui du flux "
            "(%(siret)s)."
        )
        % {"found": siret, "siret": supplier.identifier},
    )


def judge_file(*, user: User, flux: Flux, container: Container, position: int) -> Verdict:
    try:
        name, content = container.file_item(position)
        if not is_structured_file(content, name):
            return Verdict(errors=[error(FLUX_RULE, "file", _plain_pdf())])
    except EntryRefused as exc:
        return Verdict(errors=[error(FLUX_RULE, "file", exc.message)])
    except InvoiceFileError as exc:
        return Verdict(errors=[error(FILE_RULE, "file", exc.message)])
    try:
        with transaction.atomic():
            invoice = services.invoice_deposit_structured_file(
                user=user, supplier=flux.supplier, content=content, filename=name[-50:],
                deposit_mode=DepositMode.UPLOAD_API,
            )  # fmt: skip
    except InvoiceFileError as exc:
        return Verdict(errors=[error(FILE_RULE, "file", exc.message)])
    except services.StructuredFileRefused as exc:
        data = exc.preview.data
        problems = [
            error(p.rule_id, RENAMES.get(p.field, p.field), p.message_with_help)
            for p in exc.preview.problems
        ]
        return Verdict(data.number if data else "", errors=problems)
    except services.InvoiceError as exc:
        return Verdict(errors=_service_errors(exc.errors))
    return Verdict(invoice.number, invoice=invoice)


def _plain_pdf() -> str:
    return _(
        "Ce PDF ne porte pas de facture structurée (Factur-X) : un flux ne transmet que des "
        "factures structurées."
    )


def judge(*, user: User, flux: Flux, container: Container, position: int) -> Verdict:
    if flux.kind == Flux.Kind.JSON:
        return judge_json(user=user, flux=flux, raw=container.json_item(position))
    return judge_file(user=user, flux=flux, container=container, position=position)
