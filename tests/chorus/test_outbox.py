"""The outbox of e-mails (chorus/outbox.py) against a real SMTP server that refuses, then
accepts: status changes still happen, e-mails wait and are retried, none is lost, none is sent
twice — even when two workers try at once."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import Q
from django.utils import timezone

from chorus import outbox
from chorus.models import OutgoingEmail
from invoices import notifications, services
from invoices.workflow import Status
from tests.invoices.factories import deposited
from tests.utils.services import require_postgresql
from tests.utils.smtp import Mailbox, smtp_sink
from tests.utils.two_factor import verified_login

Pending, Sent, Failed = (OutgoingEmail.Status.PENDING, OutgoingEmail.Status.SENT,
                         OutgoingEmail.Status.FAILED)  # fmt: skip


@pytest.fixture
def sink(settings) -> Iterator[Mailbox]:  # type: ignore[no-untyped-def]
    with smtp_sink() as (mailbox, port):
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 2
        settings.EMAIL_OUTBOX_RETRY_BASE = 0  # retries due at once: the test drives the clock
        yield mailbox


def queue(key: str = "event:1:1", to: str = "a@example.test") -> OutgoingEmail:
    outbox.email_queue(key=key, to=to, subject="Sujet", body="Texte", html="<p>Texte</p>")
    return OutgoingEmail.objects.get(key=key)


@pytest.mark.django_db
def test_an_e_mail_is_queued_once_per_event_and_recipient():
    assert outbox.email_queue(key="event:1:7", to="a@example.test", subject="S", body="B")
    assert not outbox.email_queue(key="event:1:7", to="a@example.test", subject="S", body="B")
    assert OutgoingEmail.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("refusal", ["connect", "data"])
def test_a_refusing_server_leaves_the_e_mail_to_retry_with_its_error(sink, refusal):
    sink.refuse = refusal
    email = queue()
    assert outbox.email_deliver(email_id=email.pk) is False
    email.refresh_from_db()
    assert email.status == Pending and email.attempts == 1
    assert "SMTP" in email.last_error
    assert sink.refused == 1 and sink.received == []


@pytest.mark.django_db
def test_retries_deliver_every_e_mail_once_when_the_server_comes_back(sink):
    sink.refuse = "data"
    emails = [queue(f"event:{n}:1", f"user{n}@example.test") for n in range(3)]
    for _ in range(3):
        assert outbox.emails_deliver_due() == 0
    sink.refuse = None
    assert outbox.emails_deliver_due() == 3
    assert outbox.emails_deliver_due() == 0  # nothing left: nothing sent twice
    assert sorted(sink.recipients()) == sorted(e.to for e in emails)
    assert set(OutgoingEmail.objects.values_list("status", "attempts")) == {(Sent, 4)}
    ids = {m["Message-ID"] for m in sink.received}
    assert ids == {e.message_id for e in emails}


@pytest.mark.django_db
def test_the_delay_between_attempts_grows_and_is_capped(settings):
    settings.EMAIL_OUTBOX_RETRY_BASE, settings.EMAIL_OUTBOX_RETRY_MAX = 30, 3600
    delays = [outbox.retry_delay(n).total_seconds() for n in range(1, 10)]
    assert delays[:4] == [30, 60, 120, 240] and delays[-1] == 3600


@pytest.mark.django_db
def test_an_e_mail_refused_too_often_is_given_up_and_an_administrator_can_requeue_it(
    sink, settings, client, personas
):
    settings.EMAIL_OUTBOX_MAX_ATTEMPTS = 2
    sink.refuse = "connect"
    email = queue()
    outbox.emails_deliver_due()
    outbox.emails_deliver_due()
    email.refresh_from_db()
    assert email.status == Failed and email.attempts == 2
    assert outbox.emails_deliver_due() == 0  # abandoned e-mails wait for a person
    sink.refuse = None
    verified_login(client, personas.admin)
    response = client.post(
        "/admin/chorus/outgoingemail/",
        {"action": "requeue", "_selected_action": [email.pk]},
    )
    assert response.status_code == 302
    assert outbox.emails_deliver_due() == 1
    assert sink.recipients() == ["a@example.test"]


@pytest.mark.django_db
def test_an_e_mail_left_sending_by_a_dead_worker_is_sent_again_once_stale(sink, settings):
    email = queue()
    claimed_long_ago = timezone.now() - timedelta(seconds=settings.EMAIL_OUTBOX_STALE_AFTER + 1)
    OutgoingEmail.objects.filter(pk=email.pk).update(
        status=OutgoingEmail.Status.SENDING, claimed_at=claimed_long_ago
    )
    assert outbox.emails_deliver_due() == 1
    assert len(sink.received) == 1


@pytest.mark.django_db
def test_an_e_mail_being_sent_is_not_taken_by_another_worker(sink):
    email = queue()
    OutgoingEmail.objects.filter(pk=email.pk).update(
        status=OutgoingEmail.Status.SENDING, claimed_at=timezone.now()
    )
    assert outbox.emails_deliver_due() == 0 and sink.received == []


@pytest.mark.django_db(transaction=True)
def test_two_workers_delivering_the_same_e_mails_at_once_send_each_once(sink):
    require_postgresql()
    for n in range(20):
        queue(f"event:{n}:1", f"user{n}@example.test")
    barrier = threading.Barrier(4)

    def worker() -> None:
        barrier.wait()
        try:
            outbox.emails_deliver_due()
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(sink.received) == 20
    assert len(set(sink.recipients())) == 20


@pytest.mark.django_db
def test_a_status_change_happens_while_the_mail_server_refuses_and_its_e_mails_follow(
    sink, personas
):
    sink.refuse = "connect"
    invoice = deposited(personas)
    services.invoice_route(invoice_id=invoice.pk, expected_status=Status.DEPOSEE)
    services.invoice_route(invoice_id=invoice.pk, expected_status=Status.EN_COURS_ACHEMINEMENT)
    invoice.refresh_from_db()
    assert invoice.status == Status.MISE_A_DISPOSITION  # the refusals changed nothing here
    for change in invoice.history.exclude(from_status=""):
        assert notifications.send_status_change(change.pk) == 0  # refused, kept
    # Three changes for Acme's two users, and the agent told of the invoice's arrival.
    assert OutgoingEmail.objects.filter(status=Pending).count() == 3 * 2 + 1
    sink.refuse = None
    assert outbox.emails_deliver_due() == 7
    for change in invoice.history.all():  # a task delivered again sends nothing more
        notifications.send_status_change(change.pk)
    notifications.send_to_agents(invoice.pk)
    recipients = sink.recipients()
    assert len(recipients) == 7 and recipients.count("agent@etat.test") == 1
    assert sorted(set(recipients)) == ["agent@etat.test", "member@acme.test", "principal@acme.test"]


@pytest.mark.django_db
def test_the_e_mails_of_several_events_are_sent_together_each_once(sink):
    emails = [queue(f"event:{n}:1", f"user{n}@example.test") for n in range(3)]
    queue("other:1:1", "other@example.test")
    OutgoingEmail.objects.filter(pk=emails[2].pk).update(
        status=OutgoingEmail.Status.SENDING, claimed_at=timezone.now()
    )  # another worker is sending this one
    matching = Q(key__startswith="event:0:") | Q(key__startswith="event:1:")
    assert outbox.emails_deliver(matching=matching | Q(key__startswith="event:2:")) == 2
    assert sorted(sink.recipients()) == ["user0@example.test", "user1@example.test"]
    assert outbox.emails_deliver(matching=matching) == 0  # nothing sent twice
    assert set(OutgoingEmail.objects.filter(pk__in=[e.pk for e in emails[:2]]).values_list(
        "status", "attempts")) == {(Sent, 1)}  # fmt: skip


@pytest.mark.django_db
def test_e_mails_sent_together_are_kept_one_by_one_when_the_server_refuses(sink):
    sink.refuse = "connect"
    emails = [queue(f"event:{n}:1", f"user{n}@example.test") for n in range(2)]
    assert outbox.emails_deliver(matching=Q(key__startswith="event:")) == 0
    assert set(OutgoingEmail.objects.values_list("status", "attempts")) == {(Pending, 1)}
    sink.refuse = None
    assert outbox.emails_deliver_due() == 2
    assert sorted(sink.recipients()) == sorted(e.to for e in emails)


@pytest.mark.django_db
def test_the_e_mails_of_a_new_event_are_queued_in_one_write(django_assert_num_queries):
    emails = [outbox.Email(key=f"event:9:{n}", to=f"u{n}@example.test", subject="S", body="B")
              for n in range(3)]  # fmt: skip
    with django_assert_num_queries(1):
        assert outbox.emails_queue_new(emails) == 3
    assert set(OutgoingEmail.objects.values_list("status", "message_id")) == {
        (Pending, outbox.message_id_for(f"event:9:{n}")) for n in range(3)
    }
