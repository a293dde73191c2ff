"""A Celery worker killed (SIGKILL, no goodbye) while it routes 500 invoices, or in the middle of
one batch of 300, and a new one started: every invoice reaches MISE_A_DISPOSITION, none is
routed twice (exactly one history row per step, the hash chains intact), and the last one
arrives within the recovery the settings promise — messages the dead worker held come back
after the broker's visibility timeout, and the sweep wakes a batch for whatever is still stuck
after INVOICE_ROUTING_STUCK_AFTER. A batch killed before its commit leaves nothing behind.

Settings of this test (environment of its processes): late acknowledgement (always on),
CELERY_VISIBILITY_TIMEOUT=10, INVOICE_ROUTING_STUCK_AFTER=30, INVOICE_SWEEP_INTERVAL=2, and the
e-mail outbox swept every 2 seconds (EMAIL_OUTBOX_STALE_AFTER=10 for e-mails the dead worker was
sending).
"""

from __future__ import annotations

import subprocess
import time
from collections import Counter
from itertools import groupby

import pytest
from django.db import connection

from chorus.models import OutgoingEmail
from invoices import integrity, notifications, tasks
from invoices.models import Invoice, StatusChange
from invoices.workflow import Status
from tests.faults.conftest import deposited_invoices
from tests.utils import workers
from tests.utils.services import require_postgresql, require_redis

pytestmark = [
    pytest.mark.services,
    pytest.mark.worker,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]

COUNT = 500
# Longer than it takes to deposit the invoices, start beat and the doomed worker and route a
# quarter of them: a sweep that found them "stuck" before the kill would route them all in one
# batch, and the kill would come too late (seen on a slow machine with 10 s: the invoices were
# 10 s old when the doomed worker started).
STUCK_AFTER = 30
SWEEP_INTERVAL = 2
VISIBILITY_TIMEOUT = 10
ENV = {
    "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
    "INVOICE_ROUTING_STUCK_AFTER": str(STUCK_AFTER),
    "INVOICE_SWEEP_INTERVAL": str(SWEEP_INTERVAL),
    "EMAIL_OUTBOX_INTERVAL": "2",
    "EMAIL_OUTBOX_STALE_AFTER": "10",
    "INVOICE_PAYMENT_SIMULATION": "0",
}
# From the restart, the time to route what is left plus one recovery cycle, with room for a
# slow CI machine.
RECOVERY_BOUND = 120 + STUCK_AFTER + SWEEP_INTERVAL


def made_available(ids: list[int]) -> int:
    return Invoice.objects.filter(pk__in=ids, status=Status.MISE_A_DISPOSITION).count()


def every_e_mail_sent() -> bool:
    return not OutgoingEmail.objects.exclude(status=OutgoingEmail.Status.SENT).exists()


def wait_for_routing_and_e_mails(ids: list[int], process: subprocess.Popen) -> None:
    workers.wait_until(
        lambda: made_available(ids) == len(ids),
        timeout=RECOVERY_BOUND,
        what="every invoice to be routed after the restart",
        process=process,
        interval=0.5,
    )
    workers.wait_until(
        every_e_mail_sent,
        timeout=60,
        what="every e-mail of the routing to be sent",
        process=process,
        interval=0.5,
    )


def assert_routed_once(ids: list[int]) -> None:
    """Exactly one history row per routing step, each chain intact."""
    rows = StatusChange.objects.filter(invoice_id__in=ids).order_by("invoice_id", "id")
    for invoice_id, history in groupby(rows, key=lambda row: row.invoice_id):
        history = list(history)
        assert [row.to_status for row in history] == [
            Status.DEPOSEE,
            Status.EN_COURS_ACHEMINEMENT,
            Status.MISE_A_DISPOSITION,
        ], f"invoice {invoice_id} was routed twice or not at all"
        assert integrity.chain_problems(history) == []


def assert_every_change_told_once(ids: list[int]) -> None:
    """Each routing change was told to Acme's two users exactly once: by its own notice when its
    batch moved it alone (the named messages), in a digest when the batch (the sweep's) moved
    several of Acme's invoices."""
    emails = list(OutgoingEmail.objects.values_list("key", "to", "body"))
    notices = Counter(key.rsplit(":", 1)[0] + ":" for key, _to, _body in emails)
    digests = [(to, body) for key, to, body in emails if key.startswith("routing-digest:")]
    changes = StatusChange.objects.filter(invoice_id__in=ids, actor_system="routage")
    for change in changes.select_related("invoice"):
        if notices[notifications.status_key(change.pk)]:
            assert notices[notifications.status_key(change.pk)] == 2, change
            continue
        label = str(Status(change.to_status).label)
        readers = [to for to, body in digests if change.invoice.number in body and label in body]
        assert sorted(readers) == ["member@acme.test", "principal@acme.test"], change


def test_a_worker_killed_mid_routing_loses_and_doubles_nothing(stack, personas):
    require_postgresql()
    require_redis()
    started = time.monotonic()
    ids = deposited_invoices(personas, COUNT)
    killed = stack.kill_mid_task(
        tasks.route_invoice,
        [(pk, Status.DEPOSEE) for pk in ids],
        progress=lambda: made_available(ids),
        finished=lambda: made_available(ids) == COUNT,
        total=COUNT,
        what="the routing",
        kill_at=COUNT // 4,
        within=RECOVERY_BOUND,
        then=(every_e_mail_sent, "every e-mail of the routing to be sent"),
        **ENV,
    )
    assert_routed_once(ids)
    assert_every_change_told_once(ids)
    print(  # the report reads it: pytest -s
        f"\n{COUNT} invoices: killed at {killed.at} routed, recovered in {killed.recovery:.1f}s, "
        f"whole test {time.monotonic() - started:.1f}s"
    )


BATCH = 300


def a_worker_transaction_holds_rows() -> bool:
    """A worker's transaction has claimed or written rows and not yet committed (it has a
    transaction id): the batch is under way."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL"
        )
        return cursor.fetchone()[0] > 0


def test_a_worker_killed_in_the_middle_of_a_batch_leaves_it_whole_for_the_next(stack, personas):
    require_postgresql()
    require_redis()
    ids = deposited_invoices(personas, BATCH)
    # The deposits' certificates go to a queue no worker here consumes: a renderer holds its
    # invoice's row while it writes, and the routing batch skips a row it finds held (SKIP
    # LOCKED), which the sweep then routes in a second batch, with digests of its own (seen
    # once in CI: 10 e-mails). What is tested is the routing batch alone.
    env = {
        **ENV,
        "INVOICE_ROUTING_BATCH_SIZE": str(BATCH),
        "RENDERING_QUEUE": f"{stack.queue}-renderings",
    }
    with stack.beat(**env):
        stack.kill_worker_when(
            tasks.route_batch,
            [()],
            when=a_worker_transaction_holds_rows,
            what="the worker to be in the middle of its batch",
            timeout=120,
            interval=0.005,
            probe=False,
            **env,
        )
        # The batch was one transaction: the killed worker's connection closed, it rolled back.
        workers.wait_until(
            lambda: not a_worker_transaction_holds_rows(), timeout=30, what="the rollback"
        )
        assert made_available(ids) == 0, "the batch committed before the worker was killed"
        assert not StatusChange.objects.filter(invoice_id__in=ids, actor_system="routage").exists()
        with stack.worker(probe=False, **env) as survivor:
            wait_for_routing_and_e_mails(ids, survivor)
    assert_routed_once(ids)
    # One batch: a digest per event for each of Acme's two users, one for the service's agent.
    assert OutgoingEmail.objects.count() == 5
