"""What one deposit through the entry page costs the database: a fixed number of queries,
whatever the number of lines (issue 15 §3; the API's: tests/api/test_deposit_queries.py)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from invoices.models import Invoice
from invoices.workflow import Status
from tests.invoices.factories import entry_form

pytestmark = pytest.mark.django_db

# Pinned: a change that adds a query to every deposit must say why here.
# 41 before issue 15 §3, 31 after, 22 since a single deposit is a batch of one. The bank
# accounts read to check the chosen one (issue 17, item 2) and the recipient's accepted billing
# frames (issue 18, item 5) cost one each: 24. Then the single deposit's facts in one round
# trip, and its rows and e-mails in one message (invoices/services/_facts.py, _rows.py): 10.
# The e-mails then went to the routing batch that claims the deposit: still 10.
WEB_DEPOSIT_QUERIES = 10


def web_lines(count: int) -> dict[str, str]:
    form: dict[str, Any] = {"lines-TOTAL_FORMS": str(count), "lines-INITIAL_FORMS": "0"}
    for n in range(count):
        form.update(
            {
                f"lines-{n}-description": f"Ligne {n}",
                f"lines-{n}-quantity": "1",
                f"lines-{n}-unit_price": "10",
                f"lines-{n}-vat_rate": "20",
                f"lines-{n}-unit": "C62",
            }
        )
    return form


def web_deposit_queries(client: Any, personas: Any, number: str, lines: int) -> int:
    form = {**entry_form(personas, number=number), **web_lines(lines)}
    with CaptureQueriesContext(connection) as queries:
        response = client.post(reverse("invoices:create"), form)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Invoice.objects.get(number=number).status == Status.DEPOSEE
    return len(queries.captured_queries)


def test_one_web_deposit_takes_a_fixed_number_of_queries_whatever_its_lines(personas, client):
    client.force_login(personas.supplier_principal)
    web_deposit_queries(client, personas, "W-WARM", 1)
    one = web_deposit_queries(client, personas, "W-1", 1)
    many = web_deposit_queries(client, personas, "W-40", 40)
    print(f"\nweb deposit: {one} queries with 1 line, {many} with 40")  # pytest -s
    assert many == one
    # Elsewhere than on PostgreSQL, the facts are seven round trips and the rows seven
    # statements (tests/api/test_deposit_queries.py).
    assert one <= WEB_DEPOSIT_QUERIES + (6 + 6 if connection.vendor != "postgresql" else 0)
