"""Celery tasks of flux: thin, idempotent, acknowledged late (a killed worker's flux is
delivered again, and resumes where its last chunk committed)."""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings

from flux import services

logger = logging.getLogger(__name__)


@shared_task(name="flux.integrate", acks_late=True)
def integrate_flux(flux_id: int) -> str | None:
    flux = services.flux_integrate(flux_id=flux_id)
    return flux.status if flux else None


@shared_task(name="flux.sweep", acks_late=True)
def sweep(stuck_after: float | None = None) -> int:
    """Enqueue again the flux that a lost message or a dead worker left half-way."""
    seconds = settings.FLUX_STUCK_AFTER if stuck_after is None else stuck_after
    stuck = services.flux_sweep(stuck_after=timedelta(seconds=seconds))
    for flux_id in stuck:
        services.enqueue_integration(flux_id)
    if stuck:
        logger.warning("re-enqueued %d flux left half-way", len(stuck))
    return len(stuck)
