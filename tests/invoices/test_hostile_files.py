"""Broken and malicious files (tests/invoices/hostile_files.py), sent through the deposit page
and the API: each refused with a clear message, in bounded time and without the web process'
memory growing, and nothing stored — no invoice, no row, no file. Ordinary files still pass.

PDFs are read in a child process with limits (invoices/pdf_sandbox.py); the sandbox's own
failure modes (a reader that hangs, one that dies) are refused too.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from invoices import files, pdf_sandbox
from invoices.models import Attachment, Invoice, StatusChange
from tests.api.conftest import token_for
from tests.invoices.conftest import stored_files
from tests.invoices.factories import GOOD_IBAN, STATE_SIRET, pdf_bytes
from tests.invoices.hostile_files import CORPUS, Hostile, deflated_zeros
from tests.invoices.structured_files import facturx_to_the_state

pytestmark = pytest.mark.django_db

# A refusal must come well within the sandbox's timeout, whatever the file.
TIME_BOUND = 12.0
# How much the web process' peak memory may grow while refusing a file (the file itself,
# read once or twice, and the request's objects).
MEMORY_BOUND_MB = 60


@pytest.fixture(autouse=True)
def short_sandbox(settings):  # type: ignore[no-untyped-def]
    settings.INVOICE_PDF_CHECK_TIMEOUT = 10


def form_fields(personas: Any) -> dict[str, str]:
    return {
        "number": "HOSTILE-1",
        "issue_date": time.strftime("%Y-%m-%d"),
        "recipient_siret": STATE_SIRET,
        "service_code": "FACTURES_PUBLIQUES",
        "iban": GOOD_IBAN,
        "total_excl_tax": "100.00",
        "total_vat": "20.00",
        "total_incl_tax": "120.00",
        "billing_frame": "A1",
        "invoice_type": "FACTURE",
        "currency": "EUR",
        "vat_regime": "DEBITS",
        "payment_method": "VIREMENT",
    }


def as_upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, "application/octet-stream")


def files_for(case: Hostile) -> tuple[SimpleUploadedFile, list[SimpleUploadedFile]]:
    hostile = as_upload(case.name, case.build())
    if case.role == "file":
        return hostile, []
    return as_upload("facture.pdf", pdf_bytes()), [hostile]


def through_the_page(client: Any, personas: Any, main: Any, extra: list[Any]) -> tuple[int, str]:
    client.force_login(personas.supplier_principal)
    data = {**form_fields(personas), "supplier": str(personas.acme.pk), "main_file": main}
    if extra:
        data["attachments"] = extra
    response = client.post(reverse("invoices:upload"), data)
    return response.status_code, response.content.decode()


def through_the_api(personas: Any, main: Any, extra: list[Any]) -> tuple[int, str]:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token_for(personas.supplier_principal)}")
    body = {**form_fields(personas), "supplier_siret": personas.acme.identifier, "file": main}
    if extra:
        body["attachments"] = extra
    response = api.post("/api/v1/invoices/upload/", body, format="multipart")
    return response.status_code, json.dumps(response.json(), ensure_ascii=False)


def peak_memory_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def assert_nothing_stored(media_root: Path) -> None:
    assert not Invoice.objects.exists()
    assert not Attachment.objects.exists() and not StatusChange.objects.exists()
    assert stored_files(media_root) == []


@pytest.mark.parametrize("channel", ["page", "api"])
@pytest.mark.parametrize("case_name", sorted(CORPUS))
def test_a_hostile_file_is_refused_quickly_with_a_clear_message(
    client, personas, media_root, case_name, channel
):
    case = CORPUS[case_name]
    main, extra = files_for(case)
    memory_before = peak_memory_mb()
    started = time.monotonic()
    if channel == "page":
        status, answer = through_the_page(client, personas, main, extra)
        assert status == 200  # the form again, with the message next to the file field
    else:
        status, answer = through_the_api(personas, main, extra)
        assert status in (400, 413, 415), answer[:300]
    assert time.monotonic() - started < TIME_BOUND
    assert peak_memory_mb() - memory_before < MEMORY_BOUND_MB
    assert case.words in answer, answer[:2000]
    assert_nothing_stored(media_root)


ORDINARY_FILES = ["factur-x", "gz-annex", "plain-pdf", "xml-annex", "zip-annex"]


def ordinary_files(seller_siret: str) -> dict[str, tuple[str, bytes, str]]:
    """Files a supplier sends every day; the Factur-X one is sold by the depositing structure."""
    return {
        "plain-pdf": ("facture.pdf", pdf_bytes(pages=3), "file"),
        "factur-x": ("facture.pdf", facturx_to_the_state(seller_siret=seller_siret), "file"),
        "xml-annex": (
            "annexe.xml",
            b"<?xml version='1.0'?><bon><ligne>1</ligne></bon>",
            "attachment",
        ),
        "zip-annex": ("annexes.zip", small_zip(), "attachment"),
        "gz-annex": ("annexe.gz", deflated_gzip(), "attachment"),
    }


def small_zip() -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("bon.txt", "bon de livraison\n" * 100)
    return buffer.getvalue()


def deflated_gzip() -> bytes:
    import gzip

    return gzip.compress(b"releve\n" * 1000)


@pytest.mark.parametrize("channel", ["page", "api"])
@pytest.mark.parametrize("case_name", ORDINARY_FILES)
def test_ordinary_files_are_still_accepted(client, personas, case_name, channel):
    name, content, role = ordinary_files(personas.acme.siret)[case_name]
    case = Hostile(name, lambda: content, "", role)
    main, extra = files_for(case)
    if channel == "page":
        status, _answer = through_the_page(client, personas, main, extra)
        assert status == 302, _answer[:2000]
    else:
        status, answer = through_the_api(personas, main, extra)
        assert status == 201, answer[:500]
    assert Invoice.objects.count() == 1


# --- the sandbox's own failures -------------------------------------------------------------------
def fake_reader(tmp_path: Path, body: str) -> Path:
    script = tmp_path / "reader.py"
    script.write_text(body)
    return script


def test_a_reader_that_hangs_is_stopped_and_the_pdf_refused(monkeypatch, settings, tmp_path):
    settings.INVOICE_PDF_CHECK_TIMEOUT = 1
    monkeypatch.setattr(pdf_sandbox, "SCRIPT", fake_reader(tmp_path, "while True:\n    pass\n"))
    started = time.monotonic()
    with pytest.raises(files.FileRefused, match="structure anormale"):
        files.check_pdf(as_upload("facture.pdf", pdf_bytes()))
    assert time.monotonic() - started < 5


def test_a_reader_that_dies_refuses_the_pdf(monkeypatch, tmp_path):
    script = fake_reader(tmp_path, "import os\nos.kill(os.getpid(), 9)\n")
    monkeypatch.setattr(pdf_sandbox, "SCRIPT", script)
    with pytest.raises(files.FileRefused, match="structure anormale"):
        files.check_pdf(as_upload("facture.pdf", pdf_bytes()))


def test_the_reader_cannot_use_more_memory_than_allowed(settings):
    """The real reader, with a memory cap too small for a stream it is made to decode whole:
    the kernel refuses the memory, the reader answers, the file is refused."""
    settings.INVOICE_PDF_CHECK_MEMORY_MB = 256
    content = pdf_bytes()
    import subprocess

    hog = subprocess.run(  # the same limits, applied to a program that wants 1 GB
        [
            sys.executable,
            "-I",
            "-c",
            "import runpy, sys; sys.argv = ['x', '256', '5']; "
            f"m = runpy.run_path({str(pdf_sandbox.SCRIPT)!r}); m['limit_myself'](256, 5); "
            "b = bytearray(1024 * 1024 * 1024)",
        ],
        capture_output=True,
        timeout=30,
        check=False,
    )
    assert hog.returncode != 0 and b"MemoryError" in hog.stderr
    assert pdf_sandbox.inspect_pdf(content).problem == ""


def test_a_bomb_is_measured_without_being_inflated_in_memory():
    from invoices.pdf_inspect import inflated_size

    bomb = deflated_zeros(1000)  # 1 GB once inflated
    before = peak_memory_mb()
    assert inflated_size(bomb, budget=200 * 1024 * 1024) > 200 * 1024 * 1024
    assert peak_memory_mb() - before < 20
