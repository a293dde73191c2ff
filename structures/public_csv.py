"""Loading public structures and their services from a CSV file (``import_public_structures``).

One row per service; the structure's columns repeat on each of its rows, and a row without
``service_code`` loads only the structure. Separator ``,`` or ``;``; UTF-8. Columns:

=================================  ========================================================
``siret``                          required; spaces allowed
``name``                           required: the structure's name
``address``, ``postal_code``,      optional
``city``
``service_code_required``,         booleans (oui/non, 1/0, true/false, vrai/faux); empty:
``engagement_required``,           the default (no, no, no, yes)
``engagement_or_service_required``,
``payment_status_reported``
``service_code``                   the service's code (SE), at most 100 characters
``service_name``                   required with ``service_code``
``service_engagement_required``    boolean, default no
``service_active``                 boolean, default yes
``service_valid_from``,            dates, ``2026-01-31`` or ``31/01/2026``
``service_valid_until``
=================================  ========================================================

Rerunning the file updates what it names (keyed by SIRET, then by service code) and never
duplicates; nothing absent from the file is deleted.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from django.utils.translation import gettext as _

from structures import services
from structures.errors import StructureError

STRUCTURE_FLAGS = {
    "service_code_required": False,
    "engagement_required": False,
    "engagement_or_service_required": False,
    "payment_status_reported": True,
}
TRUE = {"1", "oui", "o", "true", "vrai", "yes", "y", "x"}
FALSE = {"0", "non", "n", "false", "faux", "no", ""}


class RowError(ValueError):
    pass


@dataclass
class PublicImportSummary:
    rows: int = 0
    structures: int = 0
    services: int = 0
    rejected: int = 0


def _flag(row: dict[str, str], column: str, default: bool) -> bool:
    value = (row.get(column) or "").strip().lower()
    if not value:
        return default
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    message = _("%(column)s : « %(value)s » n’est ni oui ni non")
    raise RowError(message % {"column": column, "value": value})


def _date(row: dict[str, str], column: str) -> date | None:
    value = (row.get(column) or "").strip()
    if not value:
        return None
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    message = _("%(column)s : date « %(value)s » illisible")
    raise RowError(message % {"column": column, "value": value})


def _rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    with path.open(encoding="utf-8-sig", newline="") as stream:
        sample = stream.readline()
        stream.seek(0)
        delimiter = ";" if sample.count(";") > sample.count(",") else ","
        reader = csv.DictReader(stream, delimiter=delimiter)
        missing = {"siret", "name"} - set(reader.fieldnames or [])
        if missing:
            message = _("Colonnes obligatoires absentes : %(columns)s")
            raise StructureError(message % {"columns": ", ".join(sorted(missing))})
        for row in reader:
            yield reader.line_num, {k: (v or "").strip() for k, v in row.items() if k}


def _load_row(row: dict[str, str], summary: PublicImportSummary, seen: set[str]) -> None:
    if not row["name"]:
        raise RowError(_("name : valeur manquante"))
    structure = services.public_structure_upsert(
        siret=row["siret"],
        name=row["name"],
        address=row.get("address", ""),
        postal_code=row.get("postal_code", ""),
        city=row.get("city", ""),
        **{flag: _flag(row, flag, default) for flag, default in STRUCTURE_FLAGS.items()},
    )
    if structure.identifier not in seen:
        seen.add(structure.identifier)
        summary.structures += 1
    code = row.get("service_code", "")
    if not code:
        return
    if not row.get("service_name"):
        raise RowError(_("service_name : valeur manquante"))
    if len(code) > 100:
        raise RowError(_("service_code : 100 caractères au plus"))
    services.service_upsert(
        structure=structure,
        code=code,
        name=row["service_name"],
        is_active=_flag(row, "service_active", True),
        engagement_required=_flag(row, "service_engagement_required", False),
        valid_from=_date(row, "service_valid_from"),
        valid_until=_date(row, "service_valid_until"),
    )
    summary.services += 1


def import_public_structures(
    path: str | Path, *, on_rejection: Callable[[int, str], None] | None = None
) -> PublicImportSummary:
    """Loads the file row by row (each row its own transaction); a bad row is reported with
    its line number and skipped."""
    summary = PublicImportSummary()
    seen: set[str] = set()
    for line, row in _rows(Path(path)):
        summary.rows += 1
        try:
            _load_row(row, summary, seen)
        except (RowError, StructureError) as exc:
            summary.rejected += 1
            if on_rejection is not None:
                on_rejection(line, str(exc))
    return summary
