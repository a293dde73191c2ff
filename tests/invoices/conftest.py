from __future__ import annotations

from importlib import import_module
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    """Each test writes its files in its own folder: what a test stores is what it sees."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.fixture
def reference_data(transactional_db) -> None:  # type: ignore[no-untyped-def]
    """What the data migrations create (the State and its services, the mandate, the CGU, the
    reason catalogue), put back for tests on a committed database: a transactional test before
    this one may have flushed it. The migrations' functions are idempotent."""
    from django.apps import apps

    for module, function in [
        ("accounts.migrations.0002_first_terms", "create_first_version"),
        ("structures.migrations.0002_state_and_mandate", "forwards"),
        ("invoices.migrations.0002_rejection_reasons", "forwards"),
    ]:
        getattr(import_module(module), function)(apps, None)
