"""The dashboards' periodic work: folding the summaries' deltas (dashboards/summaries.py)."""

from __future__ import annotations

from celery import shared_task

from dashboards import summaries


@shared_task(name="dashboards.fold_summaries")
def fold_summaries() -> int:
    """Fold the pending deltas into the totals (every DASHBOARDS_FOLD_INTERVAL seconds)."""
    return summaries.fold()
