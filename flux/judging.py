"""The invoices of a flux, judged like single deposits and deposited, a chunk at a time.

Each entry is first read and judged on its own (``judge``): a JSON invoice through the API's
invoice schema, a file recognised then validated by the standards (XSD and schematron) once.
The chunk's entries that pass are then deposited in one batch (``invoices.services.batch``):
the single deposit's own checks (recipient, service, EJ, amounts, DOUBLON; the seller and the
portal's rules for a file) on facts read once for the chunk, then one INSERT per table. The
batch judges them in order, so that a number used twice in one flux is rejected the second
time; a refused invoice leaves nothing.

Their deposit mode is the API's (typed: SAISIE_API, a file: UPLOAD_API), which tells the
invoice pages how to read them; ``FluxItem.invoice`` says that they came in a flux.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

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
from invoices.services.batch import Deposited, FileDeposit, TypedDeposit
from invoices.services.structured import PORTAL_RULE, is_structured_file, validate_invoice_file

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


@functools.cache
def _serializer() -> FluxInvoiceSerializer:
    return FluxInvoiceSerializer()


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


@dataclass
class Prepared:
    """An entry read and judged on its own (its shape, its file's validation), before the
    deposit checks: a verdict already (refused), or the deposit to make in the chunk's batch."""

    number: str = ""
    verdict: Verdict | None = None
    deposit: TypedDeposit | FileDeposit | None = None


def judge_json(*, user: User, flux: Flux, raw: Any) -> Prepared:
    """A JSON invoice through the API's invoice schema; the deposit checks are the batch's."""
    number = str(raw.get("number", ""))[:255] if isinstance(raw, dict) else ""
    if not isinstance(raw, dict):
        return _refused(
            Verdict(errors=[error(SCHEMA_RULE, "", _("Chaque facture du flux est un objet JSON."))])
        )
    try:
        # One serializer for the worker's life: its fields are built (deep-copied) once, not
        # once per invoice; ``run_validation`` is what ``is_valid`` calls, with no state kept.
        values = _serializer().run_validation(raw)
    except serializers.ValidationError as exc:
        found = flatten(exc.detail)
        return _refused(Verdict(number, errors=_service_errors(found, SCHEMA_RULE)))
    if values["supplier_siret"] != flux.supplier.identifier:
        return _refused(
            Verdict(number, errors=[_other_supplier(values["supplier_siret"], flux.supplier)])
        )
    names = InvoiceInput.__dataclass_fields__.keys()
    header = InvoiceInput(**{k: v for k, v in values.items() if k in names})
    lines = [LineInput(**line) for line in values["lines"]]
    deposit = TypedDeposit(
        data=header, lines=lines, deposit_mode=DepositMode.SAISIE_API, schema_checked=True
    )
    return Prepared(number, deposit=deposit)


def _refused(verdict: Verdict) -> Prepared:
    return Prepared(verdict.number, verdict=verdict)


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


def judge_file(*, user: User, flux: Flux, container: Container, position: int) -> Prepared:
    """A file entry read, recognised and validated by the standards (XSD and schematron), once:
    the batch judges the portal's rules on that validation's report."""
    try:
        name, content = container.file_item(position)
        if not is_structured_file(content, name):
            return _refused(Verdict(errors=[error(FLUX_RULE, "file", _plain_pdf())]))
        report = validate_invoice_file(content, name[-50:])
    except EntryRefused as exc:
        return _refused(Verdict(errors=[error(FLUX_RULE, "file", exc.message)]))
    except InvoiceFileError as exc:
        return _refused(Verdict(errors=[error(FILE_RULE, "file", exc.message)]))
    deposit = FileDeposit(
        report=report, content=content, filename=name[-50:], deposit_mode=DepositMode.UPLOAD_API
    )
    return Prepared(deposit=deposit)


def verdict_of(prepared: Prepared, outcome: Deposited) -> Verdict:
    """The verdict of a deposit made in the chunk's batch, in the flux's terms."""
    if outcome.invoice is not None:
        return Verdict(outcome.invoice.number, invoice=outcome.invoice)
    if outcome.preview is not None:
        data = outcome.preview.data
        problems = [
            error(p.rule_id, RENAMES.get(p.field, p.field), p.message_with_help)
            for p in outcome.preview.problems
        ]
        return Verdict(data.number if data else "", errors=problems)
    return Verdict(prepared.number, errors=_service_errors(outcome.errors))


def _plain_pdf() -> str:
    return _(
        "Ce PDF ne porte pas de facture structurée (Factur-X) : un flux ne transmet que des "
        "factures structurées."
    )


def judge(*, user: User, flux: Flux, container: Container, position: int) -> Prepared:
    if flux.kind == Flux.Kind.JSON:
        return judge_json(user=user, flux=flux, raw=container.json_item(position))
    return judge_file(user=user, flux=flux, container=container, position=position)


def deposit_chunk(*, flux: Flux, prepared: list[Prepared]) -> list[Verdict]:
    """The chunk's deposits made in one batch (``invoices.services.batch``); every entry's
    verdict, in order. No e-mail per chunk: the depositor hears of the flux once, when it ends
    (``flux.notifications``), with its counts; nor a routing wake: the flux sends one when it
    ends (``services._finish``)."""
    todo = [p for p in prepared if p.deposit is not None]
    outcomes = iter(
        services.deposit_batch(
            user=flux.depositor,
            supplier=flux.supplier,
            deposits=[p.deposit for p in todo if p.deposit is not None],
            tell=False,
            wake=False,
        )
        if todo
        else []
    )
    verdicts: list[Verdict] = []
    for entry in prepared:
        if entry.deposit is not None:
            verdicts.append(verdict_of(entry, next(outcomes)))
        else:
            assert entry.verdict is not None  # an entry without a deposit was refused: its verdict
            verdicts.append(entry.verdict)
    return verdicts
