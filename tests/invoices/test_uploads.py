"""The PDF deposit: what is accepted, kept byte for byte, and every bad upload refused with
nothing stored (no invoice, no attachment row, no file)."""

from __future__ import annotations

import hashlib

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from invoices import files, services
from invoices.models import Attachment, Invoice, StatusChange
from invoices.services import InvoiceError
from invoices.workflow import Status
from tests.invoices.conftest import stored_files
from tests.invoices.factories import header, pdf_bytes, upload

pytestmark = pytest.mark.django_db


def _pdf_header(**overrides):  # type: ignore[no-untyped-def]
    values = {"total_excl_tax": "1000.00", "total_vat": "200.00", "total_incl_tax": "1200.00"}
    values.update(overrides)
    from decimal import Decimal

    return header(**{k: Decimal(v) if k.startswith("total") else v for k, v in values.items()})


def _upload(personas, main, attachments=(), **overrides):  # type: ignore[no-untyped-def]
    return services.invoice_upload_pdf(
        user=personas.supplier_principal,
        supplier=personas.acme,
        data=_pdf_header(**overrides),
        main_file=main,
        attachments=list(attachments),
    )


def test_a_pdf_is_deposited_and_kept_byte_for_byte(personas):
    content = pdf_bytes(pages=2)
    invoice = _upload(personas, upload("ma-facture.pdf", content))
    assert invoice.status == Status.DEPOSEE
    assert invoice.deposit_mode == "DEPOT_PDF_WEB"
    main = invoice.attachments.get(kind=Attachment.Kind.MAIN)
    assert default_storage.open(main.file.name).read() == content
    assert main.sha256 == hashlib.sha256(content).hexdigest()
    assert (main.original_name, main.size, main.is_signed) == (
        "ma-facture.pdf",
        len(content),
        False,
    )
    assert "ma-facture" not in main.file.name  # the storage path reveals nothing
    assert invoice.total_incl_tax == 1200


@pytest.mark.parametrize("how", ["flags", "field"])
def test_a_signed_pdf_is_detected_as_signed(personas, how):
    invoice = _upload(personas, upload("signee.pdf", pdf_bytes(signed=how)))
    assert invoice.attachments.get(kind=Attachment.Kind.MAIN).is_signed


def test_additional_attachments_go_with_the_deposit_and_into_its_hash(personas):
    note = SimpleUploadedFile("bon.csv", b"ref;qte\nA;1\n")
    invoice = _upload(personas, upload(), attachments=[note])
    files_ = list(invoice.attachments.exclude(kind=Attachment.Kind.CERTIFICATE))
    manifest = "".join(f"{a.sha256}  {a.original_name}\n" for a in files_)
    assert [a.kind for a in files_] == [Attachment.Kind.MAIN, Attachment.Kind.ADDITIONAL]
    assert invoice.deposit_sha256 == hashlib.sha256(manifest.encode()).hexdigest()


def _big(size: int) -> bytes:
    base = pdf_bytes()
    return base + b"%" * (size - len(base))


BAD = {
    "corrupt": (lambda: upload("f.pdf", b"%PDF-1.7\n" + b"\x00garbage" * 50), "illisible"),
    "encrypted": (lambda: upload("f.pdf", pdf_bytes(password="secret")), "chiffré"),
    "empty": (lambda: upload("f.pdf", b""), "vide"),
    "too-large": (lambda: upload("f.pdf", _big(files.MAX_FILE_SIZE)), "10 Mo"),
    "not-a-pdf": (lambda: upload("f.pdf", b"PK\x03\x04 a zip renamed"), "pas un PDF"),
    "name-51": (lambda: upload("n" * 47 + ".pdf"), "50 caractères"),
    "not-pdf-extension": (lambda: upload("facture.docx", pdf_bytes()), "PDF"),
    "no-extension": (lambda: upload("facture", pdf_bytes()), "extension"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_a_bad_upload_is_refused_clearly_and_nothing_is_stored(personas, media_root, case):
    make, words = BAD[case]
    with pytest.raises(InvoiceError) as caught:
        _upload(personas, make())
    assert list(caught.value.errors) == ["main_file"]
    assert words in caught.value.errors["main_file"][0]
    assert not Invoice.objects.exists()
    assert not Attachment.objects.exists()
    assert not StatusChange.objects.exists()
    assert stored_files(media_root) == []


def test_a_50_character_name_is_accepted(personas):
    invoice = _upload(personas, upload("n" * 46 + ".pdf"))
    assert invoice.attachments.get(kind=Attachment.Kind.MAIN).original_name == "n" * 46 + ".pdf"


def test_a_bad_additional_attachment_is_refused_with_nothing_stored(personas, media_root):
    bad = SimpleUploadedFile("script.exe", b"MZ")
    with pytest.raises(InvoiceError) as caught:
        _upload(personas, upload(), attachments=[bad])
    assert "attachments" in caught.value.errors
    assert not Invoice.objects.exists()
    assert stored_files(media_root) == []


def test_a_refused_deposit_check_leaves_no_file_behind(personas, media_root):
    with pytest.raises(InvoiceError) as caught:
        _upload(personas, upload(), total_incl_tax="1199.99")
    assert "total_incl_tax" in caught.value.errors
    assert not Invoice.objects.exists()
    assert stored_files(media_root) == []


def test_more_than_120_mb_of_attachments_is_refused(personas, media_root, monkeypatch):
    # Eleven files under 10 MB each: over the per-invoice limit; the limit is lowered so that
    # the test does not write 120 MB (the rule, not the constant, is what is tested).
    monkeypatch.setattr(files, "MAX_TOTAL_SIZE", 3 * len(pdf_bytes()))
    extra = [upload(f"annexe-{i}.pdf") for i in range(3)]
    with pytest.raises(InvoiceError) as caught:
        _upload(personas, upload(), attachments=extra)
    assert "120 Mo" in caught.value.errors["attachments"][0]
    assert stored_files(media_root) == []
