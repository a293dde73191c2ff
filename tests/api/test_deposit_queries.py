"""What one deposit through the API costs the database: a fixed number of queries, whatever the
number of lines (issue 15 §3). The certificate is rendered after the commit, so a deposit renders
no PDF either (tests/invoices/test_deposit.py)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.api.test_writes import invoice_body
from tests.utils.round_trips import client_queries
from tests.utils.services import require_postgresql

pytestmark = pytest.mark.django_db

# Pinned: a change that adds a query to every deposit must say why here.
# 43 before issue 15 §3, 30 after, 21 since a single deposit is a batch of one; the recipient's
# accepted billing frames (issue 18, item 5) cost one more; the answer's lines and files are read
# in one round trip (chorus/prepared.py, read_together); the supplier's active bank accounts,
# read for a typed IBAN (accepted only when it has none) or a chosen bank_account, one more: 22;
# the answer reads nothing since the deposit leaves the lines and the file it wrote in the
# invoice's prefetch cache (invoices/services/batch.py, ``_write``): 21; a single deposit's
# eight facts (the numbers used, the membership, the mandate and its signature, the recipient,
# its service, the right to modify, the accepted frames) are read in one round trip
# (invoices/services/_facts.py; the right to modify from the membership): 14; with them the
# supplier's users to tell of the deposit, no longer read after the INSERTs: 13; with the facts
# the ids its rows take, then its rows and e-mails written in one message, in a savepoint of
# its own (invoices/services/_rows.py, ``insert_together``): five INSERTs and the savepoint's
# two statements become one: 7. The deposit's e-mails are now the routing batch's (neither its
# users read with the facts nor its e-mails in the message): still 7. The supplier structure
# and its active accounts are read together (invoices/api/selectors.py,
# ``supplier_with_accounts``): 6.
API_DEPOSIT_QUERIES = 6


def api_lines(count: int) -> list[dict[str, str]]:
    return [
        {"description": f"Ligne {n}", "quantity": "1", "unit_price": "10.00", "vat_rate": "20"}
        for n in range(count)
    ]


def api_deposit_queries(client: Any, personas: Any, number: str, lines: int) -> int:
    body = invoice_body(personas, number=number, lines=api_lines(lines))
    with CaptureQueriesContext(connection) as queries:
        response = client.post("/api/v1/invoices/", body, format="json")
    assert response.status_code == 201, response.json()
    return len(queries.captured_queries)


def test_one_api_deposit_takes_a_fixed_number_of_queries_whatever_its_lines(personas, client_for):
    client = client_for(personas.supplier_principal)
    api_deposit_queries(client, personas, "Q-WARM", 1)  # the token's first use, caches
    one = api_deposit_queries(client, personas, "Q-1", 1)
    many = api_deposit_queries(client, personas, "Q-40", 40)
    print(f"\nAPI deposit: {one} queries with 1 line, {many} with 40")  # pytest -s
    assert many == one
    # Elsewhere than on PostgreSQL the facts are seven round trips, not one (chorus/prepared.py
    # prepares, and reads together, on PostgreSQL only), the supplier and its accounts two, and
    # the rows five INSERTs in a savepoint, not one message.
    assert one <= API_DEPOSIT_QUERIES + (6 + 1 + 6 if connection.vendor != "postgresql" else 0)


@pytest.mark.django_db(transaction=True)
def test_one_api_deposit_asks_postgresql_six_times(personas, client_for):
    """Its round trips to PostgreSQL as libpq sends them, BEGIN and COMMIT included, which
    Django's query log leaves out: the token; the supplier and its accounts; psycopg's BEGIN,
    alone; the facts; the rows; the COMMIT. (The BEGIN sent with the facts was measured and not
    kept: BENCHMARKS.md, seventh session.)"""
    require_postgresql()
    client = client_for(personas.supplier_principal)
    api_deposit_queries(client, personas, "Q-WARM", 1)  # the token's first use, caches
    body = invoice_body(personas, number="Q-TRIPS", lines=api_lines(3))
    answers = []

    queries = client_queries(
        lambda: answers.append(client.post("/api/v1/invoices/", body, format="json"))
    )

    assert answers[0].status_code == 201, answers[0].json()
    print("\n\n".join(queries))  # pytest -s
    assert len(queries) == 6
    assert queries[2] == "BEGIN" and queries[3].startswith("EXECUTE ")
    assert queries[4].startswith("SAVEPOINT ") and queries[5] == "COMMIT"
