"""SIRENE import: a generated stock file in INSEE's format, imported as ``import_sirene`` does.

The file (structures.sirene.synthetic: INSEE's 48 columns, valid SIRETs, one row in 500 with a
wrong check digit) is imported into an empty directory, then again (every row known: the
rerun of a monthly stock). Each import runs in a child process so that its peak memory
(``ru_maxrss``) is its own; importing a fifth of the file as well shows whether memory grows
with the file. Baseline: PostgreSQL ``COPY`` of the same file into a bare table of text columns.

    python -m bench.sirene import PATH     (child: prints one JSON line)
    python -m bench.sirene copy PATH
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from bench.common import VAR, Row, peak_rss_mib, run_child, setup_django

TARGET_RATIO = 2.0  # import time within 2× of COPY's
BROKEN_EVERY = 500


def _child_import(path: Path) -> dict[str, float]:
    from structures.models import SireneEstablishment
    from structures.sirene.importer import import_files

    SireneEstablishment.objects.all().delete()
    first = import_files([path])
    rerun = import_files([path])
    assert first.rejected == rerun.rejected > 0, (first, rerun)
    return {
        "rows": first.read,
        "rejected": first.rejected,
        "first_seconds": first.seconds,
        "first_rate": first.read / first.seconds,
        "rerun_seconds": rerun.seconds,
        "rerun_rate": rerun.read / rerun.seconds,
        "rerun_changed": rerun.changed,
        "peak_rss_mib": peak_rss_mib(),
    }


def _child_python(path: Path) -> dict[str, float]:
    """The first import through the Python reader (main's path on PostgreSQL, SQLite's now):
    the same run's figure from before the staging table."""
    from structures.models import SireneEstablishment
    from structures.sirene.importer import ImportSummary, _import_rows
    from structures.sirene.reader import StockReader, open_stock_file

    SireneEstablishment.objects.all().delete()
    summary = ImportSummary()
    started = time.monotonic()
    with open_stock_file(path) as stream:
        _import_rows(StockReader(stream), path.name, summary, 20_000, None, None)
    seconds = time.monotonic() - started
    return {"rows": summary.read, "seconds": seconds, "rate": summary.read / seconds}


def bare_copy(path: Path) -> tuple[int, float]:
    """The baseline: ``COPY`` of the raw file into an unlogged, unindexed table with one text
    column per CSV column (dropped after). Returns the rows copied and the seconds it took."""
    from django.db import connection

    from structures.sirene.synthetic import HEADER

    columns = ", ".join(f'"{name}" text' for name in HEADER)
    with connection.cursor() as cursor:
        cursor.execute(
            f"DROP TABLE IF EXISTS bench_bare; CREATE UNLOGGED TABLE bench_bare ({columns})"
        )
        started = time.perf_counter()
        with (
            path.open("rb") as stream,
            cursor.copy("COPY bench_bare FROM STDIN WITH (FORMAT csv, HEADER true)") as copy,
        ):
            while chunk := stream.read(1 << 20):
                copy.write(chunk)
        seconds = time.perf_counter() - started
        cursor.execute("SELECT count(*) FROM bench_bare")
        rows = cursor.fetchone()[0]
        cursor.execute("DROP TABLE bench_bare")
    return rows, seconds


def _child_copy(path: Path) -> dict[str, float]:
    rows, seconds = bare_copy(path)
    return {
        "rows": rows,
        "seconds": seconds,
        "rate": rows / seconds,
        "peak_rss_mib": peak_rss_mib(),
    }


def _child_idle() -> dict[str, float]:
    """The memory of a child that only set Django up: what an import adds is above it."""
    from structures.sirene import importer  # noqa: F401 (the import's own modules)

    return {"peak_rss_mib": peak_rss_mib()}


def run(*, quick: bool) -> list[Row]:
    from structures.sirene import synthetic

    rows = 200_000 if quick else 1_000_000
    folder = VAR / "run"
    folder.mkdir(parents=True, exist_ok=True)
    big = synthetic.write(folder / "sirene-stock.csv", rows, broken_every=BROKEN_EVERY)
    small = synthetic.write(folder / "sirene-stock-fifth.csv", rows // 5, broken_every=BROKEN_EVERY)
    try:
        idle = run_child("bench.sirene", "idle")
        copy = run_child("bench.sirene", "copy", str(big))
        python = run_child("bench.sirene", "python", str(big))
        got = run_child("bench.sirene", "import", str(big))
        fifth = run_child("bench.sirene", "import", str(small))
    finally:
        big.unlink(missing_ok=True)
        small.unlink(missing_ok=True)
    copy_seconds = copy["seconds"]
    memory = {
        "idle_child_mib": idle["peak_rss_mib"],
        f"import_{rows // 5}_rows_mib": fifth["peak_rss_mib"],
        f"import_{rows}_rows_mib": got["peak_rss_mib"],
    }
    flat = got["peak_rss_mib"] - fifth["peak_rss_mib"] < 0.1 * fifth["peak_rss_mib"]
    label = f"{rows:_} rows".replace("_", " ")
    return [
        Row(
            bench="sirene",
            case=f"first import, {label}",
            metric="rows/s",
            value=got["first_rate"],
            baseline_name="COPY into a bare table",
            baseline=copy["rate"],
            target=f"≥ 1/{TARGET_RATIO:.0f} of COPY",
            met=got["first_seconds"] <= TARGET_RATIO * copy_seconds,
            extra={"import": got, "copy": copy, "python_reader": python},
        ),
        Row(
            bench="sirene",
            case=f"first import, {label}, Python reader (before)",
            metric="rows/s",
            value=python["rate"],
            baseline_name="COPY into a bare table",
            baseline=copy["rate"],
        ),
        Row(
            bench="sirene",
            case=f"rerun (all known), {label}",
            metric="rows/s",
            value=got["rerun_rate"],
            baseline_name="COPY into a bare table",
            baseline=copy["rate"],
            target=f"≥ 1/{TARGET_RATIO:.0f} of COPY",
            met=got["rerun_seconds"] <= TARGET_RATIO * copy_seconds,
        ),
        Row(
            bench="sirene",
            case=f"peak memory, {label}",
            metric="MiB",
            value=got["peak_rss_mib"],
            baseline_name=f"same import of {rows // 5:_} rows".replace("_", " "),
            baseline=fifth["peak_rss_mib"],
            target="flat (< +10 % for 5× the rows)",
            met=flat,
            extra=memory,
        ),
    ]


def main() -> None:
    setup_django()
    command, *rest = sys.argv[1:]
    if command == "import":
        result = _child_import(Path(rest[0]))
    elif command == "python":
        result = _child_python(Path(rest[0]))
    elif command == "copy":
        result = _child_copy(Path(rest[0]))
    else:
        result = _child_idle()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
