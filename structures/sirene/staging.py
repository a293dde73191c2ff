"""PostgreSQL's import path: the raw CSV goes into a staging table by ``COPY``, and PostgreSQL
checks and transforms it, one ``INSERT … SELECT … ON CONFLICT`` per chunk.

Python only cuts the file into chunks of whole rows (``COPY`` parses the CSV in C, far faster
than the csv module) and words the rejections, which are rare. The checks and the
transformation are those of ``reader.StockReader``, written in SQL; a test runs both readers
on the same files. A chunk that ``COPY`` cannot read (a row of the wrong width, a byte that is
not UTF-8, a blank line) or whose rows span several lines (line numbers would be lost) goes
through the Python reader instead, so that every malformed row is still reported with its
line number. Each chunk is written in its own transaction, as the Python path writes each batch.
"""

from __future__ import annotations

import io
import queue
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING

import psycopg
from django.db import connection, connections, transaction

from structures.sirene import loader
from structures.sirene.reader import (
    LEGAL_CATEGORY_COLUMN,
    REPETITION_INDEXES,
    REQUIRED_COLUMNS,
    STREET_TYPES,
    Rejection,
    StockReader,
    public_category_sql,
    rejection_reason,
)

if TYPE_CHECKING:
    from structures.sirene.importer import ImportSummary, Progress

BLOCK = 1 << 20


@dataclass(frozen=True)
class Chunk:
    data: bytes
    first_line: int  # the file's line number of the chunk's first line
    lines: int  # physical lines in ``data``


def chunks(stream: IO[bytes], *, rows: int, first_line: int) -> Iterator[Chunk]:
    """Whole rows of the stream, about ``rows`` lines at a time.

    The size in bytes is estimated from the lines read so far (finding each line break from
    Python would cost more than the rest of the import). A chunk ends at a line break outside
    quotes (an even count of ``"`` since its start: a quoted field may hold a line break);
    blank lines at the end of the file are left out.
    """
    buffer = b""
    line = first_line
    eof = False
    seen_bytes, seen_lines = 0, 0
    while not eof or buffer:
        line_size = seen_bytes / seen_lines if seen_lines else 200
        wanted = max(int(rows * line_size), 1)
        while not eof and len(buffer) < wanted:
            block = stream.read(max(BLOCK, wanted - len(buffer)))
            eof = not block
            buffer += block
        cut = len(buffer) if eof else _cut(buffer, wanted)
        data, buffer = buffer[:cut], buffer[cut:]
        lines = data.count(b"\n")
        seen_bytes, seen_lines = seen_bytes + len(data), seen_lines + lines
        if eof:
            data = data.rstrip(b"\r\n")
            lines = data.count(b"\n") + 1 if data else 0
            if data:
                data += b"\n"
        if data:
            yield Chunk(data, line, lines)
        line += lines


def _cut(buffer: bytes, size: int) -> int:
    """The offset just after the last line break before ``size`` (or the first one after it)
    that is outside quotes; the whole buffer when there is none."""
    position = buffer.rfind(b"\n", 0, size)
    if position < 0:
        position = buffer.find(b"\n", size)
    while position >= 0 and buffer.count(b'"', 0, position) % 2:
        position = buffer.find(b"\n", position + 1)
    return len(buffer) if position < 0 else position + 1


# --- SQL ---------------------------------------------------------------------------------------
def _doubled(digit: int) -> int:
    """Luhn's doubled digit: 2d, less 9 when that has two digits."""
    return 2 * digit - 9 * (digit // 5)


def _pairs(value: Callable[[int, int], int]) -> str:
    """An SQL array of ``value(a, b)`` for the hundred pairs of digits ab (index 10a + b + 1)."""
    return "'{" + ",".join(str(value(n // 10, n % 10)) for n in range(100)) + "}'::int[]"


# Luhn by pairs of digits: one array lookup per two digits, not a dozen operations per digit
# (PostgreSQL evaluates each operation of an expression one by one).
_FIRST_DOUBLED = _pairs(lambda a, b: _doubled(a) + b)
_SECOND_DOUBLED = _pairs(lambda a, b: a + _doubled(b))
_SUM = _pairs(lambda a, b: a + b)


def _pair(siret: str, position: int, table: str) -> str:
    return f"({table})[substr({siret}, {position}, 2)::int + 1]"


def siren_is_valid_sql(siren: str) -> str:
    """``siret.is_valid_siren_fast`` in SQL: 9 ASCII digits, Luhn (the 2nd, 4th… doubled)."""
    total = " + ".join(
        [*(_pair(siren, p, _SECOND_DOUBLED) for p in (1, 3, 5, 7)), f"substr({siren}, 9, 1)::int"]
    )
    return (
        f"CASE WHEN octet_length({siren}) <> 9 OR ltrim({siren}, '0123456789') <> '' THEN false "
        f"ELSE ({total}) % 10 = 0 END"
    )


def _siret_is_valid(siret: str) -> str:
    """``siret.is_valid_fast`` in SQL: 14 ASCII digits, Luhn on the SIREN (its 9 digits: from
    the last, one in two doubled, so the 2nd, 4th… of the SIRET) and on the SIRET (the 1st,
    3rd… doubled), La Poste's establishments by the sum of their digits. CASE keeps the order
    of the checks: a lookup never sees anything but digits."""
    siren_sum = " + ".join(
        [*(_pair(siret, p, _SECOND_DOUBLED) for p in (1, 3, 5, 7)), f"substr({siret}, 9, 1)::int"]
    )
    siret_sum = " + ".join(_pair(siret, p, _FIRST_DOUBLED) for p in range(1, 14, 2))
    digit_sum = " + ".join(_pair(siret, p, _SUM) for p in range(1, 14, 2))
    return (
        f"CASE WHEN octet_length({siret}) <> 14 OR ltrim({siret}, '0123456789') <> '' THEN false "
        f"WHEN ({siren_sum}) % 10 <> 0 THEN false "
        f"WHEN {siret} LIKE '356000000%' AND {siret} <> '35600000000048' "
        f"THEN ({digit_sum}) % 5 = 0 "
        f"ELSE ({siret_sum}) % 10 = 0 END"
    )


def _mapping(column: str, mapping: dict[str, str]) -> str:
    """A code spelled out, or itself when unknown; NULL when empty (skipped by concat_ws)."""
    cases = " ".join(f"WHEN '{code}' THEN '{label}'" for code, label in mapping.items())
    return f"CASE {column} WHEN '' THEN NULL {cases} ELSE {column} END"


class Columns:
    """The staging table's columns (c0…cN, as in the file) by INSEE's names."""

    def __init__(self, header: list[str]) -> None:
        self.width = len(header)
        self.header = header

    def __getitem__(self, name: str) -> str:
        if name in self.header:
            return f"c{self.header.index(name)}"
        return "''::text"  # an optional column the file does not have


def staging_table(width: int, kind: str = "raw") -> str:
    """A temporary table per kind of file and width: its ``valid`` column is the kind's check."""
    return f"sirene_{kind}_{width}"


def _source_sql(columns: Columns) -> tuple[str, str]:
    """The SELECT of checked, transformed rows (last row of a SIRET wins), and the check."""
    c = columns
    siret, siren, nic, state = c["siret"], c["siren"], c["nic"], c["etatAdministratifEtablissement"]
    valid = (
        f"{state} IN ('A', 'F') AND length({siren}) = 9 AND {siret} = {siren} || {nic} "
        f"AND {_siret_is_valid(siret)}"
    )
    legal, last, first = c["denominationUniteLegale"], c["nomUniteLegale"], c["prenom1UniteLegale"]
    usual, sign = c["denominationUsuelleEtablissement"], c["enseigne1Etablissement"]
    name = (
        f"CASE WHEN {legal} <> '' THEN {legal} "
        f"WHEN {last} <> '' THEN CASE WHEN {first} <> '' THEN {first} || ' ' || {last} "
        f"ELSE {last} END "
        f"WHEN {usual} <> '' THEN {usual} ELSE {sign} END"
    )
    line = (
        f"concat_ws(' ', NULLIF({c['numeroVoieEtablissement']}, ''), "
        f"{_mapping(c['indiceRepetitionEtablissement'], REPETITION_INDEXES)}, "
        f"{_mapping(c['typeVoieEtablissement'], STREET_TYPES)}, "
        f"NULLIF({c['libelleVoieEtablissement']}, ''))"
    )
    extra = c["complementAdresseEtablissement"]
    category = c[LEGAL_CATEGORY_COLUMN]
    select = (
        # Generated column names and constants only: nothing from the file reaches the SQL.
        f"SELECT DISTINCT ON ({siret}) {siret} AS siret, {siren} AS siren, "  # noqa: S608
        f"left({name}, 255) AS name, "
        f"left(CASE WHEN {extra} <> '' AND line <> '' THEN {extra} || ', ' || line "
        f"WHEN {extra} <> '' THEN {extra} ELSE line END, 255) AS address, "
        f"left({c['codePostalEtablissement']}, 10) AS postal_code, "
        f"left({c['libelleCommuneEtablissement']}, 100) AS city, "
        f"{state} = 'A' AS is_active, left({category}, 4) AS legal_category, "
        f"{public_category_sql(category)} AS is_public_body "
        f"FROM {staging_table(c.width)} CROSS JOIN LATERAL (SELECT {line} AS line) AS address "
        f"WHERE valid ORDER BY {siret}, n DESC"
    )
    return select, valid


# --- the import --------------------------------------------------------------------------------
class StagingImport:
    """One file's import through the staging table: the establishments' (``StockEtablissement``);
    ``legal_units.LegalUnitStagingImport`` changes the statements for ``StockUniteLegale``."""

    required_columns: tuple[str, ...] = REQUIRED_COLUMNS

    def __init__(
        self,
        *,
        name: str,
        header_line: str,
        reader: StockReader,
        summary: ImportSummary,
        progress: Progress | None,
        on_rejection: Callable[[str, Rejection], None] | None,
        fallback: Callable[[StockReader, int], None],
        with_category: bool | None = None,
    ) -> None:
        self.name = name
        self.header_line = header_line
        self.columns = Columns(reader.header)
        self.with_category = reader.has_legal_category if with_category is None else with_category
        self.summary = summary
        self.progress = progress
        self.on_rejection = on_rejection
        self.fallback = fallback
        self.valid, self.merge = self._statements()
        names = ", ".join(f"c{i}" for i in range(self.columns.width))
        self.copy_sql = (
            f"COPY {self._table()} ({names}) FROM STDIN WITH (FORMAT csv, FORCE_NOT_NULL ({names}))"
        )

    def _statements(self) -> tuple[str, str]:
        """The check of a staged row, and the merge of the checked rows, which answers how
        many there were and how many were inserted or changed."""
        select, valid = _source_sql(self.columns)
        merge = (
            f"WITH checked AS MATERIALIZED ({select}), "  # noqa: S608
            f"written AS ({loader.merge_sql(self.with_category, 'checked')} RETURNING 1) "
            "SELECT (SELECT count(*) FROM checked), (SELECT count(*) FROM written)"
        )
        return valid, merge

    def _reason(self, values: dict[str, str]) -> str:
        return rejection_reason(values)

    def _table(self) -> str:
        return staging_table(self.columns.width)

    def _reader(self, stream: IO[str]) -> StockReader:
        return StockReader(stream)  # type: ignore[arg-type]

    def run(self, stream: IO[bytes], *, rows: int) -> None:
        """Chunk by chunk on the caller's connection; or, outside a transaction, on two
        connections of their own, so that PostgreSQL reads one chunk while it merges the
        previous one (on two cores): merges and reports still follow the file's order."""
        parts = chunks(stream, rows=rows, first_line=2)
        if connection.in_atomic_block:
            for chunk in parts:
                self._process(chunk, nullcontext)
            return
        turns = _Turns()
        work: queue.Queue[tuple[int, Chunk] | None] = queue.Queue(maxsize=2)

        def worker() -> None:
            try:
                # After a failure, the queue is still drained: the reader never blocks.
                while (item := work.get()) is not None:
                    index, chunk = item
                    if turns.error is not None:
                        continue
                    try:
                        self._process(chunk, lambda index=index: turns.turn(index))
                    except BaseException as exc:
                        turns.fail(exc)
            finally:
                connections.close_all()  # this thread's connection only

        threads = [threading.Thread(target=worker, name=f"sirene-{n}") for n in range(2)]
        for thread in threads:
            thread.start()
        try:
            for index, chunk in enumerate(parts):
                if turns.error is not None:
                    break
                work.put((index, chunk))
        finally:
            for _thread in threads:
                work.put(None)
            for thread in threads:
                thread.join()
        if turns.error is not None:
            raise turns.error

    def _process(self, chunk: Chunk, turn: Callable[[], AbstractContextManager[object]]) -> None:
        if not self._through_sql(chunk, turn):
            with turn():
                self._through_python(chunk)
                self._progress()

    def _progress(self) -> None:
        if self.progress is not None:
            self.progress.update(self.name, self.summary.read, self.summary.rejected)

    def _prepare(self, cursor: psycopg.Cursor) -> None:
        table = self._table()
        columns = ", ".join(f"c{i} text" for i in range(self.columns.width))
        # Temporary: invisible to other sessions, and written without WAL. ``n`` numbers the
        # rows in the order COPY read them: the chunk's lines, since each row is one line.
        # ``valid`` is computed once, as COPY writes the row.
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {table} "
            f"(n bigint GENERATED ALWAYS AS IDENTITY, {columns}, "
            f"valid boolean GENERATED ALWAYS AS ({self.valid}) STORED)"
        )
        cursor.execute(f"TRUNCATE {table} RESTART IDENTITY")
        # Room to sort a chunk by SIRET in memory (the default spills it to disk).
        cursor.execute("SET LOCAL work_mem = '64MB'")

    def _through_sql(
        self, chunk: Chunk, turn: Callable[[], AbstractContextManager[object]]
    ) -> bool:
        """False when COPY could not take the chunk as it is (nothing is then written)."""
        with transaction.atomic(), connection.cursor() as cursor:
            try:
                # A savepoint: a chunk COPY refuses leaves the transaction usable.
                with transaction.atomic():
                    self._prepare(cursor)
                    with cursor.copy(self.copy_sql) as copy:
                        copy.write(chunk.data)
                    read = cursor.rowcount
                    if read != chunk.lines:
                        raise _MultiLineRows
            except (_MultiLineRows, psycopg.DataError):
                return False
            rejected = self._rejections(cursor, chunk)
            # A SIRET in two chunks: the later chunk's merge waits for the earlier one's row,
            # then overwrites it, so the file's last row wins as in the Python path.
            with turn():
                cursor.execute(self.merge)
                imported, changed, *_carried = cursor.fetchone()
                self._account(read, rejected, imported, changed)
        return True

    def _account(self, read: int, rejected: list[Rejection], imported: int, changed: int) -> None:
        self.summary.read += read
        self.summary.rejected += len(rejected)
        self.summary.imported += imported
        self.summary.changed += changed
        if self.on_rejection is not None:
            for rejection in rejected:
                self.on_rejection(self.name, rejection)
        self._progress()

    def _rejections(self, cursor: psycopg.Cursor, chunk: Chunk) -> list[Rejection]:
        required = self.required_columns
        wanted = ", ".join(self.columns[name] for name in required)
        table = self._table()
        cursor.execute(f"SELECT n, {wanted} FROM {table} WHERE NOT valid ORDER BY n")  # noqa: S608
        return [
            Rejection(
                chunk.first_line + n - 1,
                self._reason(dict(zip(required, values, strict=True))),
            )
            for n, *values in cursor.fetchall()
        ]

    def _through_python(self, chunk: Chunk) -> None:
        text = chunk.data.decode("utf-8", errors="replace")
        reader = self._reader(io.StringIO(self.header_line + text))
        # The sub-reader counts the header as line 1: its line 2 is the chunk's first line.
        self.fallback(reader, chunk.first_line - 2)


class _Turns:
    """Chunks take their turn in the file's order; a failure releases every waiting thread."""

    def __init__(self) -> None:
        self.next = 0
        self.error: BaseException | None = None
        self.condition = threading.Condition()

    @contextmanager
    def turn(self, index: int) -> Iterator[None]:
        with self.condition:
            self.condition.wait_for(lambda: self.next == index or self.error is not None)
            if self.error is not None:
                raise _Abandoned
        try:
            yield
        finally:
            with self.condition:
                self.next += 1
                self.condition.notify_all()

    def fail(self, error: BaseException) -> None:
        with self.condition:
            if self.error is None and not isinstance(error, _Abandoned):
                self.error = error
            self.condition.notify_all()


class _Abandoned(Exception):
    """Another chunk failed: this one gives up its turn."""


class _MultiLineRows(Exception):
    """A quoted field held a line break: rows and lines differ, line numbers would be wrong."""


def read_header(stream: IO[bytes]) -> tuple[str, StockReader]:
    """The header line (as text) and a reader that checked it (raises StockFileError): the
    establishments' reader, or the legal units' (``legal_units.reader_for``)."""
    from structures.sirene.legal_units import reader_for

    raw = stream.readline()
    text = raw.decode("utf-8-sig", errors="replace")
    return text, reader_for(io.StringIO(text))
