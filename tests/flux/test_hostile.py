"""Hostile flux: each refused as a whole with a clear reason, or rejected invoice by invoice,
read within bounds (nothing unpacked past its limit), and nothing half-stored."""

from __future__ import annotations

import io
import json
import os
import tracemalloc
import zipfile

import pytest

from flux import services
from flux.models import Flux, FluxItem
from invoices.models import Attachment, Invoice
from tests.flux.files import as_file, json_flux, json_invoice, zip_of
from tests.invoices.structured_files import cii_to_the_state

pytestmark = pytest.mark.django_db


def integrated(personas, content: bytes, name: str = "lot.zip") -> Flux:  # type: ignore[no-untyped-def]
    flux = services.flux_receive(
        user=personas.supplier_member, supplier=personas.acme,
        content=as_file(content, name), name=name,
    ).flux  # fmt: skip
    return services.flux_integrate(flux_id=flux.pk)


def assert_refused_whole(flux: Flux, words: str) -> None:
    assert flux.status == Flux.Status.REFUSE
    assert words in flux.refusal
    assert not flux.items.exists()
    assert not Invoice.objects.exists()


def zip_bomb(unpacked_mb: int) -> bytes:
    """One entry of zeros: a few hundred kilobytes that unpack to ``unpacked_mb`` megabytes."""
    buffer = io.BytesIO()
    block = b"\0" * 2**20
    with (
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open("facture.xml", "w", force_zip64=True) as entry,
    ):
        for _ in range(unpacked_mb):
            entry.write(block)
    return buffer.getvalue()


def test_a_zip_bomb_is_refused_from_its_directory_without_unpacking_it(personas):
    bomb = zip_bomb(300)
    assert len(bomb) < 2 * 2**20

    tracemalloc.start()
    try:
        flux = integrated(personas, bomb)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert_refused_whole(flux, "bombe de décompression")
    assert peak < 20 * 2**20


def test_an_entry_larger_than_an_invoice_file_is_rejected_alone(personas, settings):
    settings.INVOICE_FILE_MAX_BYTES = 4096
    good = cii_to_the_state(seller_siret=personas.acme.siret)
    settings.INVOICE_FILE_MAX_BYTES = max(len(good) + 1, 4096)
    big = os.urandom(len(good) + 10)  # random bytes: no ratio to suspect, only the size

    flux = integrated(personas, zip_of({"a.xml": good, "b.xml": big}))

    assert (flux.status, flux.integrated_count, flux.rejected_count) == (Flux.Status.PARTIEL, 1, 1)
    rejected = flux.items.get(result=FluxItem.Result.REJECTED)
    assert "taille maximale" in rejected.errors[0]["message"]


HOSTILE_NAMES = [
    "../../etc/passwd.xml",  # not a path: a hostile name the test sends
    "/etc/facture.xml",
    "a/../../facture.xml",  # not a path: a hostile name the test sends
    "C:\\f.xml",
]


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_a_name_that_leaves_the_archive_refuses_the_flux(personas, name):
    flux = integrated(personas, zip_of({"ok.xml": b"<a/>", name: b"<a/>"}))

    assert_refused_whole(flux, "sort du dossier")


def test_an_archive_inside_the_archive_is_rejected_and_the_others_integrated(personas):
    inner = zip_of({"f.xml": cii_to_the_state(seller_siret=personas.acme.siret)})
    disguised = zip_of({"g.xml": b"<a/>"})
    content = zip_of(
        {
            "f.xml": cii_to_the_state(seller_siret=personas.acme.siret),
            "lot.zip": inner,
            "cache.xml": disguised,  # an archive named .xml
        }
    )

    flux = integrated(personas, content)

    assert (flux.integrated_count, flux.rejected_count) == (1, 2)
    for item in flux.items.filter(result=FluxItem.Result.REJECTED):
        assert "archive dans l'archive" in item.errors[0]["message"]


def test_ten_thousand_tiny_entries_refuse_the_flux_before_any_is_read(personas):
    content = zip_of({f"f{i:05d}.xml": b"<a/>" for i in range(10_000)})

    flux = integrated(personas, content)

    assert_refused_whole(flux, "plus de 500 factures")


def test_a_json_array_over_the_limit_refuses_the_flux(personas, settings):
    settings.FLUX_MAX_INVOICES = 500
    content = json.dumps([{"number": str(i)} for i in range(501)]).encode()

    flux = integrated(personas, content, "lot.json")

    assert_refused_whole(flux, "plus de 500 factures")


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"[{]", "illisible"),
        (b"[]", "tableau non vide"),
        (b"[" * 100_000 + b"]" * 100_000, "illisible"),  # deep enough to break the decoder
    ],
)
def test_a_json_flux_that_is_no_array_of_invoices_is_refused(personas, content, words):
    flux = integrated(personas, content, "lot.json")

    assert_refused_whole(flux, words)


def test_a_broken_zip_is_refused(personas):
    flux = integrated(personas, b"PK\x03\x04" + os.urandom(200))

    assert_refused_whole(flux, "illisible")


def test_one_broken_invoice_among_many_is_rejected_alone(personas):
    siret = personas.acme.identifier
    invoices = [json_invoice(siret, f"M-{i:03d}") for i in range(30)]
    invoices[17] = {"number": "M-017", "lines": "pas une liste"}
    invoices[23] = "pas un objet"

    flux = integrated(personas, json.dumps(invoices).encode(), "lot.json")

    assert (flux.status, flux.integrated_count, flux.rejected_count) == (Flux.Status.PARTIEL, 28, 2)
    rejected = flux.items.filter(result=FluxItem.Result.REJECTED).order_by("position")
    assert [item.position for item in rejected] == [18, 24]
    assert {e["rule"] for item in rejected for e in item.errors} == {"SCHEMA"}


def test_invoices_of_another_supplier_are_rejected_and_leave_nothing(personas):
    siret = personas.acme.identifier
    invoices = [json_invoice(siret, "OWN-1"), json_invoice(personas.globex.identifier, "GLX-1")]

    flux = integrated(personas, json.dumps(invoices).encode(), "lot.json")

    rejected = flux.items.get(result=FluxItem.Result.REJECTED)
    assert (rejected.number, rejected.errors[0]["rule"]) == ("GLX-1", "FLUX")
    assert "autre fournisseur" in rejected.errors[0]["message"]
    assert list(Invoice.objects.values_list("number", "supplier")) == [("OWN-1", personas.acme.pk)]
    assert not Invoice.objects.filter(supplier=personas.globex).exists()


def test_rejected_invoices_leave_no_file_behind(personas, media_root):
    bad = cii_to_the_state("CII_example2.xml", seller_siret=personas.globex.siret)
    content = zip_of({"ok.xml": cii_to_the_state(seller_siret=personas.acme.siret), "ko.xml": bad})

    integrated(personas, content)

    stored = [p for p in (media_root).rglob("*") if p.is_file() and "flux" not in p.parts]
    assert len(stored) == Attachment.objects.count()
    assert (
        not Attachment.objects.exclude(invoice__number__in=["471102"])
        .exclude(invoice__supplier=personas.acme)
        .exists()
    )


def test_a_depositor_who_lost_the_right_gets_every_invoice_rejected(personas):
    from structures.models import Membership

    flux = services.flux_receive(
        user=personas.supplier_member, supplier=personas.acme,
        content=as_file(json_flux(personas.acme.identifier, 2), "l.json"), name="l.json",
    ).flux  # fmt: skip
    Membership.objects.filter(user=personas.supplier_member).update(can_modify=False)

    flux = services.flux_integrate(flux_id=flux.pk)

    assert (flux.status, flux.rejected_count) == (Flux.Status.REFUSE, 2)
    assert not Invoice.objects.exists()
