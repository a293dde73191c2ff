"""New rows of several tables written at once, the cheapest way the database offers: on
PostgreSQL their ids taken from the tables' sequences in one query, then a ``COPY`` per table;
elsewhere (SQLite, the zero-config setup), and for a single row, Django's ``bulk_create``.

``bulk_create`` prepares every value of every row through its field (``pre_save``,
``get_db_prep_save``: most of a batch's write time in Python), then has psycopg quote them into
arrays; ``COPY`` takes each row as a tuple of plain values, formatted by psycopg's C code. The
values are those ``bulk_create`` would have sent: the attribute as the model holds it, a
foreign key from the related object as ``bulk_create`` takes it, ``auto_now`` and other
fields that compute their value (a file's name) through the field itself. The rows are
checked by the database as any ``INSERT``'s (constraints, the unique number of an invoice:
``IntegrityError``; triggers fire, the summaries' included); the objects end as
``bulk_create`` leaves them, saved with their ids.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import nullcontext
from typing import Any

from django.db import connection, models
from django.db.backends.utils import CursorDebugWrapper

# The fields whose attribute is what the database stores (psycopg adapts it): every other
# field's value goes through the field, as ``bulk_create`` does it.
_PLAIN = frozenset({
    "AutoField", "BigAutoField", "BigIntegerField", "BooleanField", "CharField", "DateField",
    "DateTimeField", "DecimalField", "IntegerField", "PositiveBigIntegerField",
    "PositiveIntegerField", "PositiveSmallIntegerField", "SmallIntegerField", "TextField",
})  # fmt: skip


def fast_path(count: int) -> bool:
    """Whether ``count`` rows of a table go by ``COPY``: on PostgreSQL, from two on. One
    deposit alone (the API's, the entry page's) keeps its ``INSERT``s: the query that takes the
    ids would cost it a round trip for a CPU gain it does not see (measured: the same)."""
    return count > 1 and connection.vendor == "postgresql"


def reserve_ids(counts: Sequence[tuple[type[models.Model], int]]) -> list[list[int]]:
    """``count`` new ids of each model's table, ascending, from its sequence: one query."""
    columns = ", ".join(
        "ARRAY(SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s))"
        for _ in counts
    )
    params: list[Any] = []
    for model, count in counts:
        params += [model._meta.db_table, model._meta.pk.column, count]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns}", params)
        row = cursor.fetchone()
    return [sorted(ids) for ids in row]


def _value_of(field: models.Field[Any, Any]) -> Callable[[models.Model], Any]:
    """How ``bulk_create`` gets ``field``'s value for a new row, without its general path
    where the attribute is the value."""
    attname = field.attname
    if field.is_relation:

        def related(obj: models.Model) -> Any:
            value = getattr(obj, attname)
            # A relation's cache (FieldCacheMixin) is not in the stubs' Field.
            if value is None and field.is_cached(obj):  # type: ignore[attr-defined]
                target = field.get_cached_value(obj)  # type: ignore[attr-defined]
                value = None if target is None else target.pk
                setattr(obj, attname, value)
            return value

        return related
    if (
        field.get_internal_type() in _PLAIN
        and not getattr(field, "auto_now", False)
        and not (getattr(field, "auto_now_add", False))
    ):
        return lambda obj: getattr(obj, attname)
    return lambda obj: field.get_db_prep_save(field.pre_save(obj, True), connection)


def copy_rows(model: type[models.Model], objs: Sequence[models.Model]) -> None:
    """Insert ``objs`` (their ids already set: ``reserve_ids``) in one ``COPY``; counted as a
    statement where Django logs them (``CaptureQueriesContext``), its errors Django's."""
    if not objs:
        return
    columns = {f.column: f for f in model._meta.concrete_fields if f.column}
    getters = [_value_of(f) for f in columns.values()]
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(column) for column in columns)
    sql = f"COPY {table} ({names}) FROM STDIN"
    with connection.cursor() as cursor:
        logged = cursor.debug_sql(sql) if isinstance(cursor, CursorDebugWrapper) else nullcontext()
        with logged, connection.wrap_database_errors, cursor.cursor.copy(sql) as copy:
            for obj in objs:
                copy.write_row([get(obj) for get in getters])
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias
