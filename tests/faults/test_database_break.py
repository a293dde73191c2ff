"""The database connection breaks in the middle of a deposit — PostgreSQL itself terminates the
request's backend (``pg_terminate_backend`` on the test's own connection, of its own test
database) just as the deposit stores its first file: the user gets a clear error (the API a JSON
503 with Retry-After, the page a French message), nothing is half-stored (no invoice, no history,
no idempotency key, no file left in the storage), and a retry with the same Idempotency-Key
succeeds, once.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.db import close_old_connections, connection
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from chorus.models import IdempotencyKey
from invoices.models import Attachment, Invoice, StatusChange
from tests.api.conftest import token_for
from tests.invoices.conftest import stored_files
from tests.invoices.factories import GOOD_IBAN, STATE_SIRET, entry_form
from tests.utils.services import require_postgresql

pytestmark = [
    pytest.mark.services,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]

# The deposit has written its file to the storage when it inserts this row (with its other
# rows, in one message: invoices/services/_rows.py).
FIRST_FILE_ROW = 'INSERT INTO "invoices_attachment"'


@pytest.fixture
def media_root(settings, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def terminate(pid: int) -> None:
    """Ask PostgreSQL, over a second connection, to end the backend ``pid`` (ours)."""
    params = connection.get_connection_params()
    with psycopg.connect(**params, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])


@contextmanager
def connection_breaks_at(statement: str) -> Iterator[list[str]]:
    """The connection of this thread dies when it is about to run the query that holds
    ``statement``."""
    connection.ensure_connection()
    pid = connection.connection.info.backend_pid
    broken: list[str] = []

    def breaker(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        if not broken and statement in sql:
            broken.append(sql)
            terminate(pid)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(breaker):
        yield broken
    # What a server does between two requests (the test client does not): drop the dead one.
    close_old_connections()


@contextmanager
def database_unreachable() -> Iterator[None]:
    """The connection settings point at a port where nothing listens. With psycopg's pool the
    pool is made again from them, and waits a second (not the production setting's ten) for a
    connection before it gives up."""
    settings_dict = connection.settings_dict
    port, pool = settings_dict["PORT"], settings_dict.get("OPTIONS", {}).get("pool")
    connection.close()
    if pool:
        connection.close_pool()
        settings_dict["OPTIONS"]["pool"] = {**pool, "timeout": 1.0}
    settings_dict["PORT"] = "1"
    try:
        yield
    finally:
        connection.close()
        if pool:
            connection.close_pool()
            settings_dict["OPTIONS"]["pool"] = pool
        settings_dict["PORT"] = port


def assert_nothing_stored(media_root: Path) -> None:
    assert not Invoice.objects.exists() and not StatusChange.objects.exists()
    assert not Attachment.objects.exists() and not IdempotencyKey.objects.exists()
    assert stored_files(media_root) == []


def invoice_body(personas: Any) -> dict[str, Any]:
    return {
        "supplier_siret": personas.acme.identifier,
        "number": "DB-1",
        "issue_date": datetime.date.today().isoformat(),
        "recipient_siret": STATE_SIRET,
        "service_code": "FACTURES_PUBLIQUES",
        "iban": GOOD_IBAN,
        "lines": [
            {"description": "Conseil", "quantity": "1", "unit_price": "10", "vat_rate": "20"}
        ],
    }


def test_an_api_deposit_cut_off_from_the_database_is_a_503_then_a_retry_succeeds_once(
    personas, media_root
):
    require_postgresql()
    api = APIClient(raise_request_exception=False)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token_for(personas.supplier_principal)}")
    key = {"HTTP_IDEMPOTENCY_KEY": str(uuid.uuid4())}
    body = invoice_body(personas)
    with connection_breaks_at(FIRST_FILE_ROW) as broken:
        response = api.post("/api/v1/invoices/", body, format="json", **key)
    assert broken, "the deposit never reached its first file"
    assert response.status_code == 503
    assert response.json()["code"] == "service_unavailable"
    assert "rien n'a été enregistré" in response.json()["detail"]
    assert response["Retry-After"] == "5"
    assert_nothing_stored(media_root)

    retried = api.post("/api/v1/invoices/", body, format="json", **key)
    assert retried.status_code == 201
    replayed = api.post("/api/v1/invoices/", body, format="json", **key)
    assert replayed.status_code == 201 and replayed["Idempotent-Replayed"] == "true"
    assert replayed.json()["id"] == retried.json()["id"]
    assert Invoice.objects.count() == 1


def test_a_page_deposit_cut_off_from_the_database_shows_a_french_message(personas, media_root):
    require_postgresql()
    client = Client(raise_request_exception=False)
    client.force_login(personas.supplier_principal)
    with connection_breaks_at(FIRST_FILE_ROW) as broken:
        response = client.post(reverse("invoices:create"), entry_form(personas, number="DB-2"))
    assert broken
    assert response.status_code == 503
    page = response.content.decode()
    assert "Service momentanément indisponible" in page
    assert "Rien de ce que vous venez d’envoyer n’a été enregistré" in page
    assert_nothing_stored(media_root)

    retried = client.post(reverse("invoices:create"), entry_form(personas, number="DB-2"))
    assert retried.status_code == 302
    assert Invoice.objects.count() == 1


def test_a_database_that_refuses_connections_is_a_503_not_a_500(personas):
    """Pages and API calls, when the database cannot be reached at all (it refuses the
    connection): the same clear answers, from middleware as well as views."""
    require_postgresql()
    client = Client(raise_request_exception=False)
    client.force_login(personas.supplier_principal)
    token = token_for(personas.supplier_principal)
    with database_unreachable():
        page = client.get(reverse("invoices:sent"))
        api = APIClient(raise_request_exception=False).get(
            "/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token}"
        )
    assert page.status_code == 503 and "Service momentanément indisponible" in page.content.decode()
    assert api.status_code == 503 and api.json()["code"] == "service_unavailable"
