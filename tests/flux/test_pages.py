"""The supplier's flux pages: "Déposer un flux", "Suivi des flux" (list, detail filtered by
result, the rejects as CSV), in French and English; 404 outside; constant query counts."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from flux import services
from flux.models import Flux
from tests.flux.files import as_file, json_flux, json_invoice

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client):  # type: ignore[no-untyped-def]
    return lambda user: client.force_login(user) or client


def partly_integrated(personas) -> Flux:  # type: ignore[no-untyped-def]
    siret = personas.acme.identifier
    content = json.dumps([json_invoice(siret, "P-1"), json_invoice(siret, "P-2", iban="FR00")])
    flux = services.flux_receive(
        user=personas.supplier_member, supplier=personas.acme,
        content=as_file(content.encode(), "lot.json"), name="lot.json",
    ).flux  # fmt: skip
    return services.flux_integrate(flux_id=flux.pk)


def test_a_supplier_deposits_a_flux_and_lands_on_its_follow_up(personas, signed_in):
    client = signed_in(personas.supplier_member)
    upload = SimpleUploadedFile("lot.json", json_flux(personas.acme.identifier, 2))

    response = client.post(
        reverse("flux:upload"), {"supplier": personas.acme.pk, "file": upload}, follow=True
    )

    flux = Flux.objects.get()
    assert response.redirect_chain[-1][0] == reverse("flux:detail", args=[flux.pk])
    assert "Flux reçu" in response.text
    assert flux.depositor == personas.supplier_member


def test_a_file_that_is_no_flux_is_refused_next_to_its_field(personas, signed_in):
    client = signed_in(personas.supplier_member)
    upload = SimpleUploadedFile("photo.png", b"\x89PNG\r\n")

    response = client.post(reverse("flux:upload"), {"supplier": personas.acme.pk, "file": upload})

    assert response.status_code == 400
    assert "archive ZIP, un fichier XML ou un tableau JSON" in response.text
    assert not Flux.objects.exists()


def test_the_navigation_leads_to_the_follow_up_of_flux(personas, signed_in):
    response = signed_in(personas.supplier_member).get(reverse("flux:list"))

    assert f'href="{reverse("flux:list")}" aria-current="page"' in response.text
    assert "Suivi des flux" in response.text


def test_the_detail_lists_each_invoice_and_filters_by_result(personas, signed_in):
    flux = partly_integrated(personas)
    client = signed_in(personas.supplier_principal)
    url = reverse("flux:detail", args=[flux.pk])

    everything = client.get(url).text
    rejected = client.get(url, {"result": "REJECTED"}).text

    assert "P-1" in everything and "P-2" in everything
    assert "P-2" in rejected and "P-1" not in rejected
    assert "Partiellement intégré" in everything


def test_the_rejects_are_exported_as_csv(personas, signed_in):
    flux = partly_integrated(personas)

    response = signed_in(personas.supplier_member).get(reverse("flux:rejects", args=[flux.pk]))

    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0] == ["Position", "Entrée", "Numéro de facture", "Règle", "Champ", "Motif"]
    assert [row[:5] for row in rows[1:]] == [["2", "[1]", "P-2", "CHORUS", "iban"]]
    assert response["Content-Disposition"] == f'attachment; filename="rejets-flux-{flux.pk}.csv"'


def test_nobody_outside_the_structure_sees_a_flux(personas, signed_in):
    flux = partly_integrated(personas)
    client = signed_in(personas.outsider)

    assert client.get(reverse("flux:detail", args=[flux.pk])).status_code == 404
    assert client.get(reverse("flux:rejects", args=[flux.pk])).status_code == 404
    assert "lot.json" not in client.get(reverse("flux:list")).text


def test_the_pages_speak_english_on_request(personas, signed_in):
    flux = partly_integrated(personas)
    client = signed_in(personas.supplier_member)
    client.cookies["django_language"] = "en"

    assert "Flux follow-up" in client.get(reverse("flux:list")).text
    assert "Partly integrated" in client.get(reverse("flux:detail", args=[flux.pk])).text
    assert "Deposit a flux" in client.get(reverse("flux:upload")).text


def test_the_list_s_query_count_does_not_grow_with_the_flux(personas, signed_in):
    client = signed_in(personas.supplier_member)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("flux:list")).status_code == 200
        return len(captured)

    def receive(content: bytes) -> None:
        services.flux_receive(
            user=personas.supplier_member, supplier=personas.acme,
            content=as_file(content, "a.json"), name="a.json",
        )  # fmt: skip

    receive(b"[1]")
    few = queries()
    for n in range(5):
        receive(f"[{n}, 0]".encode())
    assert queries() == few
