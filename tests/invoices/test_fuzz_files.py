"""Fuzzing the file readers of the deposit (hypothesis): whatever the bytes, the PDF reader
answers a verdict in bounded time (never an exception, never a hang), the attachment checks
only ever refuse with a message, and the API upload never answers a server error."""

from __future__ import annotations

import datetime
from functools import cache

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from invoices import files
from invoices.invoice_pdf import render_facturx_pdf
from invoices.pdf_inspect import answer_for
from tests.api.conftest import token_for
from tests.einvoice.samples import invoice as sample_invoice
from tests.invoices.factories import GOOD_IBAN, STATE_SIRET, pdf_bytes
from tests.invoices.hostile_files import CORPUS

PROBLEMS = {
    "not_pdf", "truncated", "unreadable", "encrypted", "no_pages", "too_many_pages",
    "too_many_objects", "too_deep", "active_content", "bomb",
}  # fmt: skip


def fuzz_settings(examples: int, seconds: float) -> settings:
    return settings(
        max_examples=examples,
        deadline=datetime.timedelta(seconds=seconds),
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )


@cache
def seeds() -> tuple[bytes, ...]:
    small_hostile = [CORPUS[name].build() for name in ("javascript", "field-loop", "encrypted")]
    return (
        pdf_bytes(pages=2),
        pdf_bytes(signed=True),
        render_facturx_pdf(sample_invoice()),
        *small_hostile,
    )


def mutated(data: st.DataObject) -> bytes:
    content = data.draw(st.sampled_from(seeds()))
    for _ in range(data.draw(st.integers(1, 4))):
        if not content:
            break
        at = data.draw(st.integers(0, len(content) - 1))
        kind = data.draw(st.sampled_from(["cut", "overwrite", "insert", "repeat"]))
        junk = data.draw(st.binary(min_size=1, max_size=16))
        if kind == "cut":
            content = content[:at] + content[-data.draw(st.integers(0, 64)) or len(content) :]
        elif kind == "overwrite":
            content = content[:at] + junk + content[at + len(junk) :]
        elif kind == "insert":
            content = content[:at] + junk + content[at:]
        else:
            content = (
                content[:at] + content[at : at + 40] * data.draw(st.integers(2, 50)) + content[at:]
            )
    return content


@fuzz_settings(examples=150, seconds=3)
@given(data=st.data())
def test_the_pdf_reader_gives_a_verdict_on_any_mutated_pdf(data):
    answer = answer_for(mutated(data))
    assert answer["ok"] or answer["problem"] in PROBLEMS


@fuzz_settings(examples=80, seconds=3)
@given(body=st.binary(max_size=3000))
def test_the_pdf_reader_gives_a_verdict_on_random_bytes_after_a_header(body):
    answer = answer_for(b"%PDF-1.7\n" + body + b"\n%%EOF\n")
    assert answer["ok"] or answer["problem"] in PROBLEMS


@fuzz_settings(examples=80, seconds=2)
@given(
    name=st.sampled_from(["annexe.xml", "annexes.zip", "annexe.gz"]),
    prefix=st.sampled_from([b"", b"<?xml version='1.0'?><a>", b"PK\x03\x04", b"\x1f\x8b\x08\x00"]),
    body=st.binary(max_size=2000),
)
def test_attachments_are_refused_with_a_message_or_accepted(name, prefix, body):
    upload = SimpleUploadedFile(name, prefix + body)
    try:
        files.check_file(upload)
    except files.FileRefused as refused:
        assert refused.message


@pytest.mark.django_db
@fuzz_settings(examples=12, seconds=20)
@given(data=st.data())
def test_the_api_upload_never_answers_a_server_error(personas, data):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token_for(personas.supplier_principal)}")
    body = {
        "supplier_siret": personas.acme.identifier,
        "number": f"FZ-{data.draw(st.integers(0, 10**9))}",
        "issue_date": datetime.date.today().isoformat(),
        "recipient_siret": STATE_SIRET,
        "service_code": "FACTURES_PUBLIQUES",
        "iban": GOOD_IBAN,
        "total_excl_tax": "100.00",
        "total_vat": "20.00",
        "total_incl_tax": "120.00",
        "file": SimpleUploadedFile("facture.pdf", mutated(data)),
    }
    response = api.post("/api/v1/invoices/upload/", body, format="multipart")
    assert response.status_code in (201, 400, 413, 415), response.content[:300]
