"""The portal's side of the standards library: its size limit is the setting (``einvoice``
itself knows no settings)."""

from __future__ import annotations

import pytest

from einvoice.errors import FileTooLarge
from einvoice.facturx import build_cii
from invoices import services
from tests.einvoice.samples import invoice


def test_the_size_limit_comes_from_the_settings(settings):
    xml = build_cii(invoice())
    settings.INVOICE_FILE_MAX_BYTES = len(xml) - 1
    with pytest.raises(FileTooLarge):
        services.validate_invoice_file(xml, "facture.xml")
    settings.INVOICE_FILE_MAX_BYTES = len(xml)
    assert services.validate_invoice_file(xml, "facture.xml").valid
