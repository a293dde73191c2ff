"""``make bench``: the portal at Chorus Pro's scale, each figure beside a baseline (issue 10).

    python -m bench [--quick] [--only NAME[,NAME...]] [--json PATH]

Runs on PostgreSQL and Redis: DATABASE_URL's server (default 127.0.0.1, user postgres), in a
database named ``chorus_bench*`` that the bench creates and drops; CELERY_BROKER_URL (default
Redis db 11); the shared cache of its servers and workers, as production's CACHE_URL,
BENCH_CACHE_URL (default Redis db 12). Prints a table and writes it as JSON (default
var/bench/results.json).
"""

from __future__ import annotations

import argparse
import importlib
import json
import platform
import subprocess
import sys
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.common import (
    ROOT,
    VAR,
    Row,
    configure_environment,
    host_speed,
    host_speed_text,
    media_root,
)

# In the order they run; each module has run(*, quick) -> list[Row].
BENCHMARKS = {
    "api": "bench.api",
    "routing": "bench.routing",
    "pages": "bench.pages",
    "summaries": "bench.summaries",
    "pdf": "bench.pdf",
    "sirene": "bench.sirene",
    "upload": "bench.upload",
    "search": "bench.search",
    "directory": "bench.directory",
    "connections": "bench.connections",
    "flux": "bench.flux",
}
NEEDS_DATABASE = {
    "api", "routing", "pages", "summaries", "upload", "search", "directory", "connections", "flux",
}  # fmt: skip


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes: under 5 minutes")
    parser.add_argument(
        "--only",
        default="",
        help=f"comma-separated benchmarks to run, among: {', '.join(BENCHMARKS)}",
    )
    parser.add_argument(
        "--json", type=Path, default=VAR / "results.json", help="where to write the results"
    )
    args = parser.parse_args(argv)
    chosen = [n.strip() for n in args.only.split(",") if n.strip()] or list(BENCHMARKS)
    unknown = [n for n in chosen if n not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}")
    args.chosen = chosen
    return args


def _fmt(value: float | None) -> str:
    if value is None:
        return "—"
    if value >= 1000:
        return f"{value:,.0f}".replace(",", " ")
    if value >= 100:
        return f"{value:.0f}"
    return f"{value:.1f}" if value >= 10 else f"{value:.2f}"


def table(rows: list[Row]) -> str:
    header = ["bench", "case", "figure", "baseline", "ratio", "target", "met"]
    lines = [
        [
            r.bench,
            r.case,
            f"{_fmt(r.value)} {r.metric}",
            f"{_fmt(r.baseline)} ({r.baseline_name})" if r.baseline is not None else "—",
            f"{r.ratio:.2f}×" if r.ratio is not None else "—",
            r.target or "",
            {True: "yes", False: "NO", None: ""}[r.met],
        ]
        for r in rows
    ]
    widths = [max(len(x) for x in column) for column in zip(header, *lines, strict=False)]
    out = [" | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))]
    out.append("-+-".join("-" * w for w in widths))
    out += [" | ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)) for line in lines]
    return "\n".join(out)


def machine() -> dict[str, Any]:
    from django.db import connection

    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory = next(
        int(line.split()[1]) // 1024
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgresql = cursor.fetchone()[0]
    try:
        import redis
        from django.conf import settings

        redis_version = redis.Redis.from_url(settings.CELERY_BROKER_URL).info()["redis_version"]
    except Exception as exc:  # the broker may be down: say so, do not stop
        redis_version = f"unreachable ({exc.__class__.__name__})"
    load = Path("/proc/loadavg").read_text().split()[:3]
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "nproc": int(subprocess.run(["nproc"], capture_output=True, text=True).stdout),
        "ram_mib": memory,
        "cpu": cpu,
        "python": platform.python_version(),
        "postgresql": postgresql,
        "redis": redis_version,
        "load_average_at_start": load,
        "host_speed": host_speed(media_root()),  # where the deposits' files go
    }


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    configure_environment()
    import django

    django.setup()
    from bench.common import create_database, drop_run

    started = time.monotonic()
    rows: list[Row] = []
    failures: dict[str, str] = {}
    create_database()
    try:
        info = machine()
        print(
            f"bench on {info['cpu']} ×{info['nproc']}, PostgreSQL {info['postgresql']}, "
            f"Redis {info['redis']}, load {' '.join(info['load_average_at_start'])}; "
            f"{host_speed_text(info['host_speed'])}"
        )
        for name in args.chosen:
            print(f"· {name} …", flush=True)
            begun = time.monotonic()
            try:
                got = importlib.import_module(BENCHMARKS[name]).run(quick=args.quick)
            except Exception:
                failures[name] = traceback.format_exc()
                print(failures[name], file=sys.stderr)
                continue
            rows += got
            print(table(got), flush=True)
            print(f"  ({time.monotonic() - begun:.0f} s)", flush=True)
    finally:
        drop_run()
    print()
    print(table(rows))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(
        json.dumps(
            {
                "machine": info,
                "quick": args.quick,
                "seconds": round(time.monotonic() - started, 1),
                "results": [r.as_dict() for r in rows],
                "failures": failures,
            },
            indent=2,
            ensure_ascii=False,
        )
    )
    print(f"\n{len(rows)} figures in {time.monotonic() - started:.0f} s → {args.json}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
