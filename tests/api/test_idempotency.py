"""Idempotency-Key: one write per key, replays, refusals, retention, and concurrency."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from chorus.models import IdempotencyKey
from chorus.tasks import purge_idempotency_keys
from invoices.models import Invoice
from tests.api.conftest import CheckedClient, token_for
from tests.api.test_writes import invoice_body
from tests.invoices.factories import invoice_in
from tests.utils.services import require_postgresql
from tests.utils.transactions import held_open

URL = "/api/v1/invoices/"


def create(client: CheckedClient, body: dict, key: str | None = "key-1", **extra: Any):  # type: ignore[no-untyped-def]
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return client.post(URL, body, format="json", **headers, **extra)


@pytest.mark.django_db
def test_the_same_key_and_body_replays_the_first_answer(personas, client_for):
    client = client_for(personas.supplier_member)
    body = invoice_body(personas)

    first = create(client, body)
    again = create(client, body)

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.headers["Location"] == first.headers["Location"]
    assert "Idempotent-Replayed" not in first.headers
    assert Invoice.objects.count() == 1


@pytest.mark.django_db
def test_the_same_body_in_another_order_or_spacing_is_the_same_request(personas, client_for):
    client = client_for(personas.supplier_member)
    body = invoice_body(personas)
    create(client, body)
    reordered = json.dumps(dict(reversed(body.items())), indent=4)

    again = client.generic(
        "POST", URL, reordered, content_type="application/json", HTTP_IDEMPOTENCY_KEY="key-1"
    )

    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"


@pytest.mark.django_db
def test_the_same_key_with_another_body_is_422(personas, client_for):
    client = client_for(personas.supplier_member)
    create(client, invoice_body(personas))

    other = create(client, invoice_body(personas, number="API-0002"))

    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused"
    assert Invoice.objects.count() == 1


@pytest.mark.django_db
def test_the_same_key_on_another_endpoint_is_422(personas, client_for):
    client = client_for(personas.supplier_member)
    created = create(client, invoice_body(personas, draft=True))

    other = client.post(
        f"/api/v1/invoices/{created.json()['id']}/submit/", HTTP_IDEMPOTENCY_KEY="key-1"
    )

    assert other.status_code == 422


@pytest.mark.django_db
def test_without_a_key_a_blind_retry_is_stopped_by_the_duplicate_number_rule(personas, client_for):
    client = client_for(personas.supplier_member)

    first = create(client, invoice_body(personas), key=None)
    retry = create(client, invoice_body(personas), key=None)

    assert first.status_code == 201 and retry.status_code == 400
    assert Invoice.objects.count() == 1
    assert not IdempotencyKey.objects.exists()


@pytest.mark.django_db
def test_an_error_is_not_remembered_so_the_fixed_request_may_reuse_the_key(personas, client_for):
    client = client_for(personas.supplier_member)

    refused = create(client, invoice_body(personas, iban=""))
    fixed = create(client, invoice_body(personas))

    assert refused.status_code == 400 and fixed.status_code == 201
    assert "Idempotent-Replayed" not in fixed.headers


@pytest.mark.django_db
def test_keys_belong_to_their_user(personas, client_for):
    create(client_for(personas.supplier_member), invoice_body(personas))

    theirs = create(
        client_for(personas.outsider),
        invoice_body(personas, supplier_siret=personas.globex.identifier),
    )

    assert theirs.status_code == 201 and "Idempotent-Replayed" not in theirs.headers


@pytest.mark.django_db
def test_two_tokens_of_one_user_share_the_users_keys(personas):
    first = CheckedClient().as_token(token_for(personas.supplier_member, "a"))
    second = CheckedClient().as_token(token_for(personas.supplier_member, "b"))
    create(first, invoice_body(personas))

    again = create(second, invoice_body(personas))

    assert again.headers["Idempotent-Replayed"] == "true"


@pytest.mark.django_db
def test_actions_replay_too(personas, client_for):
    invoice = invoice_in(personas, "MISE_A_DISPOSITION")
    client = client_for(personas.agent)
    body = {"status": "SERVICE_FAIT"}
    url = f"/api/v1/invoices/{invoice.pk}/process/"

    first = client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="decision-1")
    again = client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="decision-1")
    without = client.post(url, body, format="json")

    assert first.status_code == again.status_code == 200
    assert again.json()["status"] == "SERVICE_FAIT"
    assert without.status_code == 409


@pytest.mark.django_db
@pytest.mark.parametrize("key", ["", "x" * 256, "clé", "tab\there"])
def test_a_malformed_key_is_400(personas, client_for, key):
    response = create(client_for(personas.supplier_member), invoice_body(personas), key=key)

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["Idempotency-Key"]
    assert not Invoice.objects.exists()


@pytest.mark.django_db
def test_keys_are_kept_a_day_then_expire(personas, client_for, settings):
    client = client_for(personas.supplier_member)
    create(client, invoice_body(personas, draft=True))
    IdempotencyKey.objects.update(created_at=timezone.now() - timedelta(hours=23))

    within = create(client, invoice_body(personas, draft=True))
    IdempotencyKey.objects.update(created_at=timezone.now() - timedelta(hours=25))
    after = create(client, invoice_body(personas, draft=True))

    assert within.headers.get("Idempotent-Replayed") == "true"
    assert after.status_code == 201 and "Idempotent-Replayed" not in after.headers
    assert Invoice.objects.count() == 2


@pytest.mark.django_db
def test_the_purge_task_forgets_expired_keys_only(personas):
    old = IdempotencyKey.objects.create(user=personas.admin, key="old", request_sha256="x")
    IdempotencyKey.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=2))
    IdempotencyKey.objects.create(user=personas.admin, key="new", request_sha256="x")

    assert purge_idempotency_keys() == 1
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["new"]


# --- concurrency (PostgreSQL) ------------------------------------------------------------------
def _in_threads(count: int, call: Any) -> list[Any]:
    results: list[Any] = [None] * count
    barrier = threading.Barrier(count)

    def run(index: int) -> None:
        try:
            barrier.wait()
            results[index] = call()
        except Exception as exc:  # reported by the assertions below
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("reference_data")
def test_twenty_concurrent_posts_with_one_key_create_one_invoice(personas):
    require_postgresql()
    key = token_for(personas.supplier_member)
    body = invoice_body(personas)

    def post() -> Any:
        return create(CheckedClient().as_token(key), body, key="concurrent-key")

    responses = _in_threads(20, post)

    assert all(not isinstance(r, Exception) for r in responses), responses
    assert [r.status_code for r in responses] == [201] * 20
    assert len({r.json()["id"] for r in responses}) == 1
    assert sum(r.headers.get("Idempotent-Replayed") == "true" for r in responses) == 19
    assert Invoice.objects.count() == 1


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("reference_data")
def test_a_request_waiting_too_long_for_the_same_key_gets_409(personas, settings):
    require_postgresql()
    settings.API_IDEMPOTENCY_WAIT = 1
    key = token_for(personas.supplier_member)

    # Another request with this key, still running: its row is inserted, not committed.
    with held_open(
        lambda: IdempotencyKey.objects.create(
            user=personas.supplier_member, key="slow-key", request_sha256="x"
        )
    ):
        response = create(CheckedClient().as_token(key), invoice_body(personas), key="slow-key")

    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_key_in_progress"
    assert not Invoice.objects.exists()
