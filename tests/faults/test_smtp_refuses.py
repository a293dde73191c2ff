"""The mail server refuses every e-mail while a real worker routes invoices: the status changes
still happen, the e-mails wait in the outbox and are retried by the beat's sweep, and once the
server accepts again each one arrives exactly once (one per status change and reader).

The SMTP server is the test's own (tests/utils/smtp.py), first answering 421 to every
connection, then accepting.
"""

from __future__ import annotations

import time

import pytest

from chorus.models import OutgoingEmail
from invoices import tasks
from invoices.models import Invoice
from invoices.workflow import Status
from tests.faults.conftest import deposited_invoices
from tests.utils import workers
from tests.utils.services import require_postgresql, require_redis
from tests.utils.smtp import smtp_sink

pytestmark = [
    pytest.mark.services,
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]

COUNT = 10


def test_e_mails_refused_by_the_server_are_retried_and_arrive_once(stack, personas):
    require_postgresql()
    require_redis()
    ids = deposited_invoices(personas, COUNT)
    with smtp_sink(refuse="connect") as (mailbox, port):
        env = {
            "CHORUS_TEST_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(port),
            "EMAIL_TIMEOUT": "2",
            "EMAIL_OUTBOX_INTERVAL": "1",
            "EMAIL_OUTBOX_RETRY_BASE": "1",
            "EMAIL_OUTBOX_RETRY_MAX": "2",
            "INVOICE_PAYMENT_SIMULATION": "0",
        }
        with stack.beat(**env), stack.worker(**env) as worker:
            stack.send_many(tasks.route_invoice, [(pk, Status.DEPOSEE) for pk in ids])
            workers.wait_until(
                lambda: Invoice.objects.filter(status=Status.MISE_A_DISPOSITION).count() == COUNT,
                timeout=90,
                what="every invoice to be routed while the mail server refuses",
                process=worker,
                interval=0.5,
            )
            expected = COUNT * 5  # two changes for Acme's two users, the arrival for the agent
            workers.wait_until(
                lambda: OutgoingEmail.objects.filter(attempts__gte=2).count() == expected,
                timeout=60,
                what="every e-mail to be refused at least twice",
                process=worker,
                interval=0.5,
            )
            assert mailbox.received == [] and mailbox.refused >= 2 * expected
            mailbox.refuse = None
            workers.wait_until(
                lambda: (
                    OutgoingEmail.objects.filter(status=OutgoingEmail.Status.SENT).count()
                    == expected
                ),
                timeout=60,
                what="every e-mail to be sent once the server accepts",
                process=worker,
                interval=0.5,
            )
            time.sleep(3)  # a few more sweeps: they must send nothing more
    message_ids = [message["Message-ID"] for message in mailbox.received]
    assert len(message_ids) == expected
    assert sorted(message_ids) == sorted(OutgoingEmail.objects.values_list("message_id", flat=True))
    recipients = mailbox.recipients()
    assert recipients.count("agent@etat.test") == COUNT
    assert (
        recipients.count("principal@acme.test") == recipients.count("member@acme.test") == 2 * COUNT
    )
