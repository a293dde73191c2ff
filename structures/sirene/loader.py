"""Writing batches of SIRENE records: insert new establishments, update known ones.

PostgreSQL: the batch is streamed with ``COPY`` into a temporary staging table, then merged with
one ``INSERT … SELECT … ON CONFLICT (siret) DO UPDATE``. The update only touches rows whose
values changed, so that re-importing the same stock writes (almost) nothing. Any other database
(SQLite in development) goes through ``bulk_create(update_conflicts=True)``.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection
from django.utils import timezone

from structures.models import SireneEstablishment, SireneLegalUnit
from structures.sirene.reader import Record

COLUMNS = Record._fields
# What a file without the legal unit's category must not overwrite.
CATEGORY_COLUMNS = ("legal_category", "is_public_body")
STAGING_TABLE = "sirene_staging"
TARGET_TABLE = SireneEstablishment._meta.db_table
LEGAL_UNIT_TABLE = SireneLegalUnit._meta.db_table


def upsert(records: Sequence[Record], *, with_category: bool) -> int:
    """Writes the records; returns how many rows were inserted or changed (PostgreSQL) or
    written (other databases)."""
    if not records:
        return 0
    if connection.vendor == "postgresql":
        return _upsert_postgresql(records, with_category=with_category)
    return _upsert_bulk(records, with_category=with_category)


def _updated_columns(with_category: bool) -> list[str]:
    return [c for c in COLUMNS if c != "siret" and (with_category or c not in CATEGORY_COLUMNS)]


def _upsert_bulk(records: Sequence[Record], *, with_category: bool) -> int:
    now = timezone.now()
    units = legal_units_of({record.siren for record in records})
    if units:
        records = [_with_legal_unit(record, units.get(record.siren)) for record in records]
    # Positional arguments: the record is in the model's field order, and this is much faster.
    objects = [SireneEstablishment(*record, now) for record in records]
    SireneEstablishment.objects.bulk_create(
        objects,
        update_conflicts=True,
        unique_fields=["siret"],
        update_fields=[*_updated_columns(with_category), "updated_at"],
    )
    return len(objects)


# What the legal unit (``StockUniteLegale``, joined by SIREN) says wins over the row's own
# columns: its name when it has one, its category when it is known.
FROM_LEGAL_UNIT = {
    "name": "COALESCE(NULLIF(unit.name, ''), src.name)",
    "legal_category": "COALESCE(unit.legal_category, src.legal_category)",
    "is_public_body": "COALESCE(unit.is_public_body, src.is_public_body)",
}


def merge_sql(with_category: bool, source: str = STAGING_TABLE) -> str:
    """Insert the rows of ``source`` (a table or a CTE with the record's columns), joined with
    their legal unit, update the known SIRETs whose values changed, and leave the others
    untouched."""
    columns = ", ".join(COLUMNS)
    values = ", ".join(FROM_LEGAL_UNIT.get(c, f"src.{c}") for c in COLUMNS)
    updated = _updated_columns(with_category)
    assignments = ", ".join(f"{c} = EXCLUDED.{c}" for c in [*updated, "updated_at"])
    current = ", ".join(f"{TARGET_TABLE}.{c}" for c in updated)
    incoming = ", ".join(f"EXCLUDED.{c}" for c in updated)
    return (
        f"INSERT INTO {TARGET_TABLE} ({columns}, updated_at) "  # noqa: S608 (no user input)
        f"SELECT {values}, now() FROM {source} AS src "
        f"LEFT JOIN {LEGAL_UNIT_TABLE} AS unit ON unit.siren = src.siren "
        f"ON CONFLICT (siret) DO UPDATE SET {assignments} "
        f"WHERE ({current}) IS DISTINCT FROM ({incoming})"
    )


def _upsert_postgresql(records: Sequence[Record], *, with_category: bool) -> int:
    with connection.cursor() as cursor:
        # A temporary table lives as long as the connection, is invisible to other sessions
        # and writes no WAL; it is emptied before each batch.
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {STAGING_TABLE} "
            "(siret text, siren text, name text, address text, postal_code text, city text, "
            "is_active boolean, legal_category text, is_public_body boolean)"
        )
        cursor.execute(f"TRUNCATE {STAGING_TABLE}")
        with cursor.copy(f"COPY {STAGING_TABLE} ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for record in records:
                copy.write_row(record)
        cursor.execute(merge_sql(with_category))
        return cursor.rowcount


def legal_units_of(sirens: set[str]) -> dict[str, tuple[str, str, bool]]:
    """{SIREN: (name, legal category, public body)} of the known legal units among ``sirens``."""
    found: dict[str, tuple[str, str, bool]] = {}
    ordered = sorted(sirens)
    for start in range(0, len(ordered), 500):  # SQLite's limit on a statement's parameters
        found.update(
            (siren, (name, category, public))
            for siren, name, category, public in SireneLegalUnit.objects.filter(
                siren__in=ordered[start : start + 500]
            ).values_list("siren", "name", "legal_category", "is_public_body")
        )
    return found


def _with_legal_unit(record: Record, unit: tuple[str, str, bool] | None) -> Record:
    """``FROM_LEGAL_UNIT`` in Python (the bulk path)."""
    if unit is None:
        return record
    name, category, public = unit
    return record._replace(name=name or record.name, legal_category=category, is_public_body=public)
