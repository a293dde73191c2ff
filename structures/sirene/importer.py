"""Importing stock files: read rows, set the bad ones aside, write the good ones in batches.

Each batch is written in its own transaction (``services.sirene_establishments_upsert``): an
import stopped half-way keeps what it wrote, and running it again finishes the job, since every
write is an upsert keyed by SIRET.

Two paths with the same result (tests/structures/test_import_staged.py compares them): on
PostgreSQL the file is COPYed in chunks into a staging table and checked, transformed and merged
in SQL (``staging``); elsewhere (SQLite in development) Python reads, checks and transforms each
row (``reader``) and writes batches (``loader``).
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from django.db import connection, connections
from django.utils import timezone
from django.utils.translation import gettext as _

from structures.sirene import staging
from structures.sirene.legal_units import (
    LegalUnit,
    LegalUnitReader,
    LegalUnitStagingImport,
    reader_for,
    search_index_after_first_load,
)
from structures.sirene.reader import (
    Record,
    Rejection,
    StockReader,
    open_stock_bytes,
    open_stock_file,
)

DEFAULT_BATCH_SIZE = 20_000


@dataclass
class ImportSummary:
    read: int = 0
    imported: int = 0
    changed: int = 0
    rejected: int = 0
    structures_changed: int = 0  # structures renamed, closed or reopened by the directory
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        return self.read / self.seconds if self.seconds > 0 else 0.0


class Progress:
    """Progress on one line: rewritten in place on a terminal, a new line every ``interval``
    seconds on a log file. Called once per batch, so the clock is read rarely."""

    def __init__(
        self, write: Callable[[str], object], *, is_tty: bool, interval: float | None = None
    ) -> None:
        self.write = write
        self.is_tty = is_tty
        self.interval = interval if interval is not None else (0.5 if is_tty else 10.0)
        self.started = time.monotonic()
        self.last = 0.0

    def update(self, name: str, read: int, rejected: int, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self.last < self.interval:
            return
        self.last = now
        rate = read / max(now - self.started, 1e-9)
        line = _("%(name)s : %(read)s lignes lues, %(rejected)s rejetées, %(rate)s lignes/s") % {
            "name": name,
            "read": _thousands(read),
            "rejected": _thousands(rejected),
            "rate": _thousands(rate),
        }
        self.write(f"\r{line}\033[K" if self.is_tty else f"{line}\n")

    def done(self) -> None:
        if self.is_tty:
            self.write("\n")


def _thousands(number: float) -> str:
    return f"{number:,.0f}".replace(",", "\u202f")


class InlineWriter:
    """Writes each batch at once, on the caller's connection (and inside its transaction):
    establishments, or legal units (``legal_units=True``)."""

    def __init__(self, *, with_category: bool, legal_units: bool = False) -> None:
        self.with_category = with_category
        self.legal_units = legal_units
        self.changed = 0

    def submit(self, records: list[Record]) -> None:
        from structures.services import sirene_establishments_upsert, sirene_legal_units_upsert

        if self.legal_units:
            self.changed += sirene_legal_units_upsert(records=records)  # type: ignore[arg-type]
            return
        self.changed += sirene_establishments_upsert(
            records=records, with_category=self.with_category
        )

    def close(self) -> int:
        return self.changed


class ThreadedWriter(InlineWriter):
    """Writes batches from a second thread, on its own connection, while the caller parses the
    next ones: PostgreSQL merges a batch on one core while Python reads CSV on the other
    (psycopg releases the GIL while it waits for the server). The queue is short, so memory
    stays at a few batches; an error in the thread is raised in the caller."""

    def __init__(self, *, with_category: bool, legal_units: bool = False, depth: int = 2) -> None:
        super().__init__(with_category=with_category, legal_units=legal_units)
        self.queue: queue.Queue[list[Record] | None] = queue.Queue(maxsize=depth)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="sirene-writer", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            while (records := self.queue.get()) is not None:
                if self.error is None:  # after an error, drain so that the caller never blocks
                    try:
                        super().submit(records)
                    except BaseException as exc:
                        self.error = exc
        finally:
            connections.close_all()  # this thread's connections only

    def submit(self, records: list[Record]) -> None:
        self._raise()
        self.queue.put(records)

    def close(self) -> int:
        self.queue.put(None)
        self.thread.join()
        self._raise()
        return self.changed

    def _raise(self) -> None:
        if self.error is not None:
            raise self.error


def _writer(*, with_category: bool, legal_units: bool = False) -> InlineWriter:
    # Only outside a transaction: the thread's writes commit on their own, which an atomic
    # block (a test, the demo) must not see happen behind its back; and SQLite has one writer.
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        return ThreadedWriter(with_category=with_category, legal_units=legal_units)
    return InlineWriter(with_category=with_category, legal_units=legal_units)


def _with_category(reader: StockReader) -> bool:
    """Whether the establishments' categories are written: the file has the column, or the
    legal units (joined by SIREN) give them."""
    from structures.models import SireneLegalUnit

    return reader.has_legal_category or SireneLegalUnit.objects.exists()


def _is_legal_units(path: Path) -> bool:
    with open_stock_file(path) as stream:
        return isinstance(reader_for(stream), LegalUnitReader)


def import_files(
    paths: Iterable[str | Path],
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: Progress | None = None,
    on_rejection: Callable[[str, Rejection], None] | None = None,
) -> ImportSummary:
    """Imports each file, the legal units' files first (the establishments then take their
    names and categories from them), then carries the closures and renames to the structures;
    raises ``StockFileError`` for a file that cannot be read."""
    from structures.services import structures_follow_directory

    summary = ImportSummary()
    started = time.monotonic()
    since = timezone.now() - timedelta(seconds=1)
    files = [Path(path) for path in paths]
    files.sort(key=lambda path: not _is_legal_units(path))  # stable: the given order otherwise
    for path in files:
        _import_file(path, summary, batch_size, progress, on_rejection)
    summary.structures_changed = structures_follow_directory(since=since)
    summary.seconds = time.monotonic() - started
    return summary


def _import_file(
    path: Path,
    summary: ImportSummary,
    batch_size: int,
    progress: Progress | None,
    on_rejection: Callable[[str, Rejection], None] | None,
) -> None:
    if connection.vendor == "postgresql":
        _import_file_staged(path, summary, batch_size, progress, on_rejection)
        return
    with open_stock_file(path) as stream:
        reader = reader_for(stream)
        _import_rows(reader, path.name, summary, batch_size, progress, on_rejection)
    if progress is not None:
        progress.update(path.name, summary.read, summary.rejected, force=True)


def _import_file_staged(
    path: Path,
    summary: ImportSummary,
    batch_size: int,
    progress: Progress | None,
    on_rejection: Callable[[str, Rejection], None] | None,
) -> None:
    """PostgreSQL: COPY into a staging table, checked and merged in SQL (``staging``); the
    chunks COPY cannot read go through the Python reader with their line numbers."""

    def fallback(reader: StockReader, line_offset: int) -> None:
        def shifted(name: str, rejection: Rejection) -> None:
            if on_rejection is not None:
                on_rejection(name, Rejection(rejection.line + line_offset, rejection.reason))

        _import_rows(reader, path.name, summary, batch_size, None, shifted)

    with open_stock_bytes(path) as stream, ExitStack() as stack:
        header_line, reader = staging.read_header(stream)
        kind = staging.StagingImport
        if isinstance(reader, LegalUnitReader):
            kind = LegalUnitStagingImport
            stack.enter_context(search_index_after_first_load())
        kind(
            name=path.name,
            with_category=_with_category(reader),
            header_line=header_line,
            reader=reader,
            summary=summary,
            progress=progress,
            on_rejection=on_rejection,
            fallback=fallback,
        ).run(stream, rows=batch_size)
    if progress is not None:
        progress.update(path.name, summary.read, summary.rejected, force=True)


def _import_rows(
    reader: StockReader,
    name: str,
    summary: ImportSummary,
    batch_size: int,
    progress: Progress | None,
    on_rejection: Callable[[str, Rejection], None] | None,
) -> None:
    """The Python path: parse, check and transform each row, write in batches."""
    legal_units = isinstance(reader, LegalUnitReader)
    kind = LegalUnit if legal_units else Record
    writer = _writer(with_category=legal_units or _with_category(reader), legal_units=legal_units)
    # A dict, so that a SIRET twice in one batch is written once (the last row wins):
    # PostgreSQL refuses to update the same row twice in one statement.
    batch: dict[str, Record] = {}
    read = summary.read  # a local: this loop runs 40 million times
    try:
        for read, item in enumerate(reader, start=summary.read + 1):
            if type(item) is kind:
                batch[item[0]] = item  # by SIRET
                if len(batch) >= batch_size:
                    summary.imported += len(batch)
                    writer.submit(list(batch.values()))
                    batch = {}
                    if progress is not None:
                        progress.update(name, read, summary.rejected)
            else:
                summary.rejected += 1
                if on_rejection is not None:
                    on_rejection(name, item)  # type: ignore[arg-type]
        if batch:
            summary.imported += len(batch)
            writer.submit(list(batch.values()))
    finally:
        summary.read = read
        summary.changed += writer.close()
