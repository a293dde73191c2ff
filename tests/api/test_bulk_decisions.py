"""Bulk decisions in the API: one request, one result per invoice; the caller's invoices only."""

from __future__ import annotations

import pytest

from chorus.models import OutgoingEmail
from invoices.bulk.models import BulkDecision
from invoices.models import Invoice
from invoices.workflow import Status
from tests.invoices.factories import invoice_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("personas")]

URL = "/api/v1/invoices/bulk-decisions/"


def _status(invoice: Invoice) -> str:
    return Invoice.objects.get(pk=invoice.pk).status


def test_one_request_rejects_several_invoices_and_answers_each_one_s_result(personas, client_for):
    available = [invoice_in(personas, Status.MISE_A_DISPOSITION) for _ in range(2)]
    paid = invoice_in(personas, Status.MISE_EN_PAIEMENT)
    response = client_for(personas.agent).post(
        URL,
        {
            "invoice_ids": [available[0].pk, paid.pk, available[1].pk],
            "status": "REJETEE",
            "reason_code": "SUPPRESSION_MASSE",
            "comment": "Lot déposé deux fois.",
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["state"], body["invoice_count"], body["done_count"], body["refused_count"]) == (
        "DONE",
        3,
        2,
        1,
    )
    assert [(i["invoice_id"], i["result"]) for i in body["items"]] == [
        (available[0].pk, "DONE"),
        (paid.pk, "REFUSED"),
        (available[1].pk, "DONE"),
    ]
    assert "ne s'applique pas à une facture mise en paiement" in body["items"][1]["message"]
    assert body["reason_code"] == "SUPPRESSION_MASSE"
    assert [_status(i) for i in available] == [Status.REJETEE] * 2
    again = client_for(personas.agent).get(body["url"])
    assert again.status_code == 200 and again.json()["items"] == body["items"]
    # Acme's two users each get one digest of the two rejections, not one e-mail per invoice.
    assert sorted(OutgoingEmail.objects.values_list("to", "subject")) == [
        ("member@acme.test", "2 factures : Rejetée"),
        ("principal@acme.test", "2 factures : Rejetée"),
    ]


def test_a_long_batch_answers_202_and_its_address(personas, client_for, settings):
    settings.BULK_DECISION_INLINE_MAX = 1
    invoices = [invoice_in(personas, Status.COMPTABILISEE) for _ in range(2)]
    response = client_for(personas.agent).post(
        URL, {"invoice_ids": [i.pk for i in invoices], "status": "MISE_EN_PAIEMENT"}, format="json"
    )
    assert response.status_code == 202
    body = response.json()
    assert response["Location"] == body["url"] and body["state"] == "PENDING"
    assert {i["result"] for i in body["items"]} == {"PENDING"}


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"invoice_ids": [], "status": "COMPTABILISEE"}, "invoice_ids"),
        ({"invoice_ids": [1], "status": "MANDATEE"}, "status"),
        ({"invoice_ids": "1,2", "status": "COMPTABILISEE"}, "invoice_ids"),
        ({"invoice_ids": [10**19], "status": "COMPTABILISEE"}, "invoice_ids"),
        ({"status": "SUSPENDUE", "comment": "x"}, "reason_code"),
        ({"status": "REJETEE", "reason_code": "NOPE", "comment": "x"}, "reason_code"),
    ],
)
def test_a_wrong_request_is_a_400_on_its_field_and_decides_nothing(
    personas, client_for, payload, field
):
    invoice = invoice_in(personas, Status.MISE_A_DISPOSITION)
    payload = {"invoice_ids": [invoice.pk], **payload}
    response = client_for(personas.agent).post(URL, payload, format="json")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert any(key.split(".")[0] == field for key in errors), errors  # invoice_ids.0 for an item
    assert not BulkDecision.objects.exists() and _status(invoice) == Status.MISE_A_DISPOSITION


def test_an_agent_cannot_decide_on_or_read_another_service_s_batch(personas, client_for):
    mine = invoice_in(personas, Status.MISE_A_DISPOSITION)
    other = client_for(personas.other_agent)
    response = other.post(URL, {"invoice_ids": [mine.pk], "status": "COMPTABILISEE"}, format="json")
    assert response.status_code == 400
    assert str(mine.pk) in response.json()["errors"]["invoice_ids"][0]
    assert _status(mine) == Status.MISE_A_DISPOSITION
    done = client_for(personas.agent).post(
        URL, {"invoice_ids": [mine.pk], "status": "COMPTABILISEE"}, format="json"
    )
    for user in (personas.other_agent, personas.supplier_principal):
        assert client_for(user).get(done.json()["url"]).status_code == 404


def test_only_a_token_with_the_process_scope_decides_in_bulk(personas):
    from accounts import services as account_services
    from tests.api.conftest import CheckedClient

    invoice = invoice_in(personas, Status.MISE_A_DISPOSITION)
    body = {"invoice_ids": [invoice.pk], "status": "COMPTABILISEE"}
    for scopes, expected in ((["read", "deposit"], 403), (["process"], 200)):
        _token, key = account_services.api_token_create(
            user=personas.agent, name="t", scopes=scopes
        )
        response = CheckedClient().as_token(key).post(URL, body, format="json")
        assert response.status_code == expected
    assert _status(invoice) == Status.COMPTABILISEE
