"""The results of a run as a Markdown table, for BENCHMARKS.md.

python -m bench.report [var/bench/results.json]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from bench.__main__ import _fmt
from bench.common import VAR, host_speed_text


def markdown(results: dict) -> str:
    machine = results["machine"]
    lines = [
        f"Run of {machine['date']} ({'--quick' if results['quick'] else 'full'}, "
        f"{results['seconds']:.0f} s): {machine['cpu']} ×{machine['nproc']}, "
        f"{machine['ram_mib'] // 1024} GiB, PostgreSQL {machine['postgresql']}, "
        f"Redis {machine['redis']}, Python {machine['python']}, load average at start "
        f"{' '.join(machine['load_average_at_start'])}; "
        f"{host_speed_text(machine.get('host_speed'))}.",
        "",
        "| bench | case | figure | baseline | ratio | target | met |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in results["results"]:
        baseline = (
            f"{_fmt(row['baseline'])} ({row['baseline_name']})"
            if row["baseline"] is not None
            else "—"
        )
        ratio = f"{row['ratio']:.2f}×" if row["ratio"] is not None else "—"
        met = {True: "yes", False: "**no**", None: ""}[row["met"]]
        lines.append(
            f"| {row['bench']} | {row['case']} | {_fmt(row['value'])} {row['metric']} | "
            f"{baseline} | {ratio} | {row['target']} | {met} |"
        )
    return "\n".join(lines)


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else VAR / "results.json"
    print(markdown(json.loads(path.read_text())))


if __name__ == "__main__":
    main()
