"""Fuzzing the readers: whatever the bytes, only the typed errors escape, in bounded time."""

from __future__ import annotations

import contextlib
import datetime
from functools import cache

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from einvoice.errors import InvoiceFileError
from einvoice.facturx import build_cii, build_ubl
from einvoice.parse import parse_file
from einvoice.validation import validate_file

from .samples import invoice

FUZZ = settings(
    max_examples=60,
    deadline=datetime.timedelta(seconds=5),
    database=None,  # no .hypothesis directory in the worktree
    suppress_health_check=[HealthCheck.too_slow],
)


@cache
def _valid_files() -> tuple[bytes, ...]:
    return (build_cii(invoice()), build_ubl(invoice()))


def _read_everything(content: bytes, name: str) -> None:
    for read in (validate_file, parse_file):
        with contextlib.suppress(InvoiceFileError):
            read(content, name)


@FUZZ
@given(
    prefix=st.sampled_from([b"", b"%PDF-1.7\n", b"<?xml version='1.0'?>", b"<", b"\xef\xbb\xbf<"]),
    body=st.binary(max_size=2000),
    name=st.sampled_from(["facture.pdf", "facture.xml", "facture.bin", ""]),
)
def test_random_bytes_only_raise_typed_errors(prefix, body, name):
    _read_everything(prefix + body, name)


def _edit_tree(xml: bytes, data: st.DataObject) -> bytes:
    """Drop an element or replace its text: a well-formed invoice that breaks its rules."""
    root = etree.fromstring(xml)
    elements = list(root.iter())[1:]
    element = elements[data.draw(st.integers(0, len(elements) - 1))]
    if data.draw(st.booleans()):
        element.getparent().remove(element)
    else:
        xml_characters = st.characters(exclude_categories=("Cc", "Cs"))
        element.text = data.draw(st.text(xml_characters, max_size=30))
    return etree.tostring(root)


def _edit_bytes(xml: bytes, data: st.DataObject) -> bytes:
    """Cut, overwrite or insert bytes: usually no longer well-formed."""
    at = data.draw(st.integers(0, len(xml) - 1))
    kind = data.draw(st.sampled_from(["cut", "overwrite", "insert"]))
    if kind == "cut":
        return xml[:at]
    junk = data.draw(st.binary(min_size=1, max_size=20))
    return xml[:at] + junk + xml[at + (len(junk) if kind == "overwrite" else 0) :]


@FUZZ
@given(data=st.data())
def test_mutated_invoices_only_raise_typed_errors(data):
    xml = data.draw(st.sampled_from(_valid_files()))
    for _ in range(data.draw(st.integers(0, 3))):
        xml = _edit_tree(xml, data)
    if data.draw(st.booleans()):
        xml = _edit_bytes(xml, data)
    _read_everything(xml, "facture.xml")
