"""Reads whose SQL is compiled once per process, then run with new values.

Django compiles a QuerySet into SQL on every evaluation; for the small indexed reads of a hot
request that costs several times the query itself (measured on the API deposit: ~0.7 ms of CPU
to compile a one-table read, ~0.1 ms to run it and build its rows). A ``PreparedQuery`` is the
same QuerySet, written as usual with placeholders where its values go: the first call compiles
it, each call runs that SQL with its own values and builds the objects as Django does (its
converters, ``from_db``, ``select_related``'s related objects). Same SQL, same objects, one query
counted as any other (the connection's cursor, its execute wrappers).

Each placeholder must reach the SQL as one parameter, exactly once: an equality, a comparison, a
``LIMIT`` left alone. A QuerySet whose SQL would change with its values (``__in`` a list, an
empty set, a value that chooses a branch) is not one to prepare; the compilation checks that
each placeholder was found once, and refuses otherwise. The values reach the database as they
are, without the fields' conversions: pass what the columns hold (ids, strings, aware datetimes).
The SQL is that of the first call's settings: no lookup whose SQL names the time zone (``__date``).

On PostgreSQL each read then runs as a statement prepared once per database session (``_send``:
``PREPARE`` the first time a session meets its SQL, ``EXECUTE`` with the values after): the
server parses and plans it once per session rather than at every request — on an API deposit,
planning was half of what PostgreSQL spent on its reads (issue 15). Turned off by
``DATABASE_PREPARED_STATEMENTS`` (behind PgBouncer in transaction mode, whose server sessions
are not the client's).

On PostgreSQL only: elsewhere (SQLite, the development default) the backend converts some values
into the SQL's parameters as it compiles (dates and times into text), so a placeholder cannot be
found again; there the QuerySet is simply evaluated with its values, as the ORM always does.
"""

from __future__ import annotations

import itertools
import re
import weakref
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from django.conf import settings
from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.models import Model, QuerySet
from django.db.models.query import get_related_populators
from psycopg.adapt import Transformer

M = TypeVar("M", bound=Model)


def _prepares(alias: str) -> bool:
    """Whether reads on this database are compiled once (see the module's docstring)."""
    return connections[alias].vendor == "postgresql"


def _slots(params: Any, placeholders: tuple[Any, ...]) -> list[int]:
    """Where each placeholder's value goes among the SQL's parameters."""
    slots = []
    for placeholder in placeholders:
        found = [i for i, value in enumerate(params) if value == placeholder]
        if len(found) != 1:
            raise ValueError(
                f"Placeholder {placeholder!r} appears {len(found)} times in the parameters "
                "of the prepared query: each must appear exactly once."
            )
        slots.append(found[0])
    return slots


def _sql_of(compiler: Any, placeholders: tuple[Any, ...]) -> tuple[str, list[Any], list[int]]:
    """A compiled query's SQL, its parameters, and where each placeholder's value goes."""
    try:
        sql, params = compiler.as_sql()
    except (EmptyResultSet, FullResultSet):
        raise ValueError(
            "A placeholder of the prepared query decided its SQL (a value no row can have?): "
            "each must reach the SQL as a parameter, exactly once."
        ) from None
    return sql, list(params), _slots(params, placeholders)


_PLACEHOLDER = re.compile(r"%s|%%")


def _pieces(sql: str) -> list[str]:
    """The SQL around its ``%s`` placeholders, each ``%%`` read as the ``%`` it stands for (as
    psycopg reads them): ``literal_sql`` puts the values back between the pieces."""
    pieces = [""]
    position = 0
    for found in _PLACEHOLDER.finditer(sql):
        pieces[-1] += sql[position : found.start()]
        if found.group() == "%%":
            pieces[-1] += "%"
        else:
            pieces.append("")
        position = found.end()
    pieces[-1] += sql[position:]
    return pieces


def literal_writer(connection: Any) -> Callable[[Any], str]:
    """How a value is written into SQL on this connection (Django's): the literal psycopg's
    client-side binding would send for it as a parameter (``Transformer.as_literal``, what
    ``psycopg.sql.Literal`` writes). For a message sent without parameters, which psycopg then
    does not parse (it caches the parsing only of queries under 4 KB and 50 parameters)."""
    connection.ensure_connection()
    literal = Transformer.from_context(connection.connection).as_literal
    encoding = connection.connection.info.encoding
    return lambda value: literal(value).decode(encoding)


def _literal_sql(pieces: list[str], params: list[Any], literal: Callable[[Any], str]) -> str:
    """The SQL with each parameter written in (``literal_writer``)."""
    parts = [pieces[0]]
    for param, piece in zip(params, pieces[1:], strict=True):
        parts += [literal(param), piece]
    return "".join(parts)


def _filled(params: list[Any], slots: list[int], values: tuple[Any, ...]) -> list[Any]:
    """The parameters with each placeholder replaced by its value."""
    filled = list(params)
    for slot, value in zip(slots, values, strict=True):
        filled[slot] = value
    return filled


class _Statement:
    """SQL with ``%s`` parameters on database ``db``: the QuerySet's own constants (a status it
    excludes…) and, at ``slots``, the values each call passes; ``params`` None: every parameter
    is a call's value."""

    def __init__(
        self, sql: str, params: list[Any] | None, slots: list[int] | None, db: str
    ) -> None:
        self.sql, self.db = sql, db
        self.pieces = _pieces(sql)
        count = len(self.pieces) - 1
        self.params = [None] * count if params is None else params
        self.slots = list(range(count)) if slots is None else slots
        self._prepared: str | None = None

    def run(self, values: tuple[Any, ...]) -> list[Any]:
        [rows] = _send(connections[self.db], [(self, values)])
        return self.objects(rows)

    def objects(self, rows: list[Any]) -> list[Any]:
        """What a read gives of its rows: the rows themselves, unless a subclass builds more."""
        return rows

    def literal_sql(self, values: tuple[Any, ...], literal: Callable[[Any], str]) -> str:
        """The SQL with its constants and these values written in."""
        return _literal_sql(self.pieces, _filled(self.params, self.slots, values), literal)

    def prepared_sql(self, literal: Callable[[Any], str]) -> str:
        """The body of its ``PREPARE``: the constants written in, so that the server plans with
        them (a partial index whose condition names one stays usable), ``$1``, ``$2``… where
        the values go, in the order of the call's values. Made once. It names the statement in
        a session: two reads of the same SQL whose constants differ are two statements."""
        if self._prepared is None:
            numbers = {slot: number for number, slot in enumerate(self.slots, start=1)}
            parts = [self.pieces[0]]
            for position, piece in enumerate(self.pieces[1:]):
                number = numbers.get(position)
                parts += [literal(self.params[position]) if number is None else f"${number}"]
                parts.append(piece)
            self._prepared = "".join(parts)
        return self._prepared


class _Compiled(_Statement):
    def __init__(self, queryset: QuerySet[Any], placeholders: tuple[Any, ...]) -> None:
        compiler = queryset.query.get_compiler(using=queryset.db)
        super().__init__(*_sql_of(compiler, placeholders), queryset.db)
        if compiler.annotation_col_map or getattr(queryset, "_known_related_objects", None):
            raise ValueError("A prepared query reads plain rows (and select_related) only.")
        self.compiler = compiler
        klass_info = compiler.klass_info
        assert klass_info is not None
        self.model = klass_info["model"]
        fields = klass_info["select_fields"]
        self.start, self.end = fields[0], fields[-1] + 1
        self.init_list = [f[0].target.attname for f in compiler.select[self.start : self.end]]
        # Django 5.2's signature (the stubs follow a later Django, with a fetch mode).
        self.populators = get_related_populators(klass_info, compiler.select, self.db)  # type: ignore[call-arg]
        columns = [column[0] for column in compiler.select[: compiler.col_count]]
        if compiler.has_composite_fields(columns):
            raise ValueError("A prepared query reads no composite primary key.")
        self.converters = compiler.get_converters(columns)

    def objects(self, rows: list[Any]) -> list[Any]:
        if not rows:
            return []
        if self.converters:
            rows = list(self.compiler.apply_converters(rows, self.converters))
        objects = []
        for row in rows:
            obj = self.model.from_db(self.db, self.init_list, row[self.start : self.end])
            for populator in self.populators:
                populator.populate(row, obj)
            objects.append(obj)
        return objects


class _Prepared:
    """A QuerySet ``build(*placeholders)`` and its database, for the two kinds below."""

    def __init__(self, build: Callable[..., QuerySet[Any]], *placeholders: Any) -> None:
        self.build = build
        self.placeholders = placeholders
        self._alias: str | None = None

    def alias(self) -> str:
        if self._alias is None:
            self._alias = self.build(*self.placeholders).db
        return self._alias

    def check(self, values: tuple[Any, ...]) -> None:
        if len(values) != len(self.placeholders):
            raise TypeError(f"{len(self.placeholders)} values expected, {len(values)} given.")


class PreparedQuery(_Prepared, Generic[M]):
    """``build(*placeholders)`` is the QuerySet; ``query(*values)`` its objects for these values.

    ``placeholders``: one value per parameter, each one a value no real call passes (e.g. a
    negative id, ``PreparedQuery.MOMENT`` for a date and time). Compiled once per database
    connection (a connection belongs to one thread)."""

    MOMENT = datetime(1901, 2, 3, 4, 5, 6, 789012, tzinfo=UTC)

    def __init__(self, build: Callable[..., QuerySet[M]], *placeholders: Any) -> None:
        super().__init__(build, *placeholders)
        self._compiled: weakref.WeakKeyDictionary[Any, _Compiled] = weakref.WeakKeyDictionary()

    def compiled(self, values: tuple[Any, ...]) -> _Compiled:
        self.check(values)
        connection = connections[self.alias()]
        compiled = self._compiled.get(connection)
        if compiled is None:
            queryset = self.build(*self.placeholders)
            compiled = self._compiled[connection] = _Compiled(queryset, self.placeholders)
        return compiled

    def __call__(self, *values: Any) -> list[M]:
        if not _prepares(self.alias()):
            return list(self.build(*values))
        return self.compiled(values).run(values)

    def first(self, *values: Any) -> M | None:
        found = self(*values)
        return found[0] if found else None


class PreparedSQL(_Statement):
    """A read written in SQL, its values as ``%s`` parameters in order, its rows as tuples: for
    what no QuerySet says (the next values of sequences), to be sent with the others by
    ``read_together``. ``query(*values)`` runs it alone."""

    def __init__(self, sql: str, using: str = DEFAULT_DB_ALIAS) -> None:
        super().__init__(sql, None, None, using)

    def alias(self) -> str:
        return self.db

    def compiled(self, values: tuple[Any, ...]) -> PreparedSQL:  # as a _Compiled
        return self

    def __call__(self, *values: Any) -> list[Any]:
        return self.run(values)


def read_together(
    *reads: tuple[PreparedQuery[Any] | PreparedSQL, tuple[Any, ...]],
) -> list[list[Any]]:
    """Several prepared reads in one round trip: ``[query(*values) for query, values in reads]``.

    Their statements go in one ``execute`` (``_send``: psycopg's client-side binding sends them
    as one message and returns one result set each), so the database is asked once: counted as
    one query. Reads on different databases, or a connection binding its parameters on the server
    (which takes one statement at a time), are run one by one."""
    if not all(_prepares(query.alias()) for query, _values in reads):
        return [query(*values) for query, values in reads]
    compiled = [query.compiled(values) for query, values in reads]
    aliases = {each.db for each in compiled}
    connection = connections[compiled[0].db] if len(aliases) == 1 else None
    if connection is None or _binds_on_server(connection):
        return [each.run(values) for each, (_query, values) in zip(compiled, reads, strict=True)]
    pairs = [(each, values) for each, (_query, values) in zip(compiled, reads, strict=True)]
    found = _send(connection, pairs)
    return [each.objects(rows) for each, rows in zip(compiled, found, strict=True)]


# --- One message, each statement prepared once per session -----------------------------------
class _Session:
    """The statements prepared in one database session (a psycopg connection, which the pool
    lends request after request): each statement (``_Statement.prepared_sql``) and its name. A
    name is never given twice in a process, so a PREPARE whose message failed — it may or may
    not have run, and a rollback does not undo it — is never sent again under the same name;
    ``given`` counts the names given, run or not, and bounds what a session holds whatever SQL
    comes its way."""

    MOST = 200

    def __init__(self) -> None:
        self.names: dict[str, str] = {}
        self.given = 0

    def new_name(self) -> str | None:
        if self.given >= self.MOST:
            return None
        self.given += 1
        return f"chorus_{next(_NAMES)}"

    def lost(self) -> None:
        """The server forgot them (``DEALLOCATE ALL``, ``DISCARD ALL``): start again."""
        self.names.clear()
        self.given = 0

    def outdated(self) -> None:
        """A table's columns changed under them (a migration while this process runs): the
        next reads prepare again, under new names; the old statements stay in the session,
        counted (``given``)."""
        self.names.clear()


_SESSIONS: weakref.WeakKeyDictionary[Any, _Session] = weakref.WeakKeyDictionary()
_NAMES = itertools.count(1)
UNDEFINED_PREPARED_STATEMENT = "26000"  # PostgreSQL's SQLSTATE for an unknown statement name
# "cached plan must not change result type": a column a statement reads changed type since.
FEATURE_NOT_SUPPORTED = "0A000"


def _send(connection: Any, reads: Sequence[tuple[_Statement, tuple[Any, ...]]]) -> list[list[Any]]:
    """The rows of each read, all sent in one message (one round trip, one query counted).

    Each read runs as a statement prepared in the session: ``EXECUTE name(values)``, the values
    written in as literals (``literal_writer``), after a ``PREPARE`` in the same message the first
    time the session meets its SQL. PostgreSQL then parses and plans a read once per session
    instead of at every request (half its work on an API deposit's reads: issue 15). Off
    (``DATABASE_PREPARED_STATEMENTS``: behind PgBouncer in transaction mode, whose sessions are
    not the client's), each read is its SQL with the values written in."""
    literal = literal_writer(connection)
    session = None
    # A cursor binding its parameters on the server takes one statement per message.
    if settings.DATABASE_PREPARED_STATEMENTS and not _binds_on_server(connection):
        session = _SESSIONS.get(connection.connection)
        if session is None:
            session = _SESSIONS[connection.connection] = _Session()
    statements: list[str] = []
    preparing: dict[str, str] = {}
    leading: list[bool] = []  # per read, whether a PREPARE's result comes before its rows
    for read, values in reads:
        name, lead = None, False
        if session is not None:
            body = read.prepared_sql(literal)
            name = session.names.get(body) or preparing.get(body)
            if name is None and (name := session.new_name()) is not None:
                preparing[body] = name
                statements.append(f"PREPARE {name} AS {body}")
                lead = True
        leading.append(lead)
        if name is None:
            statements.append(read.literal_sql(values, literal))
        elif values:
            statements.append(f"EXECUTE {name}({', '.join(literal(value) for value in values)})")
        else:
            statements.append(f"EXECUTE {name}")
    results = []
    with connection.cursor() as cursor:
        try:
            cursor.execute(";\n".join(statements))  # no parameters: nothing is a placeholder
        except DatabaseError as error:
            if session is not None and _sqlstate(error) == UNDEFINED_PREPARED_STATEMENT:
                session.lost()
            elif session is not None and _sqlstate(error) == FEATURE_NOT_SUPPORTED:
                session.outdated()
            raise
        for prepared in leading:
            if prepared:
                cursor.nextset()
            results.append(cursor.fetchall())
            cursor.nextset()
    if session is not None:
        session.names.update(preparing)
    return results


def _binds_on_server(connection: Any) -> bool:
    return bool(connection.settings_dict.get("OPTIONS", {}).get("server_side_binding"))


def _sqlstate(error: DatabaseError) -> str | None:
    """The SQLSTATE of psycopg's error that Django's wraps."""
    return getattr(error.__cause__, "sqlstate", None)


def first_of(queryset: QuerySet[M]) -> QuerySet[M]:
    """The QuerySet ``queryset.first()`` runs: its order (the primary key when it has none),
    one row."""
    return (queryset if queryset.ordered else queryset.order_by("pk"))[:1]


class PreparedExists(_Prepared):
    """``build(*placeholders).exists()``, its SQL compiled once per database connection."""

    def __init__(self, build: Callable[..., QuerySet[Any]], *placeholders: Any) -> None:
        super().__init__(build, *placeholders)
        self._compiled: weakref.WeakKeyDictionary[Any, _Statement] = weakref.WeakKeyDictionary()

    def __call__(self, *values: Any) -> bool:
        self.check(values)
        if not _prepares(self.alias()):
            return self.build(*values).exists()
        connection = connections[self.alias()]
        statement = self._compiled.get(connection)
        if statement is None:
            queryset = self.build(*self.placeholders)
            compiler = queryset.query.exists().get_compiler(using=queryset.db)
            statement = self._compiled[connection] = _Statement(
                *_sql_of(compiler, self.placeholders), queryset.db
            )
        return bool(statement.run(values))


def prefetched(instance: Model, name: str, objects: list[Any]) -> None:
    """Fill Django's own prefetch cache of ``instance.<name>`` (a reverse foreign key) with
    ``objects``, each knowing ``instance``, as ``prefetch_related`` leaves them: reading
    ``instance.<name>.all()`` then costs no query. For rows just read together, or just written."""
    manager = getattr(instance, name)
    for obj in objects:
        manager.field.set_cached_value(obj, instance)
    queryset = manager.get_queryset()
    queryset._result_cache = objects
    queryset._prefetch_done = True
    # Django's private cache, unknown to the stubs (prefetch_related fills it the same way).
    cache = instance.__dict__.setdefault("_prefetched_objects_cache", {})
    cache[name] = queryset
