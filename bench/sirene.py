"""SIRENE import: a generated stock file in INSEE's format, imported as ``import_sirene`` does.

The file (structures.sirene.synthetic: INSEE's 48 columns, valid SIRETs, one row in 500 with a
wrong check digit) is imported into an empty directory, then again (every row known: the
rerun of a monthly stock). Each import runs in a child process so that its peak memory
(``ru_maxrss``) is its own; importing a fifth of the file as well shows whether memory grows
with the file. Baseline: PostgreSQL ``COPY`` of the same file into a bare table of text columns.

    python -m bench.sirene import PATH     (child: prints one JSON line)
    python -m bench.sirene copy PATH [units|establishments-only]
    python -m bench.sirene pair UNITS ESTABLISHMENTS RENAMED_UNITS

The pair: INSEE's two files as published, 1,000,000 establishments and 800,000 legal units
(--quick: 200,000 and 160,000), imported together as ``import_sirene`` does (legal units first,
the establishments named from them), then again, then a legal units' stock where a third of
the companies are renamed; baseline: COPY of both files into bare tables.
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


def _child_pair(units: Path, establishments: Path, renamed: Path) -> dict[str, float]:
    """INSEE's two files as published (legal units, then establishments without any legal
    unit's column) into an empty directory, again (the monthly rerun: nothing changed), then
    a legal units' stock where a third of the companies changed their name (carried to their
    establishments)."""
    from structures.models import SireneEstablishment, SireneLegalUnit
    from structures.sirene.importer import import_files

    SireneEstablishment.objects.all().delete()
    SireneLegalUnit.objects.all().delete()
    first = import_files([units, establishments])
    rerun = import_files([units, establishments])
    renames = import_files([renamed])
    assert rerun.changed == 0, rerun
    assert not SireneEstablishment.objects.filter(name="").exists()
    return {
        "rows": first.read,
        "first_seconds": first.seconds,
        "first_rate": first.read / first.seconds,
        "rerun_seconds": rerun.seconds,
        "rerun_rate": rerun.read / rerun.seconds,
        "renamed_units": renames.changed,
        "renames_seconds": renames.seconds,
        "peak_rss_mib": peak_rss_mib(),
    }


def bare_copy(path: Path, header: list[str] | None = None) -> tuple[int, float]:
    """The baseline: ``COPY`` of the raw file into an unlogged, unindexed table with one text
    column per CSV column (dropped after). Returns the rows copied and the seconds it took."""
    from django.db import connection

    from structures.sirene.synthetic import HEADER

    columns = ", ".join(f'"{name}" text' for name in header or HEADER)
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


def _child_copy(path: Path, kind: str = "establishments") -> dict[str, float]:
    from structures.sirene.synthetic import ESTABLISHMENT_COLUMNS, HEADER, LEGAL_UNIT_HEADER

    header = {"units": LEGAL_UNIT_HEADER, "establishments-only": ESTABLISHMENT_COLUMNS}
    rows, seconds = bare_copy(path, header.get(kind, HEADER))
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
    pair_rows = _pair(folder, rows, units=rows * 4 // 5)
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
        *pair_rows,
    ]


def _pair(folder: Path, rows: int, *, units: int) -> list[Row]:
    """INSEE's two files (``rows`` establishments, ``units`` legal units) imported together;
    baseline: COPY of both into bare tables."""
    from structures.sirene import synthetic

    unit_file = synthetic.write_legal_units(folder / "StockUniteLegale.csv", units)
    renamed = synthetic.write_legal_units(folder / "StockUniteLegale-2.csv", units, renamed=True)
    establishments = synthetic.write(folder / "StockEtablissement.csv", rows, units=units)
    try:
        copy_units = run_child("bench.sirene", "copy", str(unit_file), "units")
        copy_establishments = run_child(
            "bench.sirene", "copy", str(establishments), "establishments-only"
        )
        got = run_child("bench.sirene", "pair", str(unit_file), str(establishments), str(renamed))
    finally:
        for path in (unit_file, renamed, establishments):
            path.unlink(missing_ok=True)
    copy_seconds = copy_units["seconds"] + copy_establishments["seconds"]
    copy_rate = (units + rows) / copy_seconds
    label = f"{rows:_} establishments + {units:_} legal units".replace("_", " ")
    return [
        Row(
            bench="sirene",
            case=f"first import of the pair, {label}",
            metric="rows/s",
            value=got["first_rate"],
            baseline_name="COPY of both files into bare tables",
            baseline=copy_rate,
            target=f"≥ 1/{TARGET_RATIO:.0f} of COPY",
            met=got["first_seconds"] <= TARGET_RATIO * copy_seconds,
            extra={"import": got, "copy_units": copy_units, "copy": copy_establishments},
        ),
        Row(
            bench="sirene",
            case=f"rerun of the pair (all known), {label}",
            metric="rows/s",
            value=got["rerun_rate"],
            baseline_name="COPY of both files into bare tables",
            baseline=copy_rate,
            target=f"≥ 1/{TARGET_RATIO:.0f} of COPY",
            met=got["rerun_seconds"] <= TARGET_RATIO * copy_seconds,
        ),
        Row(
            bench="sirene",
            case=f"legal units' stock with {got['renamed_units']:,} renames, carried",
            metric="s",
            value=round(got["renames_seconds"], 2),
            baseline_name="COPY of the legal units' file",
            baseline=round(copy_units["seconds"], 2),
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
        result = _child_copy(Path(rest[0]), *rest[1:])
    elif command == "pair":
        result = _child_pair(Path(rest[0]), Path(rest[1]), Path(rest[2]))
    else:
        result = _child_idle()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
