"""Measure ``import_sirene`` on a generated stock file, beside a bare ``COPY`` of the same file.

    .venv/bin/python tools/sirene_throughput.py --rows 100000            # SQLite (default)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/chorus \\
        .venv/bin/python tools/sirene_throughput.py --rows 1000000       # PostgreSQL

It works in a throw-away database (the test database's name with ``_sirene_bench``), created and
dropped around the run, so it never touches the portal's data. It prints rows per second for a
first import and for a rerun of the same file, the peak memory of the process, and on
PostgreSQL the rate of ``COPY`` of the raw CSV into a bare table of text columns (the baseline of
``make bench``, ``bench.sirene.bare_copy``) with the ratio between the two.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chorus.settings")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--batch-size", type=int, default=None)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    from structures.sirene import synthetic
    from structures.sirene.importer import DEFAULT_BATCH_SIZE, import_files

    test_settings = settings.DATABASES["default"].setdefault("TEST", {})
    base = test_settings.get("NAME") or f"test_{settings.DATABASES['default']['NAME']}"
    test_settings["NAME"] = (
        str(Path(base).with_name("sirene-bench.sqlite3"))
        if connection.vendor == "sqlite"
        else f"{base}_sirene_bench"
    )
    original = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        with tempfile.TemporaryDirectory() as folder:
            path = synthetic.write(Path(folder) / "stock.csv", args.rows)
            batch = args.batch_size or DEFAULT_BATCH_SIZE
            first = import_files([path], batch_size=batch)
            rerun = import_files([path], batch_size=batch)
            peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(f"database     {connection.vendor}, {args.rows} rows, batches of {batch}")
            print(f"first import {first.seconds:7.2f} s  {first.rate:>10,.0f} rows/s")
            print(f"rerun        {rerun.seconds:7.2f} s  {rerun.rate:>10,.0f} rows/s")
            print(f"peak RSS     {peak_mib:7.0f} MiB (whole process)")
            if connection.vendor == "postgresql":
                from bench.sirene import bare_copy  # the bench's baseline, the same COPY

                _rows, copy = bare_copy(path)
                print(f"bare COPY    {copy:7.2f} s  {args.rows / copy:>10,.0f} rows/s")
                print(f"ratio        {first.seconds / copy:7.2f} x COPY (first import)")
    finally:
        connection.creation.destroy_test_db(original, verbosity=0)


if __name__ == "__main__":
    main()
