"""The outbox of e-mails: queued with the event they tell of, sent by tasks, retried until the
mail server takes them, never queued twice.

- ``email_queue`` is called inside the transaction that records the event (a status change...):
  the e-mail exists if and only if the event does. Its ``key`` (event and recipient) is unique,
  so queueing again — a task delivered twice, a sweep — adds nothing.
- ``email_deliver`` claims one e-mail (``PENDING`` → ``SENDING`` in one conditional UPDATE: two
  workers can never both send it), sends it outside any transaction, then records ``SENT``, or
  the error and the time of the next attempt (exponential back-off), or ``FAILED`` after
  ``EMAIL_OUTBOX_MAX_ATTEMPTS``.
- ``emails_deliver_due`` (beat, every ``EMAIL_OUTBOX_INTERVAL`` seconds) sends what is due, and
  puts back e-mails whose sender died while ``SENDING`` for longer than
  ``EMAIL_OUTBOX_STALE_AFTER``.

Delivery is at least once: a worker killed after the mail server accepted an e-mail and before
``SENT`` was recorded sends it again once it is stale. Such a copy carries the same Message-ID,
which mail clients use to hide duplicates. Nothing else sends an e-mail twice.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from chorus.models import OutgoingEmail

logger = logging.getLogger(__name__)

Status = OutgoingEmail.Status


def message_id_for(key: str) -> str:
    domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip("> ") or "chorus.localhost"
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@{domain}>"


def email_queue(*, key: str, to: str, subject: str, body: str, html: str = "") -> bool:
    """Queue an e-mail once per ``key``; False if it was already queued."""
    try:
        # A transaction of its own, or a savepoint in the caller's (one, not two: it is queued
        # with every status change): a duplicate key leaves the caller's work intact.
        with transaction.atomic():
            OutgoingEmail.objects.create(
                key=key,
                to=to,
                subject=subject[:255],
                body=body,
                html=html,
                message_id=message_id_for(key),
            )
    except IntegrityError:
        return False
    return True


@dataclass(frozen=True)
class Email:
    key: str
    to: str
    subject: str
    body: str
    html: str = ""


def emails_queue_new(emails: list[Email]) -> int:
    """Queue the e-mails of an event recorded in the current transaction, in one INSERT.

    Only for keys that cannot exist yet (they name the event's new row): a duplicate would be
    a bug, and fails the transaction instead of being skipped. ``email_queue`` is the call for
    an event that may already have its e-mails."""
    OutgoingEmail.objects.bulk_create(rows_of(emails))
    return len(emails)


def rows_of(emails: list[Email]) -> list[OutgoingEmail]:
    """The outbox's rows of new e-mails (``emails_queue_new``'s), not saved: for a write that
    inserts them with others (a single deposit's rows: ``invoices.services._rows``)."""
    return [
        OutgoingEmail(
            key=email.key,
            to=email.to,
            subject=email.subject[:255],
            body=email.body,
            html=email.html,
            message_id=message_id_for(email.key),
        )
        for email in emails
    ]


def _claim(email_id: int) -> OutgoingEmail | None:
    now = timezone.now()
    claimed = OutgoingEmail.objects.filter(
        pk=email_id, status=Status.PENDING, next_attempt_at__lte=now
    ).update(status=Status.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    return OutgoingEmail.objects.get(pk=email_id) if claimed else None


def _send(email: OutgoingEmail) -> None:
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.body,
        to=[email.to],
        headers={"Message-ID": email.message_id},
    )
    if email.html:
        message.attach_alternative(email.html, "text/html")
    message.send()


def retry_delay(attempts: int) -> timedelta:
    base = settings.EMAIL_OUTBOX_RETRY_BASE
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), settings.EMAIL_OUTBOX_RETRY_MAX))


def _record_failure(email: OutgoingEmail, error: Exception) -> None:
    gave_up = email.attempts >= settings.EMAIL_OUTBOX_MAX_ATTEMPTS
    OutgoingEmail.objects.filter(pk=email.pk, status=Status.SENDING).update(
        status=Status.FAILED if gave_up else Status.PENDING,
        next_attempt_at=timezone.now() + retry_delay(email.attempts),
        last_error=f"{error.__class__.__name__}: {error}"[:2000],
    )
    log = logger.error if gave_up else logger.warning
    log("e-mail %s not sent (attempt %d): %s", email.key, email.attempts, error)


def email_deliver(*, email_id: int) -> bool:
    """Send one queued e-mail if it is due and nobody else is sending it; True if sent now.

    Not atomic on purpose: the claim and the outcome are two short writes, and the mail server
    is talked to between them, outside any transaction (no lock held during network I/O)."""
    email = _claim(email_id)
    if email is None:
        return False
    try:
        _send(email)
    except Exception as exc:  # any transport error: retried later, never lost
        _record_failure(email, exc)
        return False
    OutgoingEmail.objects.filter(pk=email.pk).update(
        status=Status.SENT, sent_at=timezone.now(), last_error=""
    )
    return True


def emails_deliver(*, matching: Q) -> int:
    """``email_deliver`` for every due e-mail that ``matching`` selects (the e-mails of one event
    or of several); returns how many were sent now.

    Fewer round trips than one ``email_deliver`` each: the due e-mails are read and claimed
    together, in a short transaction that skips the rows another worker is claiming. Each one
    is then sent and recorded on its own, as ``email_deliver`` does (a worker killed in the
    middle sends again only the e-mail it was sending)."""
    now = timezone.now()
    due = OutgoingEmail.objects.filter(matching, status=Status.PENDING, next_attempt_at__lte=now)
    if not connection.features.has_select_for_update_skip_locked:  # SQLite: one claim each
        return sum(email_deliver(email_id=pk) for pk in due.values_list("id", flat=True))
    with transaction.atomic():
        emails = list(due.select_for_update(skip_locked=True).order_by("id"))
        if not emails:
            return 0
        OutgoingEmail.objects.filter(pk__in=[email.pk for email in emails]).update(
            status=Status.SENDING, claimed_at=now, attempts=F("attempts") + 1
        )
    sent = 0
    for email in emails:
        email.status, email.claimed_at, email.attempts = Status.SENDING, now, email.attempts + 1
        try:
            _send(email)
        except Exception as exc:  # any transport error: retried later, never lost
            _record_failure(email, exc)
            continue
        OutgoingEmail.objects.filter(pk=email.pk).update(
            status=Status.SENT, sent_at=timezone.now(), last_error=""
        )
        sent += 1
    return sent


def emails_release_stale(*, now: datetime | None = None) -> int:
    """E-mails left ``SENDING`` by a worker that died: to send again (see the module's note)."""
    limit = (now or timezone.now()) - timedelta(seconds=settings.EMAIL_OUTBOX_STALE_AFTER)
    released = OutgoingEmail.objects.filter(status=Status.SENDING, claimed_at__lt=limit).update(
        status=Status.PENDING
    )
    if released:
        logger.warning("%d e-mail(s) left in sending by a dead worker, queued again", released)
    return released


def keys_starting_with(*key_prefixes: str) -> Q:
    """The e-mails queued under any of these key prefixes (the e-mails of one or more events)."""
    match = Q(pk__in=[])
    for prefix in key_prefixes:
        match |= Q(key__startswith=prefix)
    return match


def deliver_after_commit(key_prefix: str) -> None:
    """Once the transaction commits, send the e-mails it queued under ``key_prefix`` from a
    worker. A broker that does not answer must not undo the event: the outbox sweep sends them."""

    def send() -> None:
        from chorus.tasks import deliver_queued_emails

        try:
            deliver_queued_emails.delay([key_prefix])
        except Exception:
            logger.warning("e-mails %s left to the outbox sweep", key_prefix, exc_info=True)

    transaction.on_commit(send)


def emails_deliver_due(*, limit: int = 500) -> int:
    """Send the e-mails that are due (new ones whose task was lost, retries); how many sent."""
    emails_release_stale()
    due = OutgoingEmail.objects.filter(
        status=Status.PENDING, next_attempt_at__lte=timezone.now()
    ).order_by("next_attempt_at", "id")
    return sum(email_deliver(email_id=pk) for pk in due.values_list("id", flat=True)[:limit])


@transaction.atomic
def email_requeue(*, email_ids: list[int]) -> int:
    """An administrator sends abandoned e-mails again."""
    return OutgoingEmail.objects.filter(pk__in=email_ids, status=Status.FAILED).update(
        status=Status.PENDING, next_attempt_at=timezone.now(), attempts=0
    )
