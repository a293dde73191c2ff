"""INSEE's legal units' stock file (``StockUniteLegale``): one row per SIREN, with the
company's name (``denominationUniteLegale``; a sole trader's first and last names), its
acronym (``sigleUniteLegale``), its legal category and its state (A: active, C: ceased).

Read like the establishments' file (same chunks, same ``COPY`` into a staging table, same
checks in SQL with a Python reader as the reference and the fallback) and merged into
``SireneLegalUnit``. Each chunk's merge also carries what changed (name, category) to the
establishments of those SIRENs in the same statement, by the SIREN index: importing the legal
units first and the establishments second (``import_files`` orders them so) touches each
establishment once; a monthly re-import touches only what INSEE changed.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from operator import itemgetter
from typing import IO, NamedTuple, TextIO

from django.db import connection
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from structures import search
from structures.models import SireneEstablishment, SireneLegalUnit
from structures.siret import is_valid_siren_fast

from .reader import (
    PUBLIC_CATEGORY_FIRST_DIGITS,
    Rejection,
    StockFileError,
    StockReader,
    public_category_sql,
)
from .staging import Columns, StagingImport, siren_is_valid_sql, staging_table

SIREN_COLUMN = "siren"
STATE_COLUMN = "etatAdministratifUniteLegale"
REQUIRED_COLUMNS = (SIREN_COLUMN, STATE_COLUMN)
OPTIONAL_COLUMNS = (
    "denominationUniteLegale",
    "sigleUniteLegale",
    "nomUniteLegale",
    "nomUsageUniteLegale",
    "prenom1UniteLegale",
    "prenomUsuelUniteLegale",
    "categorieJuridiqueUniteLegale",
    "nicSiegeUniteLegale",
)
TABLE = SireneLegalUnit._meta.db_table
ESTABLISHMENTS = SireneEstablishment._meta.db_table


class LegalUnit(NamedTuple):
    """One legal unit, in ``SireneLegalUnit``'s field order."""

    siren: str
    name: str
    acronym: str
    legal_category: str
    is_public_body: bool
    is_active: bool
    head_office_nic: str


COLUMNS = LegalUnit._fields


def is_legal_unit_header(header: list[str]) -> bool:
    """A legal units' file: a SIREN, no SIRET nor NIC, and INSEE's legal unit columns."""
    names = {name.strip() for name in header}
    return (
        SIREN_COLUMN in names
        and not names & {"siret", "nic"}
        and any(name.endswith("UniteLegale") for name in names)
    )


def unit_name(legal: str, last: str, usage: str, first: str, usual_first: str) -> str:
    """The company name; a sole trader's usual first name and usage name (else birth name)."""
    if legal:
        return legal
    last = usage or last
    first = usual_first or first
    if last:
        return f"{first} {last}" if first else last
    return ""


class LegalUnitReader:
    """Iterates over the rows of an open legal units' file: ``LegalUnit`` or ``Rejection``."""

    has_legal_category = True  # what the establishments' import asks of any reader

    def __init__(self, stream: TextIO) -> None:
        self._reader = csv.reader(stream)
        try:
            header = next(self._reader)
        except StopIteration:
            raise StockFileError(_("Le fichier est vide.")) from None
        except csv.Error as exc:
            raise StockFileError(str(exc)) from None
        self.header = [name.strip() for name in header]
        missing = [name for name in REQUIRED_COLUMNS if name not in self.header]
        if missing:
            raise StockFileError(
                _("Colonnes obligatoires absentes de l'en-tête : %(columns)s")
                % {"columns": ", ".join(missing)}
            )

    def __iter__(self) -> Iterator[LegalUnit | Rejection]:
        reader = self._reader
        width = len(self.header)
        fields = itemgetter(
            *(self.header.index(name) for name in REQUIRED_COLUMNS),
            *(self.header.index(n) if n in self.header else width for n in OPTIONAL_COLUMNS),
        )
        record = partial(tuple.__new__, LegalUnit)
        public = PUBLIC_CATEGORY_FIRST_DIGITS
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield Rejection(reader.line_num, _("CSV illisible : %(error)s") % {"error": exc})
                continue
            if len(row) != width:
                if row:
                    message = _("%(found)d colonnes au lieu de %(expected)d")
                    yield Rejection(
                        reader.line_num, message % {"found": len(row), "expected": width}
                    )
                continue
            row.append("")
            (siren, state, legal, acronym, last, usage, first, usual_first,
             category, head_office) = fields(row)  # fmt: skip
            if (state != "A" and state != "C") or not is_valid_siren_fast(siren):
                reason = rejection_reason({SIREN_COLUMN: siren, STATE_COLUMN: state})
                yield Rejection(reader.line_num, reason)
                continue
            yield record(
                (
                    siren,
                    unit_name(legal, last, usage, first, usual_first)[:255],
                    acronym[:40],
                    category[:4],
                    category[:1] in public,
                    state == "A",
                    head_office[:5],
                )
            )


def rejection_reason(values: dict[str, str]) -> str:
    """Why a legal unit's row was not accepted (both paths word it here)."""
    missing = [name for name, value in values.items() if not value]
    if missing:
        return _("valeur manquante : %(columns)s") % {"columns": ", ".join(missing)}
    siren = values[SIREN_COLUMN]
    if not is_valid_siren_fast(siren):
        return _("SIREN « %(siren)s » invalide (9 chiffres et une clé de contrôle attendus)") % {
            "siren": siren
        }
    message = _("état administratif « %(state)s » inconnu (A ou C attendu)")
    return message % {"state": values[STATE_COLUMN]}


# --- SQL ---------------------------------------------------------------------------------------
def source_sql(c: Columns, table: str) -> tuple[str, str]:
    """The SELECT of checked, transformed rows of the staging ``table`` (last row of a SIREN
    wins), and the check; ``c`` maps INSEE's names to the staging table's columns."""
    siren, state = c[SIREN_COLUMN], c[STATE_COLUMN]
    valid = f"{state} IN ('A', 'C') AND {siren_is_valid_sql(siren)}"
    legal, acronym = c["denominationUniteLegale"], c["sigleUniteLegale"]
    last = f"COALESCE(NULLIF({c['nomUsageUniteLegale']}, ''), {c['nomUniteLegale']})"
    first = f"COALESCE(NULLIF({c['prenomUsuelUniteLegale']}, ''), {c['prenom1UniteLegale']})"
    category = c["categorieJuridiqueUniteLegale"]
    name = (
        f"CASE WHEN {legal} <> '' THEN {legal} "
        f"WHEN {last} <> '' THEN CASE WHEN {first} <> '' THEN {first} || ' ' || {last} "
        f"ELSE {last} END ELSE '' END"
    )
    select = (
        # Generated column names and constants only: nothing from the file reaches the SQL.
        f"SELECT DISTINCT ON ({siren}) {siren} AS siren, left({name}, 255) AS name, "  # noqa: S608
        f"left({acronym}, 40) AS acronym, left({category}, 4) AS legal_category, "
        f"{public_category_sql(category)} AS is_public_body, {state} = 'A' AS is_active, "
        f"left({c['nicSiegeUniteLegale']}, 5) AS head_office_nic "
        f"FROM {table} WHERE valid ORDER BY {siren}, n DESC"
    )
    return select, valid


def merge_sql(source: str) -> str:
    """One statement: the rows of ``source`` (a table or CTE with ``COLUMNS``) inserted, or
    updated when they changed; the establishments of the changed SIRENs given the new name
    and category; how many rows there were, how many changed, how many establishments."""
    columns = ", ".join(COLUMNS)
    updated = [c for c in COLUMNS if c != "siren"]
    assignments = ", ".join(f"{c} = EXCLUDED.{c}" for c in updated)
    current = ", ".join(f"{TABLE}.{c}" for c in updated)
    incoming = ", ".join(f"EXCLUDED.{c}" for c in updated)
    name = "CASE WHEN written.name <> '' THEN written.name ELSE e.name END"
    return (
        f"WITH source AS MATERIALIZED (SELECT {columns} FROM {source}), "  # noqa: S608
        f"written AS (INSERT INTO {TABLE} ({columns}) SELECT {columns} FROM source "
        f"ON CONFLICT (siren) DO UPDATE SET {assignments} "
        f"WHERE ({current}) IS DISTINCT FROM ({incoming}) "
        "RETURNING siren, name, legal_category, is_public_body), "
        f"carried AS (UPDATE {ESTABLISHMENTS} AS e SET name = {name}, "
        "legal_category = written.legal_category, is_public_body = written.is_public_body, "
        "updated_at = now() FROM written WHERE e.siren = written.siren "
        f"AND (e.name, e.legal_category, e.is_public_body) IS DISTINCT FROM "
        f"({name}, written.legal_category, written.is_public_body) RETURNING 1) "
        "SELECT (SELECT count(*) FROM source), (SELECT count(*) FROM written), "
        "(SELECT count(*) FROM carried)"
    )


class LegalUnitStagingImport(StagingImport):
    """The staging path (``staging.StagingImport``) with the legal units' check and merge."""

    required_columns = REQUIRED_COLUMNS

    def _statements(self) -> tuple[str, str]:
        select, valid = source_sql(self.columns, self._table())
        return valid, merge_sql(f"({select}) AS checked")

    def _reason(self, values: dict[str, str]) -> str:
        return rejection_reason(values)

    def _table(self) -> str:
        return staging_table(self.columns.width, "unit")

    def _reader(self, stream: IO[str]) -> StockReader:
        # The staging import's text stream is a TextIO (io.TextIOWrapper); LegalUnitReader
        # offers StockReader's methods without being one (its rows are legal units).
        return LegalUnitReader(stream)  # type: ignore[arg-type, return-value]


def reader_for(stream: TextIO) -> StockReader:
    """The reader of a stock file, by its header: the legal units' or the establishments'."""
    position = stream.tell()
    first = stream.readline()
    stream.seek(position)
    header = next(csv.reader([first]), [])
    if is_legal_unit_header(header):
        # LegalUnitReader offers StockReader's methods without being one (duck-typed).
        return LegalUnitReader(stream)  # type: ignore[return-value]
    return StockReader(stream)


# --- writing a batch (the Python path) ---------------------------------------------------------
def upsert(records: Sequence[LegalUnit]) -> int:
    """Writes one batch; returns how many legal units were inserted or changed (PostgreSQL)
    or written (other databases). The establishments of these SIRENs follow."""
    if not records:
        return 0
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE TEMPORARY TABLE IF NOT EXISTS sirene_unit_batch (siren text, name text, "
                "acronym text, legal_category text, is_public_body boolean, is_active boolean, "
                "head_office_nic text)"
            )
            cursor.execute("TRUNCATE sirene_unit_batch")
            with cursor.copy(f"COPY sirene_unit_batch ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                for record in records:
                    copy.write_row(record)
            cursor.execute(merge_sql("sirene_unit_batch"))
            return cursor.fetchone()[1]
    SireneLegalUnit.objects.bulk_create(
        [SireneLegalUnit(**record._asdict()) for record in records],
        update_conflicts=True,
        unique_fields=["siren"],
        update_fields=[c for c in COLUMNS if c != "siren"],
    )
    _carry(records)
    return len(records)


def _carry(records: Sequence[LegalUnit]) -> None:
    """The legal units' name and category to their establishments (the bulk path, SQLite in
    development: one UPDATE per legal unit, of the rows that differ)."""
    now = timezone.now()
    for record in records:
        changes: dict[str, object] = {
            "legal_category": record.legal_category,
            "is_public_body": record.is_public_body,
        }
        if record.name:
            changes["name"] = record.name
        differs = Q()
        for field, value in changes.items():
            differs |= ~Q(**{field: value})
        SireneEstablishment.objects.filter(differs, siren=record.siren).update(
            **changes, updated_at=now
        )


# --- the search index, built after a first load ------------------------------------------------


@contextmanager
def search_index_after_first_load() -> Iterator[None]:
    """Around a legal units' import on PostgreSQL: into an empty table (the first load, 25
    million rows), the search's GIN indexes (one per shard) are dropped and built once at the
    end, in bulk (sorted, with room in memory), several times faster than maintaining them row
    by row. A monthly re-import keeps them: only the rows INSEE changed are written, and only
    they touch them. They are built again even when the import fails half-way."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield
        return
    if SireneLegalUnit.objects.exists():
        yield
        return
    with connection.cursor() as cursor:
        for shard in search.DIRECTORY_SHARDS:
            cursor.execute(f"DROP INDEX IF EXISTS {search.directory_index_name(shard)}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET maintenance_work_mem = '256MB'")
            for shard in search.DIRECTORY_SHARDS:
                cursor.execute(search.directory_index_sql(shard))
            cursor.execute("RESET maintenance_work_mem")
            cursor.execute(f"ANALYZE {TABLE}")
