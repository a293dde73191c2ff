"""New rows of several tables written at once, the cheapest way the database offers. On
PostgreSQL: for a batch, their ids taken from the tables' sequences in one query, then a
``COPY`` per table; for one deposit, its ids taken with the facts it reads anyway
(``ids_read``), then every row of every table in one message (``insert_together``). Elsewhere
(SQLite, the zero-config setup), Django's ``bulk_create``.

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

import functools
from collections.abc import Callable, Sequence
from contextlib import nullcontext, suppress
from typing import Any

from django.db import DatabaseError, connection, models
from django.db.backends.utils import CursorDebugWrapper

from chorus.prepared import PreparedSQL, literal_writer

# The fields whose attribute is what the database stores (psycopg adapts it): every other
# field's value goes through the field, as ``bulk_create`` does it.
_PLAIN = frozenset({
    "AutoField", "BigAutoField", "BigIntegerField", "BooleanField", "CharField", "DateField",
    "DateTimeField", "DecimalField", "IntegerField", "PositiveBigIntegerField",
    "PositiveIntegerField", "PositiveSmallIntegerField", "SmallIntegerField", "TextField",
})  # fmt: skip


def fast_path(count: int) -> bool:
    """Whether ``count`` rows of a table go by ``COPY``: on PostgreSQL, from two on (one
    deposit alone, the API's or the entry page's, goes by ``insert_together``)."""
    return count > 1 and connection.vendor == "postgresql"


def reserves() -> bool:
    """Whether a single deposit takes its ids ahead (``ids_read``) and writes its rows in one
    message (``insert_together``): on PostgreSQL."""
    return connection.vendor == "postgresql"


def ids_read(counts: Sequence[tuple[type[models.Model], int]]) -> tuple[PreparedSQL, list[Any]]:
    """The read of ``count`` new ids of each model's table, from its sequence, and its values:
    for ``read_together`` (a single deposit's facts), or alone (``reserve_ids``). Its one row
    holds an array of ids per model (``ids_of``)."""
    columns = ", ".join(
        "ARRAY(SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s))"
        for _ in counts
    )
    values: list[Any] = []
    for model, count in counts:
        values += [model._meta.db_table, model._meta.pk.column, count]
    return PreparedSQL(f"SELECT {columns}"), values


def ids_of(rows: list[tuple[list[int], ...]]) -> list[list[int]]:
    """The ids ``ids_read`` took, per model, ascending."""
    [row] = rows
    return [sorted(ids) for ids in row]


def reserve_ids(counts: Sequence[tuple[type[models.Model], int]]) -> list[list[int]]:
    """``count`` new ids of each model's table, ascending, from its sequence: one query."""
    read, values = ids_read(counts)
    return ids_of(read(*values))


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


def _columns(
    model: type[models.Model], *, with_pk: bool = True
) -> tuple[str, str, list[Callable[[models.Model], Any]]]:
    """A new row's table and columns, quoted, and how to get each column's value of an object
    (``_value_of``); ``with_pk=False``: without the primary key (the table gives it). The same
    for every row of a model: made once per process (and database vendor, which quotes)."""
    return _columns_of(model, with_pk, connection.vendor)


@functools.cache
def _columns_of(
    model: type[models.Model], with_pk: bool, vendor: str
) -> tuple[str, str, list[Callable[[models.Model], Any]]]:
    fields = [f for f in model._meta.concrete_fields if f.column and (with_pk or not f.primary_key)]
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(str(f.column)) for f in fields)
    return table, names, [_value_of(f) for f in fields]


def _saved(objs: Sequence[models.Model]) -> None:
    """The objects as ``bulk_create`` leaves them: saved, in this database."""
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias


def copy_rows(model: type[models.Model], objs: Sequence[models.Model]) -> None:
    """Insert ``objs`` (their ids already set: ``reserve_ids``) in one ``COPY``; counted as a
    statement where Django logs them (``CaptureQueriesContext``), its errors Django's."""
    if not objs:
        return
    table, names, getters = _columns(model)
    sql = f"COPY {table} ({names}) FROM STDIN"
    with connection.cursor() as cursor:
        logged = cursor.debug_sql(sql) if isinstance(cursor, CursorDebugWrapper) else nullcontext()
        with logged, connection.wrap_database_errors, cursor.cursor.copy(sql) as copy:
            for obj in objs:
                copy.write_row([get(obj) for get in getters])
    _saved(objs)


SAVEPOINT = "chorus_rows"


def insert_together(tables: Sequence[tuple[type[models.Model], Sequence[models.Model]]]) -> None:
    """Insert the rows of each ``(model, objs)`` in one message: one ``INSERT`` per table, with
    the ids already set (``ids_read``), or taken by the table and read back (``RETURNING``)
    where none is, inside a savepoint written in the same message: a refused row
    (``IntegrityError``) leaves none of them, and the caller's transaction usable. In order: a
    row may name one of an earlier table. The objects end as ``bulk_create`` leaves them, saved
    with their ids. On PostgreSQL, inside a transaction.

    Each value is written into the SQL as the literal psycopg's client-side binding would send
    (``chorus.prepared.literal_writer``), so the message has no parameters: psycopg parses a
    long query with many parameters again on every call (it caches only short ones), which
    cost a deposit more than its quoting."""
    assert connection.in_atomic_block, "insert_together writes inside a transaction"
    literal = literal_writer(connection)
    statements: list[str] = []
    read_back: list[Sequence[models.Model] | None] = []
    for model, objs in tables:
        if not objs:
            continue
        numbered = all(obj.pk is not None for obj in objs)
        table, names, getters = _columns(model, with_pk=numbered)
        rows = ", ".join(
            "(" + ", ".join([literal(get(obj)) for get in getters]) + ")" for obj in objs
        )
        # The names are the models' own, quoted; every value a literal quoted by psycopg.
        statement = f"INSERT INTO {table} ({names}) VALUES {rows}"  # noqa: S608
        if not numbered:
            statement += f" RETURNING {connection.ops.quote_name(str(model._meta.pk.column))}"
        statements.append(statement)
        read_back.append(None if numbered else objs)
    if not statements:
        return
    sql = ";\n".join([f"SAVEPOINT {SAVEPOINT}", *statements, f"RELEASE SAVEPOINT {SAVEPOINT}"])
    with connection.cursor() as cursor:
        try:
            cursor.execute(sql)  # no parameters: nothing in it is read as a placeholder
        except DatabaseError:
            # A connection that died gives nothing back: its own error tells the caller.
            with suppress(DatabaseError):
                cursor.execute(f"ROLLBACK TO SAVEPOINT {SAVEPOINT}; RELEASE SAVEPOINT {SAVEPOINT}")
            raise
        for returned in read_back:  # the statements' results, after the savepoint's
            cursor.nextset()
            if returned is not None:
                for obj, (pk,) in zip(returned, cursor.fetchall(), strict=True):
                    obj.pk = pk
    for _model, objs in tables:
        _saved(objs)
