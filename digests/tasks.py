"""The digests' beat tasks (settings: ``digests-daily`` and ``digests-weekly``)."""

from celery import shared_task

from digests import services
from structures.models import Frequency


@shared_task(name="digests.send_daily", acks_late=True)
def send_daily() -> int:
    return services.digests_send(Frequency.DAILY)


@shared_task(name="digests.send_weekly", acks_late=True)
def send_weekly() -> int:
    return services.digests_send(Frequency.WEEKLY)
