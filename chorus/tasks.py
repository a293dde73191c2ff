"""Tasks of the project itself: a probe that proves a worker is consuming."""

from celery import shared_task

from chorus.models import WorkerProbe


@shared_task(name="chorus.ping")
def ping(token: str) -> None:
    """Record that a worker ran this task, so that a test or a health check can see it."""
    WorkerProbe.objects.update_or_create(token=token, defaults={})


@shared_task(name="chorus.purge_idempotency_keys")
def purge_idempotency_keys() -> int:
    """Forget the API's idempotency keys past their retention (run hourly by beat)."""
    from chorus.api.idempotency import idempotency_keys_purge

    return idempotency_keys_purge()
