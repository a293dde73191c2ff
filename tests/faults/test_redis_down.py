"""Redis stops for a few seconds while suppliers deposit invoices through the API of a real web
server (gunicorn), with a real worker and beat: every deposit is still accepted (the database is
the source of truth; a message that cannot be enqueued is logged, not raised; a throttle that
cannot count lets the call through), and once Redis is back — empty: it kept nothing — every
invoice is routed and every e-mail sent, by the sweeps.

The Redis that stops is the test's own (a redis-server on a free port, in a temporary folder).
"""

from __future__ import annotations

import datetime
import json
import time
import urllib.error
import urllib.request
from itertools import groupby
from typing import Any

import pytest

from chorus.models import OutgoingEmail
from invoices.models import Invoice, StatusChange
from invoices.workflow import Status
from tests.api.conftest import token_for
from tests.invoices.factories import GOOD_IBAN, STATE_SIRET
from tests.utils import workers
from tests.utils.services import require_postgresql

pytestmark = [
    pytest.mark.services,
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]

DEPOSITS = 18
REDIS_DOWN = range(5, 12)  # the deposits made while Redis is stopped
ENV = {
    "INVOICE_ROUTING_STUCK_AFTER": "5",
    "INVOICE_SWEEP_INTERVAL": "2",
    "EMAIL_OUTBOX_INTERVAL": "2",
    "INVOICE_PAYMENT_SIMULATION": "0",
}


def deposit(base: str, token: str, body: dict[str, Any]) -> tuple[int, float]:
    request = urllib.request.Request(  # noqa: S310 - the test's own server
        f"{base}/api/v1/invoices/",
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
        method="POST",
    )
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    return status, time.monotonic() - started


def invoice_body(personas: Any, number: str) -> dict[str, Any]:
    return {
        "supplier_siret": personas.acme.identifier,
        "number": number,
        "issue_date": datetime.date.today().isoformat(),
        "recipient_siret": STATE_SIRET,
        "service_code": "FACTURES_PUBLIQUES",
        "iban": GOOD_IBAN,
        "lines": [
            {"description": "Conseil", "quantity": "1", "unit_price": "10", "vat_rate": "20"}
        ],
    }


# The cache of the web server and the worker: their own memory, or (production's setup) another
# database of the Redis that stops, which the API's throttling then cannot reach.
CACHES = {"locmem": lambda url: "locmem://", "redis": lambda url: url.rsplit("/", 1)[0] + "/1"}


@pytest.mark.parametrize("cache", list(CACHES))
def test_deposits_go_on_while_redis_is_down_and_are_routed_once_it_is_back(
    stack, own_redis, personas, tmp_path, cache
):
    require_postgresql()
    stack.broker_url = own_redis.url
    env = {**ENV, "MEDIA_ROOT": str(tmp_path / "media"), "CACHE_URL": CACHES[cache](own_redis.url)}
    token = token_for(personas.supplier_principal)
    with stack.web(**env) as base, stack.beat(**env), stack.worker(**env) as worker:
        for index in range(DEPOSITS):
            if index == REDIS_DOWN.start:
                own_redis.stop()
            if index == REDIS_DOWN.stop:
                own_redis.start()
            status, took = deposit(base, token, invoice_body(personas, f"R-{index:03d}"))
            assert status == 201, f"deposit {index} answered {status}"
            assert took < 15, f"deposit {index} took {took:.1f}s"
        assert Invoice.objects.filter(status__in=Status.values).count() == DEPOSITS
        workers.wait_until(
            lambda: Invoice.objects.filter(status=Status.MISE_A_DISPOSITION).count() == DEPOSITS,
            timeout=120,
            what="every invoice to be routed once Redis is back",
            process=worker,
            interval=0.5,
        )
        workers.wait_until(
            lambda: not OutgoingEmail.objects.exclude(status=OutgoingEmail.Status.SENT).exists(),
            timeout=60,
            what="every e-mail to be sent once Redis is back",
            process=worker,
            interval=0.5,
        )
    rows = StatusChange.objects.order_by("invoice_id", "id")
    for invoice_id, history in groupby(rows, key=lambda row: row.invoice_id):
        assert [row.to_status for row in history] == [
            Status.BROUILLON,
            Status.DEPOSEE,
            Status.EN_COURS_ACHEMINEMENT,
            Status.MISE_A_DISPOSITION,
        ], f"invoice {invoice_id}"
