"""The type checker's exceptions are few and explained: each ``# type: ignore`` left in the
portal's code names its error code and says why, on its line or in a comment just above it (or
above a run of them); mypy's ``warn_unused_ignores`` refuses those that hide nothing."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = (
    "chorus",
    "accounts",
    "structures",
    "invoices",
    "support",
    "dashboards",
    "flux",
    "digests",
    "einvoice",
)
IGNORE = re.compile(r"#\s*type:\s*ignore(?P<codes>\[[^\]]+\])?(?P<after>.*)$")


def unexplained_ignores(path: Path) -> list[str]:
    lines = path.read_text().splitlines()
    found = []
    for number, line in enumerate(lines, start=1):
        match = IGNORE.search(line)
        if match is None:
            continue
        # The comment above may explain a run of consecutive ignores.
        above = number - 2
        while above >= 0 and IGNORE.search(lines[above]):
            above -= 1
        explained = "#" in match["after"] or (above >= 0 and lines[above].strip().startswith("#"))
        if not match["codes"] or not explained:
            found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    return found


def test_each_type_ignore_names_its_code_and_says_why():
    found = [
        problem
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        if "migrations" not in path.parts
        for problem in unexplained_ignores(path)
    ]
    assert found == []


def test_the_check_sees_an_unexplained_ignore(tmp_path, monkeypatch):
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    sample = tmp_path / "sample.py"
    sample.write_text(
        "x = f()  # type: ignore[no-untyped-call]\n"
        "# The library is untyped.\n"
        "y = g()  # type: ignore[no-untyped-call]\n"
        "w = k()  # type: ignore[no-untyped-call]\n"
        "z = h()  # type: ignore\n"
    )
    assert [line.split(":")[1] for line in unexplained_ignores(sample)] == ["1", "5"]
