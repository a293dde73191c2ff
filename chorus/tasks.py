"""Tasks of the project itself: a probe that proves a worker is consuming."""

from celery import shared_task

from chorus.models import WorkerProbe


@shared_task(name="chorus.ping")
def ping(token: str) -> None:
    """Record that a worker ran this task, so that a test or a health check can see it."""
    WorkerProbe.objects.update_or_create(token=token, defaults={})
