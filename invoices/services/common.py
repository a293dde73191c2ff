"""What every invoice service shares: its errors, its inputs, row locks and the checks of a
draft. The rest of what the services share is private to the package, one concern a module:
``_history`` (transitions, the history and its hash chain), ``_enqueue`` (tasks sent once
committed) and ``_files`` (the invoice's files)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import connection, models
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from chorus import text

# The services' inputs live in invoices.inputs (the format mapping builds them without
# importing the services); re-exported here, where the services have always taken them from.
from invoices.inputs import InvoiceInput as InvoiceInput
from invoices.inputs import LineInput as LineInput
from invoices.models import Invoice, InvoiceLine
from structures.models import Service, Structure


# --- errors ------------------------------------------------------------------------------------
class InvoiceError(Exception):
    """A refused write; ``errors`` maps a field name (``__all__`` for none) to its messages."""

    def __init__(self, errors: dict[str, list[str]] | str) -> None:
        self.errors = {"__all__": [errors]} if isinstance(errors, str) else errors
        super().__init__(self.errors)

    @property
    def messages(self) -> list[str]:
        return [message for messages in self.errors.values() for message in messages]


class InvoiceStateError(InvoiceError):
    """The action does not apply to the invoice's status: someone was quicker, or it is done."""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(
            message
            or _(
                "Cette facture a déjà été traitée, ou cette action n'est pas possible "
                "dans son statut actuel."
            )
        )


class InvoiceAccessDenied(Exception):
    """The user may not act on this invoice (pages answer 404: they should not see it)."""


# --- helpers -----------------------------------------------------------------------------------
def locked(invoice: Invoice) -> Invoice:
    """The invoice row, locked until the end of the transaction, as it is now."""
    return Invoice.objects.select_for_update().get(pk=invoice.pk)


def claim_skip_locked(queryset: QuerySet[Invoice]) -> QuerySet[Invoice]:
    """The rows of ``queryset``, locked for this transaction, skipping those another transaction
    holds (PostgreSQL: ``FOR UPDATE SKIP LOCKED``). SQLite has no row locks but one writer at a
    time: a first write takes the database's write lock, so what is read after it stays this
    transaction's alone until it commits — the same guarantee, one worker after the other."""
    if connection.features.has_select_for_update_skip_locked:
        return queryset.select_for_update(skip_locked=True, of=("self",))
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {Invoice._meta.db_table} SET id = id WHERE 0")  # noqa: S608
    return queryset


# Fields of an invoice that the model's validation leaves alone: relations are resolved by the
# services, and the status only moves through a transition.
INVOICE_UNCHECKED = ["supplier", "recipient", "service", "created_by", "status"]


def model_errors(
    instance: Invoice | InvoiceLine, exclude: list[str], *, checked: Sequence[str] = ()
) -> dict[str, list[str]]:
    """The model's own validation of ``instance`` and the hidden characters of its text, by
    field, ``exclude`` left out of both; ``checked``: fields whose values an input schema has
    already validated at least as strictly as the model (``SCHEMA_CHECKED``), left out of the
    model's validation only (no schema looks for hidden characters)."""
    errors: dict[str, list[str]] = {}
    try:
        instance.full_clean(
            exclude=[*exclude, *checked], validate_unique=False, validate_constraints=False
        )
    except ValidationError as exc:
        errors = exc.message_dict
    for name, message in text_errors(instance, exclude).items():
        errors.setdefault(name, []).append(message)
    return errors


def text_errors(instance: Invoice | InvoiceLine, exclude: list[str]) -> dict[str, str]:
    """Hidden or control characters in the typed text fields (chorus/text.py), by field."""
    errors = {}
    for model_field in instance._meta.concrete_fields:
        value = getattr(instance, model_field.attname)
        if model_field.name in exclude or not isinstance(value, str):
            continue
        multiline = isinstance(model_field, models.TextField)
        message = text.text_error(value, multiline=multiline)
        if message:
            errors[model_field.name] = message
    return errors


# --- drafts ------------------------------------------------------------------------------------
def resolve_recipient(siret: str) -> Structure | None:
    if not siret:
        return None
    return Structure.objects.filter(
        identifier_type=Structure.IdentifierType.SIRET, identifier=siret
    ).first()


@dataclass
class RecipientDirectory:
    """The recipients (by SIRET) and their services (by recipient and code) a batch of deposits
    names, read in two queries instead of two per invoice; ``apply_recipient`` resolves from it
    exactly as from the database (unknown SIRET or code: None)."""

    recipients: dict[str, Structure]
    services: dict[tuple[int, str], Service]

    @classmethod
    def read(cls, pairs: Sequence[tuple[str, str]]) -> RecipientDirectory:
        """The structures and services of these (recipient SIRET, service code) pairs."""
        sirets = {siret for siret, _code in pairs if siret}
        recipients = {
            s.identifier: s
            for s in Structure.objects.filter(
                identifier_type=Structure.IdentifierType.SIRET, identifier__in=sirets
            )
        }
        codes = {code for _siret, code in pairs if code}
        services = (
            {
                (s.structure_id, s.code): s
                for s in Service.objects.filter(structure__in=recipients.values(), code__in=codes)
            }
            if recipients and codes
            else {}
        )
        return cls(recipients, services)


def apply_recipient(
    invoice: Invoice,
    *,
    recipient_siret: str,
    service_code: str,
    engagement_number: str,
    directory: RecipientDirectory | None = None,
) -> None:
    invoice.recipient_siret = recipient_siret
    invoice.service_code = service_code
    invoice.engagement_number = engagement_number
    if directory is not None:
        invoice.recipient = directory.recipients.get(recipient_siret) if recipient_siret else None
        invoice.service = (
            directory.services.get((invoice.recipient.pk, service_code))
            if invoice.recipient is not None and service_code
            else None
        )
        return
    invoice.recipient = resolve_recipient(recipient_siret)
    invoice.service = (
        invoice.recipient.services.filter(code=service_code).first()
        if invoice.recipient is not None and service_code
        else None
    )


def apply_validator(invoice: Invoice, *, validator_siret: str) -> None:
    """The titular company (mandatary) an A9 (A12) invoice names, by SIRET (checks.py judges)."""
    invoice.validator_siret = validator_siret
    invoice.validator = resolve_recipient(validator_siret)
