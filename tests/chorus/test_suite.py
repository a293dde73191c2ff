"""Rules the test suite keeps so that its tests pass in any order."""

from __future__ import annotations

from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]


def test_no_test_relies_on_serialized_rollback():
    """A transactional test's flush runs post_migrate, which creates the content types again:
    a serialized_rollback test that comes next fails to load its copy of them (IntegrityError).
    The ``reference_data`` fixture puts the data migrations' rows back instead."""
    marker = "serialized_rollback" + "=True"
    users = [
        str(path.relative_to(TESTS))
        for path in TESTS.rglob("*.py")
        if marker in path.read_text(encoding="utf-8")
    ]
    assert users == []
