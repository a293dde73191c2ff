"""Reading a register of legal commitments (EJ) from a CSV file: one reader for the
``load_engagements`` command and the register page's upload (``services.registers``).

Pure functions, no database: the file is judged line by line, every problem named with its line
number, and the rows are loaded only when the whole file is right (nothing half stored). A
problem is a code and its parameters (``PROBLEMS``), worded in the reader's language when shown:
a worker's French never reaches an English reader.

Columns (a header row, ``;`` or ``,``, UTF-8 or Windows-1252 as a spreadsheet saves it):
``number`` (or ``numero``, ``numero_ej``, ``ej``), ``supplier_siret`` (or ``siret_fournisseur``),
``amount`` (optional, ``1234.56`` or ``1 234,56``), ``state`` (optional: ``OPEN``/``CLOSED``,
``ouvert``/``clos``; without it a new EJ is open and an existing one keeps its state),
``recipient_siret`` (optional: the public structure, which the command may give instead).
"""

from __future__ import annotations

import csv
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from invoices.models import ENGAGEMENT_MAX_LENGTH, EngagementRecord

if TYPE_CHECKING:
    import _csv

    from django.utils.functional import _StrPromise

# The most problems kept for one file: enough to fix a column, not a report of a whole
# misread file.
MAX_ERRORS = 100
AMOUNT_MAX = Decimal("999999999999.99")  # the column's 14 digits, 2 after the point

_COLUMNS = {
    "number": ("number", "numero", "numero_ej", "numero_engagement", "ej"),
    "supplier_siret": ("supplier_siret", "siret_fournisseur", "fournisseur"),
    "amount": ("amount", "montant"),
    "state": ("state", "etat"),
    "recipient_siret": ("recipient_siret", "siret_destinataire"),
}
_STATES = {
    "open": EngagementRecord.State.OPEN,
    "ouvert": EngagementRecord.State.OPEN,
    "closed": EngagementRecord.State.CLOSED,
    "clos": EngagementRecord.State.CLOSED,
    "close": EngagementRecord.State.CLOSED,
}


@dataclass(frozen=True)
class EngagementRow:
    line: int
    number: str
    supplier_siret: str
    amount: Decimal | None
    # None: the file does not say (a new EJ opens, an existing one keeps its state).
    state: str | None
    recipient_siret: str = ""


# Every problem a file may have, by code; its parameters fill the words in.
PROBLEMS: dict[str, _StrPromise] = {
    "empty": gettext_lazy(
        "le fichier est vide : il faut une ligne d’en-tête puis un EJ par ligne."
    ),
    "unreadable": gettext_lazy(
        "cette ligne n’est pas du CSV lisible : un guillemet n’y est pas fermé, ou un "
        "champ dépasse la taille permise."
    ),
    "header": gettext_lazy(
        "l’en-tête doit nommer les colonnes « number » (numéro d’EJ) et "
        "« supplier_siret » (SIRET du fournisseur) ; il manque : %(missing)s."
    ),
    "duplicate": gettext_lazy("l’EJ %(number)s figure déjà ligne %(first)d."),
    "number_empty": gettext_lazy("le numéro d’EJ est vide."),
    "number_long": gettext_lazy("le numéro d’EJ compte plus de %(max)d caractères."),
    "supplier_siret": gettext_lazy(
        "le SIRET du fournisseur « %(value)s » doit compter 14 chiffres."
    ),
    "amount_unreadable": gettext_lazy(
        "le montant « %(value)s » n’est pas un nombre (par exemple 1234,56)."
    ),
    "amount_range": gettext_lazy(
        "le montant « %(value)s » doit être positif, avec deux décimales au plus."
    ),
    "state": gettext_lazy("l’état « %(value)s » est inconnu : ouvert ou clos (OPEN ou CLOSED)."),
    "recipient_siret": gettext_lazy(
        "le SIRET du destinataire « %(value)s » doit compter 14 chiffres."
    ),
    # Said by the register's page and the command, which know the structures.
    "other_recipient": gettext_lazy(
        "cette ligne est destinée à la structure de SIRET %(siret)s, pas à la vôtre."
    ),
    "unknown_recipient": gettext_lazy("aucune structure publique n’a le SIRET « %(siret)s »."),
}


def describe(code: str, params: Mapping[str, Any]) -> str:
    """A problem in the active language."""
    return str(PROBLEMS[code]) % params


def describe_stored(error: Mapping[str, Any]) -> str:
    """A problem as ``LineError.as_dict`` stored it, in the active language (a row stored
    before the codes: its French words)."""
    code = error.get("code")
    if code in PROBLEMS:
        return describe(code, error.get("params") or {})
    return str(error.get("message", ""))


@dataclass(frozen=True)
class LineError:
    line: int
    code: str
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def message(self) -> str:
        return describe(self.code, self.params)

    def __str__(self) -> str:
        return _("Ligne %(line)d : %(message)s") % {"line": self.line, "message": self.message}

    def as_dict(self) -> dict[str, object]:
        """What an upload keeps: the code and its parameters, worded for each reader, and the
        words in the portal's language for anyone reading the row itself."""
        with translation.override(settings.LANGUAGE_CODE):
            message = self.message
        return {"line": self.line, "code": self.code, "params": self.params, "message": message}


@dataclass
class ParsedFile:
    rows: list[EngagementRow] = field(default_factory=list)
    errors: list[LineError] = field(default_factory=list)
    # Problems beyond MAX_ERRORS, counted only.
    more_errors: int = 0

    def add_error(self, line: int, code: str, **params: Any) -> None:
        if code not in PROBLEMS:
            raise ValueError(f"Unknown problem code: {code}")
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(LineError(line, code, params))
        else:
            self.more_errors += 1

    @property
    def ok(self) -> bool:
        return not self.errors


def decode(data: bytes) -> str:
    """The file's text: UTF-8 (with or without its mark), else Windows-1252, which a French
    spreadsheet writes and which any byte sequence decodes as."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _key(name: str) -> str:
    """A header's name without accents, case, spaces or dashes: « Numéro EJ » → numero_ej."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return "_".join(plain.lower().replace("-", " ").split())


def _columns(header: list[str]) -> dict[str, int]:
    aliases = {alias: column for column, names in _COLUMNS.items() for alias in names}
    found: dict[str, int] = {}
    for index, name in enumerate(header):
        column = aliases.get(_key(name))
        if column is not None and column not in found:
            found[column] = index
    return found


def _shown(text: str, limit: int = 40) -> str:
    """A cell's value quoted in a message: a misread file's long cell is cut short."""
    return text if len(text) <= limit else text[:limit] + "…"


def _digits(text: str) -> str:
    return "".join(text.split()).replace(".", "")


def _amount(text: str) -> Decimal:
    compact = "".join(text.split()).replace("\u00a0", "").replace(",", ".")
    value = Decimal(compact)  # InvalidOperation for anything else
    if not value.is_finite():
        raise InvalidOperation
    return value


def parse(text: str) -> ParsedFile:
    """Every row of the file, or every problem found in it (by line number)."""
    parsed = ParsedFile()
    lines = text.splitlines()
    if not any(line.strip() for line in lines):
        parsed.add_error(1, "empty")
        return parsed
    delimiter = ";" if lines[0].count(";") >= lines[0].count(",") else ","
    reader = csv.reader(lines, delimiter=delimiter)
    try:
        _read(reader, parsed)
    except csv.Error:  # a quote never closed, a field beyond the csv module's limit
        parsed.add_error(reader.line_num or 1, "unreadable")
    return parsed


def _read(reader: _csv.Reader, parsed: ParsedFile) -> None:
    columns = _columns(next(reader))
    missing = [name for name in ("number", "supplier_siret") if name not in columns]
    if missing:
        parsed.add_error(1, "header", missing=", ".join(missing))
        return
    seen: dict[str, int] = {}
    for cells in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        row = _row(line, cells, columns, parsed)
        if row is None:
            continue
        first = seen.setdefault(row.number, line)
        if first != line:
            parsed.add_error(line, "duplicate", number=row.number, first=first)
            continue
        parsed.rows.append(row)


def _row(
    line: int, cells: list[str], columns: dict[str, int], parsed: ParsedFile
) -> EngagementRow | None:
    def cell(name: str) -> str:
        index = columns.get(name)
        return cells[index].strip() if index is not None and index < len(cells) else ""

    problems: list[tuple[str, dict[str, Any]]] = []
    number = cell("number")
    if not number:
        problems.append(("number_empty", {}))
    elif len(number) > ENGAGEMENT_MAX_LENGTH:
        problems.append(("number_long", {"max": ENGAGEMENT_MAX_LENGTH}))
    supplier = _digits(cell("supplier_siret"))
    if not (supplier.isascii() and supplier.isdigit() and len(supplier) == 14):
        problems.append(("supplier_siret", {"value": _shown(cell("supplier_siret"))}))
    amount = None
    if cell("amount"):
        try:
            amount = _amount(cell("amount"))
        except InvalidOperation:
            problems.append(("amount_unreadable", {"value": _shown(cell("amount"))}))
        else:
            # _amount reads a finite number: its exponent is an int, never "n", "N" or "F".
            if amount < 0 or amount > AMOUNT_MAX or amount.as_tuple().exponent < -2:  # type: ignore[operator]
                problems.append(("amount_range", {"value": _shown(cell("amount"))}))
    state = None
    if cell("state"):
        state = _STATES.get(cell("state").lower())
        if state is None:
            problems.append(("state", {"value": _shown(cell("state"))}))
    recipient = _digits(cell("recipient_siret"))
    if recipient and not (recipient.isascii() and recipient.isdigit() and len(recipient) == 14):
        problems.append(("recipient_siret", {"value": _shown(cell("recipient_siret"))}))
    for code, params in problems:
        parsed.add_error(line, code, **params)
    if problems:
        return None
    return EngagementRow(line, number, supplier, amount, state, recipient)
