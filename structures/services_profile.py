"""Writes on a structure's profile and bank accounts, by its principal or secondary managers.

Rules decided here (issue 17):
- The VAT number is checked by python-stdnum (any EU country); a French number must also be
  the one of the structure's SIREN, so that a typo does not pass for another company's number.
- An IBAN is checked by python-stdnum on ASCII characters only (banks read nothing else), a
  BIC likewise when one is given (it is optional, as on the invoice).
- The first account added becomes the default; there is at most one default, always active.
  Deactivating the default passes the default to another active account, if any.
- An account is deleted only while no invoice of the structure carries its IBAN; once used it
  is only deactivated (the invoices keep their IBAN, the entry form stops offering it).
- Every change writes a ``StructureEvent``; adding an account or changing the default, what a
  fraudster would do, is e-mailed to every manager.
"""

from __future__ import annotations

import re
from functools import partial

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from stdnum import bic as stdnum_bic
from stdnum import iban as stdnum_iban
from stdnum.eu import vat as stdnum_vat

from accounts.models import User
from chorus.text import text_error
from structures import audit, notifications, selectors
from structures.errors import StructureError
from structures.models import BankAccount, Structure, StructureEvent

PHONE = re.compile(r"^\+?[0-9 .()\-]{6,30}$")


def _lock_as_manager(structure: Structure, user: User) -> Structure:
    structure = Structure.objects.select_for_update().get(pk=structure.pk)
    if not selectors.is_manager(user, structure):
        raise StructureError(
            _("Seuls les gestionnaires principal et secondaires de la structure le peuvent.")
        )
    return structure


# --- Checks (the forms call them too, to say what is wrong next to the field) --------------
def normalised_iban(value: str) -> str:
    compact = "".join(value.split()).upper()
    if not compact:
        raise ValidationError({"iban": _("Saisissez l’IBAN.")})
    if not (compact.isascii() and stdnum_iban.is_valid(compact)):
        raise ValidationError({"iban": _("Cet IBAN n’est pas valide : vérifiez-le sur votre RIB.")})
    return compact


def normalised_bic(value: str) -> str:
    compact = "".join(value.split()).upper()
    if compact and not (compact.isascii() and stdnum_bic.is_valid(compact)):
        raise ValidationError({"bic": _("Ce BIC n’est pas valide : 8 ou 11 caractères.")})
    return compact


def normalised_vat(value: str, structure: Structure) -> str:
    compact = "".join(value.split()).upper().replace(".", "").replace("-", "")
    if not compact:
        return ""
    if not (compact.isascii() and stdnum_vat.is_valid(compact)):
        raise ValidationError(
            {"vat_number": _("Ce numéro de TVA intracommunautaire n’est pas valide.")}
        )
    compact = stdnum_vat.compact(compact)
    siret = structure.siret
    if compact.startswith("FR") and siret and compact[4:] != siret[:9]:
        raise ValidationError(
            {
                "vat_number": _(
                    "Ce numéro de TVA n’est pas celui du SIREN %(siren)s de la structure."
                )
                % {"siren": siret[:9]}
            }
        )
    return compact


def _line(field: str, value: str) -> str:
    """One line of text as typed, stripped; a hidden or control character (a bidi override
    that would make an account label read as another) is refused on its field."""
    message = text_error(value)
    if message:
        raise ValidationError({field: message})
    return value.strip()


def _phone(value: str) -> str:
    value = " ".join(value.split())
    if value and not (value.isascii() and PHONE.match(value)):
        raise ValidationError({"contact_phone": _("Saisissez un numéro de téléphone.")})
    return value


# --- The profile ----------------------------------------------------------------------------
PROFILE_FIELDS = (
    "address",
    "postal_code",
    "city",
    "vat_number",
    "contact_name",
    "contact_email",
    "contact_phone",
)


@transaction.atomic
def structure_profile_update(
    *,
    structure: Structure,
    by: User,
    address: str,
    postal_code: str,
    city: str,
    vat_number: str,
    contact_name: str,
    contact_email: str,
    contact_phone: str,
) -> Structure:
    """Changes the profile; an audit row names the fields that changed (none: nothing done)."""
    structure = _lock_as_manager(structure, by)
    values = {
        "address": _line("address", address),
        "postal_code": _line("postal_code", postal_code),
        "city": _line("city", city),
        "vat_number": normalised_vat(vat_number, structure),
        "contact_name": _line("contact_name", contact_name),
        "contact_email": _line("contact_email", contact_email),
        "contact_phone": _phone(contact_phone),
    }
    changed = [name for name, value in values.items() if getattr(structure, name) != value]
    if not changed:
        return structure
    for name in changed:
        setattr(structure, name, values[name])
    structure.save(update_fields=changed)
    audit.record(
        structure, StructureEvent.Action.PROFILE_UPDATED, user=by, detail=", ".join(changed)
    )
    return structure


# --- Bank accounts --------------------------------------------------------------------------
def _account(structure: Structure, account_id: int) -> BankAccount:
    account = (
        BankAccount.objects.select_for_update().filter(pk=account_id, structure=structure).first()
    )
    if account is None:
        raise StructureError(_("Ce compte bancaire n’est pas celui de la structure."))
    return account


@transaction.atomic
def bank_account_add(
    *, structure: Structure, by: User, label: str, iban: str, bic: str = "", default: bool = False
) -> BankAccount:
    """Adds an account; the structure's first active account becomes its default."""
    structure = _lock_as_manager(structure, by)
    iban = normalised_iban(iban)
    bic = normalised_bic(bic)
    label = _line("label", label)
    if not label:
        raise ValidationError({"label": _("Donnez un libellé au compte.")})
    if BankAccount.objects.filter(structure=structure, iban=iban).exists():
        raise ValidationError({"iban": _("Cet IBAN est déjà enregistré pour la structure.")})
    has_default = BankAccount.objects.filter(structure=structure, is_default=True).exists()
    if default and has_default:
        BankAccount.objects.filter(structure=structure, is_default=True).update(is_default=False)
    try:
        with transaction.atomic():
            account = BankAccount.objects.create(
                structure=structure,
                label=label,
                iban=iban,
                bic=bic,
                is_default=default or not has_default,
                created_by=by,
            )
    except IntegrityError:  # the structure's row is locked: only a bug gets here
        raise StructureError(_("Ce compte n’a pas pu être enregistré.")) from None
    audit.record(structure, StructureEvent.Action.ACCOUNT_ADDED, user=by, detail=_detail(account))
    transaction.on_commit(partial(notifications.bank_account_changed, account.pk, by.pk, "added"))
    return account


def _detail(account: BankAccount) -> str:
    return f"{account.label} — {account.iban}" + (f" — {account.bic}" if account.bic else "")


@transaction.atomic
def bank_account_set_default(*, structure: Structure, by: User, account_id: int) -> BankAccount:
    structure = _lock_as_manager(structure, by)
    account = _account(structure, account_id)
    if not account.is_active:
        raise StructureError(_("Réactivez ce compte avant d’en faire le compte par défaut."))
    if account.is_default:
        return account
    BankAccount.objects.filter(structure=structure, is_default=True).update(is_default=False)
    account.is_default = True
    account.save(update_fields=["is_default"])
    audit.record(structure, StructureEvent.Action.ACCOUNT_DEFAULT, user=by, detail=_detail(account))
    transaction.on_commit(partial(notifications.bank_account_changed, account.pk, by.pk, "default"))
    return account


@transaction.atomic
def bank_account_set_active(
    *, structure: Structure, by: User, account_id: int, active: bool
) -> BankAccount:
    """Deactivates an account (no longer offered on new invoices) or reactivates it."""
    structure = _lock_as_manager(structure, by)
    account = _account(structure, account_id)
    if account.is_active == active:
        return account
    account.is_active = active
    fields = ["is_active"]
    successor = None
    if not active and account.is_default:
        account.is_default = False
        fields.append("is_default")
        successor = (
            BankAccount.objects.filter(structure=structure, is_active=True)
            .exclude(pk=account.pk)
            .order_by("label", "pk")
            .first()
        )
    account.save(update_fields=fields)
    if successor is not None:
        successor.is_default = True
        successor.save(update_fields=["is_default"])
    if active and not BankAccount.objects.filter(structure=structure, is_default=True).exists():
        account.is_default = True
        account.save(update_fields=["is_default"])
    action = (
        StructureEvent.Action.ACCOUNT_REACTIVATED
        if active
        else StructureEvent.Action.ACCOUNT_DEACTIVATED
    )
    audit.record(structure, action, user=by, detail=_detail(account))
    return account


def bank_account_is_used(account: BankAccount) -> bool:
    """Whether an invoice of the structure (draft or deposited) carries the account's IBAN."""
    invoice = apps.get_model("invoices", "Invoice")
    return invoice.objects.filter(supplier_id=account.structure_id, iban=account.iban).exists()


@transaction.atomic
def bank_account_delete(*, structure: Structure, by: User, account_id: int) -> None:
    """Deletes an account no invoice used (a typo); a used one is deactivated instead."""
    structure = _lock_as_manager(structure, by)
    account = _account(structure, account_id)
    if bank_account_is_used(account):
        raise StructureError(
            _(
                "Ce compte figure sur des factures de la structure : il ne peut pas être "
                "supprimé. Désactivez-le pour ne plus le proposer."
            )
        )
    detail = _detail(account)
    was_default = account.is_default
    account.delete()
    if was_default:
        successor = (
            BankAccount.objects.filter(structure=structure, is_active=True)
            .order_by("label", "pk")
            .first()
        )
        if successor is not None:
            successor.is_default = True
            successor.save(update_fields=["is_default"])
    audit.record(structure, StructureEvent.Action.ACCOUNT_DELETED, user=by, detail=detail)
