"""``make bench`` is not run by the suite (it takes minutes and a quiet machine); these tests only
check that it starts, that its modules import, and that its small helpers compute right."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pytest

from bench import __main__ as bench_main
from bench.common import Row, database_url, percentile

ROOT = Path(__file__).resolve().parents[2]


def test_the_help_names_every_benchmark_and_the_options():
    result = subprocess.run(
        [sys.executable, "-m", "bench", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    for word in ("--quick", "--only", "--json", *bench_main.BENCHMARKS):
        assert word in result.stdout


@pytest.mark.parametrize(
    "module", [*bench_main.BENCHMARKS.values(), "bench.worker", "bench.gunicorn_without_pdf"]
)
def test_each_bench_module_imports(module):
    loaded = importlib.import_module(module)

    if module in bench_main.BENCHMARKS.values():
        assert callable(loaded.run)


def test_an_unknown_benchmark_is_refused():
    with pytest.raises(SystemExit):
        bench_main.parse(["--only", "api,nope"])


def test_the_bench_only_ever_works_in_a_chorus_bench_database(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://u:p@db:5432/chorus")
    assert database_url() == "postgres://u:p@db:5432/chorus_bench_chorus"
    monkeypatch.setenv("DATABASE_URL", "postgres://u@db:5432/chorus_bench_7")
    assert database_url().endswith("/chorus_bench_7")
    monkeypatch.delenv("DATABASE_URL")
    assert database_url() == "postgres://postgres@127.0.0.1:5432/chorus_bench"
    monkeypatch.setenv("DATABASE_URL", "sqlite:///var/x.sqlite3")
    with pytest.raises(SystemExit):
        database_url()


def test_percentiles_interpolate_and_the_table_shows_each_figure_beside_its_baseline():
    values = [float(n) for n in range(1, 101)]
    assert percentile(values, 50) == pytest.approx(50.5, abs=0.6)
    assert percentile(values, 95) == pytest.approx(95, abs=1)
    assert percentile([], 95) == 0.0

    row = Row("api", "16 clients", "deposits/s", 150.0, "psycopg inserts", 600.0, "≥ 300/s", False)
    table = bench_main.table([row])

    assert row.ratio == 0.25
    assert "150 deposits/s" in table and "600 (psycopg inserts)" in table and "0.25×" in table
    assert "NO" in table


@pytest.mark.django_db
def test_the_search_bench_fills_structures_the_schema_accepts():
    """Its rows are one raw INSERT: a column added to structures without a default must be
    named there too (a NOT NULL column once broke the whole bench, unseen by the suite)."""
    from django.db import connection

    from bench.search import PREFIX, _fill
    from structures.models import Structure

    if connection.vendor != "postgresql":
        pytest.skip("the bench's INSERT is PostgreSQL's")
    _fill(0, 30)
    filled = Structure.objects.filter(identifier__startswith=PREFIX[:2])
    assert filled.count() == 30
    assert all(structure.name.split()[-1].isdigit() for structure in filled)


def test_the_cpu_of_processes_is_read_from_proc():
    """What the API bench reads of its gunicorn workers and their PostgreSQL processes."""
    import os
    import time

    from bench.common import children_of, cpu_seconds

    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        assert child.pid in children_of(os.getpid())
        started = time.process_time()
        before = cpu_seconds([os.getpid()])
        while time.process_time() - started < 0.3:
            pass  # burn some CPU
        assert cpu_seconds([os.getpid()]) - before >= 0.2
        assert cpu_seconds([child.pid, 2**22 + 7]) < 5  # a process that does not exist: 0
    finally:
        child.kill()
        child.wait()


def test_the_host_speed_is_measured_beside_the_figures_and_leaves_no_file(tmp_path):
    """Each run says how fast the host was (a slow hour, a disk slowed by files just removed),
    in its header and in the report made from its JSON."""
    from bench.common import host_speed, host_speed_text
    from bench.report import markdown

    speed = host_speed(tmp_path / "media", files=20, rounds=3)

    assert speed["python_ms"] > 0 and speed["file_create_us"] > 0
    assert list((tmp_path / "media").iterdir()) == []
    text = host_speed_text(speed)
    assert text.startswith("host: Python probe ") and " µs" in text
    machine = {
        "date": "2026-12-07T23:30:00+00:00", "cpu": "AMD EPYC", "nproc": 2, "ram_mib": 24105,
        "postgresql": "15", "redis": "7", "python": "3.11",
        "load_average_at_start": ["1", "1", "1"],
    }  # fmt: skip
    results = {"machine": machine, "quick": True, "seconds": 40.0, "results": []}
    assert "host speed not measured" in markdown(results)  # a run from before the probe
    assert text in markdown({**results, "machine": {**machine, "host_speed": speed}})


def test_the_runs_files_go_to_a_folder_of_the_bench_s_own(tmp_path, monkeypatch):
    """BENCH_MEDIA_ROOT holds the bench's folder, never the bench's files loose in it (a run
    removes its folder at its end); a folder there that is a link is refused."""
    import os

    from bench.common import media_root

    monkeypatch.setenv("BENCH_MEDIA_ROOT", str(tmp_path / "volume"))
    folder = media_root()
    assert folder == tmp_path / "volume" / f"chorus-bench-media-{os.getuid()}"
    assert folder.is_dir() and media_root() == folder  # the same folder at every call

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.setenv("BENCH_MEDIA_ROOT", str(tmp_path / "linked"))
    (tmp_path / "linked").mkdir()
    (tmp_path / "linked" / f"chorus-bench-media-{os.getuid()}").symlink_to(elsewhere)
    with pytest.raises(SystemExit):
        media_root()
