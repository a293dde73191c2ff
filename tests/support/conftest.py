from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):  # type: ignore[no-untyped-def]
    """Uploaded attachments land in a throw-away folder, never in the worktree's var/."""
    settings.MEDIA_ROOT = tmp_path / "media"
