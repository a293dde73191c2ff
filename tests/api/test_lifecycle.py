"""The issue's "done when", driven only through the API with a real worker: a token from a
password, the State's services, an invoice submitted, routed to MISE_A_DISPOSITION by the
worker, rejected by an agent's token with a reason, and the history that shows it."""

from __future__ import annotations

import time

import pytest
from django.utils import timezone

from tests.api.conftest import CheckedClient
from tests.factories import DEFAULT_PASSWORD
from tests.invoices.factories import GOOD_IBAN

pytestmark = [
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]
STATE = "11000201100044"


def login(email: str) -> CheckedClient:
    client = CheckedClient()
    answer = client.post(
        "/api/v1/auth/token/", {"email": email, "password": DEFAULT_PASSWORD}, format="json"
    )
    assert answer.status_code == 201, answer.json()
    return client.as_token(answer.json()["token"])


def wait_for_status(client: CheckedClient, url: str, status: str, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = client.get(url).json()
        if body["status"] == status:
            return body
        time.sleep(0.2)
    raise AssertionError(f"{url} still {body['status']} after {timeout}s, not {status}")


def test_an_integrator_follows_an_invoice_until_an_agent_rejects_it(celery_worker, personas):
    supplier = login("principal@acme.test")
    me = supplier.get("/api/v1/me/").json()
    siret = me["memberships"][0]["siret"]
    services = supplier.get(f"/api/v1/structures/{STATE}/services/").json()["results"]
    service = next(s for s in services if not s["engagement_required"])

    created = supplier.post(
        "/api/v1/invoices/",
        {
            "supplier_siret": siret,
            "number": "LIFE-1",
            "issue_date": timezone.localdate().isoformat(),
            "recipient_siret": STATE,
            "service_code": service["code"],
            "iban": GOOD_IBAN,
            "lines": [
                {"description": "Audit", "quantity": "3", "unit_price": "400", "vat_rate": "20"}
            ],
        },
        format="json",
        HTTP_IDEMPOTENCY_KEY="life-1",
    )
    assert created.status_code == 201, created.json()
    url = created.json()["url"]

    available = wait_for_status(supplier, url, "MISE_A_DISPOSITION")
    assert available["made_available_at"]

    agent = login("agent@etat.test")
    received = agent.get("/api/v1/invoices/", {"direction": "received"}).json()
    assert [i["url"] for i in received["results"]] == [url]
    reasons = agent.get("/api/v1/rejection-reasons/", {"page_size": 200}).json()["results"]
    reason = next(r for r in reasons if "REJETEE" in r["allowed_statuses"])
    rejected = agent.post(
        f"{url}process/",
        {
            "status": "REJETEE",
            "reason_code": reason["code"],
            "comment": "Le bon de commande ne correspond pas.",
            "expected_status": "MISE_A_DISPOSITION",
        },
        format="json",
    )
    assert rejected.status_code == 200, rejected.json()

    history = supplier.get(f"{url}history/").json()["results"]
    assert [h["status"] for h in history] == [
        "BROUILLON",
        "DEPOSEE",
        "EN_COURS_ACHEMINEMENT",
        "MISE_A_DISPOSITION",
        "REJETEE",
    ]
    assert history[-1]["reason_code"] == reason["code"]
    assert history[-1]["comment"] == "Le bon de commande ne correspond pas."
    assert supplier.post(f"{url}acknowledge-rejection/").json()["rejection_acknowledged"]
