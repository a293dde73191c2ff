"""The flux API: deposit (202 and a status URL), follow, list; the same flux twice is the first."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from flux import services
from flux.models import Flux
from invoices.models import Invoice
from tests.flux.files import json_flux, json_invoice, zip_of
from tests.invoices.structured_files import cii_to_the_state

pytestmark = pytest.mark.django_db


def post_json(client, personas, content: bytes, **headers):  # type: ignore[no-untyped-def]
    return client.post(
        f"/api/v1/flux/?supplier_siret={personas.acme.identifier}",
        content,
        content_type="application/json",
        **headers,
    )


def integrate(response) -> None:  # type: ignore[no-untyped-def]
    services.flux_integrate(flux_id=response.json()["id"])


def test_a_json_flux_is_accepted_at_once_with_its_status_url(personas, client_for):
    content = json_flux(personas.acme.identifier, 3)

    response = post_json(client_for(personas.supplier_member), personas, content)

    assert response.status_code == 202
    body = response.json()
    assert response.headers["Location"] == body["url"] == f"/api/v1/flux/{body['id']}/"
    assert (body["status"], body["kind"], body["size"]) == ("RECU", "json", len(content))
    assert not Invoice.objects.exists()  # the workers integrate it


def test_the_status_url_gives_counts_and_each_invoice_result(personas, client_for):
    client = client_for(personas.supplier_member)
    siret = personas.acme.identifier
    content = json.dumps([json_invoice(siret, "A-1"), json_invoice(siret, "A-2", iban="FR00")])
    response = post_json(client, personas, content.encode())
    integrate(response)

    detail = client.get(response.json()["url"]).json()

    assert (detail["status"], detail["integrated_count"], detail["rejected_count"]) == (
        "PARTIEL", 1, 1,
    )  # fmt: skip
    first, second = detail["items"]
    assert (first["position"], first["number"], first["result"]) == (1, "A-1", "INTEGRATED")
    assert first["invoice_url"] == f"/api/v1/invoices/{first['invoice_id']}/"
    assert (second["result"], second["invoice_id"]) == ("REJECTED", None)
    assert {"rule": "CHORUS", "field": "iban"}.items() <= second["errors"][0].items()


def test_a_zip_flux_is_sent_as_a_multipart_file(personas, client_for):
    content = zip_of({"f.xml": cii_to_the_state(seller_siret=personas.acme.siret)})

    response = client_for(personas.supplier_principal).post(
        "/api/v1/flux/",
        {"supplier_siret": personas.acme.identifier,
         "file": SimpleUploadedFile("lot.zip", content, "application/zip")},
        format="multipart",
    )  # fmt: skip

    assert response.status_code == 202
    assert response.json()["kind"] == "zip"
    integrate(response)
    assert Flux.objects.get().status == Flux.Status.INTEGRE


def test_the_same_file_again_answers_the_first_flux(personas, client_for):
    client = client_for(personas.supplier_member)
    content = json_flux(personas.acme.identifier, 2)
    first = post_json(client, personas, content)

    again = post_json(client, personas, content)

    assert again.status_code == 202
    assert again.json()["id"] == first.json()["id"]
    assert again.headers["Flux-Already-Received"] == "true"
    assert Flux.objects.count() == 1


def test_the_same_idempotency_key_replays_the_first_answer(personas, client_for):
    client = client_for(personas.supplier_member)
    content = json_flux(personas.acme.identifier, 2)
    first = post_json(client, personas, content, HTTP_IDEMPOTENCY_KEY="lot-42")

    again = post_json(client, personas, content, HTTP_IDEMPOTENCY_KEY="lot-42")

    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert Flux.objects.count() == 1


def test_a_flux_for_a_structure_that_is_not_yours_is_refused(personas, client_for):
    response = post_json(client_for(personas.outsider), personas, json_flux("1" * 14, 1))

    assert response.status_code == 400
    assert "supplier_siret" in response.json()["errors"]
    assert not Flux.objects.exists()


def test_a_file_that_is_no_flux_is_refused_with_415(personas, client_for):
    response = client_for(personas.supplier_member).post(
        "/api/v1/flux/",
        {"supplier_siret": personas.acme.identifier,
         "file": SimpleUploadedFile("f.txt", b"hello", "text/plain")},
        format="multipart",
    )  # fmt: skip

    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_file_type"


def test_a_flux_larger_than_the_limit_is_refused_with_413(personas, client_for, settings):
    settings.FLUX_MAX_BYTES = 2048
    response = post_json(
        client_for(personas.supplier_member), personas, json_flux(personas.acme.identifier, 20)
    )

    assert response.status_code == 413
    assert not Flux.objects.exists()


def test_nobody_sees_another_structure_s_flux(personas, client_for):
    response = post_json(
        client_for(personas.supplier_member), personas, json_flux(personas.acme.identifier, 1)
    )
    outsider = client_for(personas.outsider)

    assert outsider.get(response.json()["url"]).status_code == 404
    assert outsider.get("/api/v1/flux/").json()["count"] == 0
    listed = client_for(personas.supplier_principal).get("/api/v1/flux/?status=RECU").json()
    assert [f["id"] for f in listed["results"]] == [response.json()["id"]]
