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


@shared_task(name="chorus.deliver_queued_emails", acks_late=True)
def deliver_queued_emails(key_prefixes: list[str]) -> int:
    """Send the e-mails queued under these key prefixes (``outbox.deliver_after_commit``)."""
    from chorus import outbox

    return outbox.emails_deliver(matching=outbox.keys_starting_with(*key_prefixes))


@shared_task(name="chorus.deliver_emails", acks_late=True)
def deliver_emails(email_ids: list[int]) -> int:
    """Send queued e-mails now (enqueued once the event's transaction committed)."""
    from chorus import outbox

    return sum(outbox.email_deliver(email_id=pk) for pk in email_ids)


@shared_task(name="chorus.deliver_due_emails", acks_late=True)
def deliver_due_emails() -> int:
    """The outbox sweep (beat): retries, and e-mails whose task was lost."""
    from chorus import outbox

    return outbox.emails_deliver_due()
