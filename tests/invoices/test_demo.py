"""The demo data: an invoice in every status for the demo supplier, made through the services,
and a second run that changes nothing."""

from __future__ import annotations

import pytest
from stdnum.fr import siret

from accounts import demo as accounts_demo
from invoices import demo
from invoices.models import Invoice, StatusChange
from invoices.workflow import Status
from structures import demo as structures_demo

pytestmark = pytest.mark.django_db


def _seed() -> list[str]:
    accounts_demo.seed(password="demo-password-1234")
    structures_demo.seed(password="demo-password-1234")
    return demo.seed(password="demo-password-1234")


def test_the_demo_supplier_has_an_invoice_in_every_status_with_its_history():
    lines = _seed()
    invoices = Invoice.objects.filter(supplier__identifier=structures_demo.SUPPLIER_SIRET)
    # A validation (tacit or not) is a passing status: the invoice routes on at once; the
    # history shows it.
    passing = {Status.VALIDEE_1, Status.ABSENCE_VALIDATION_1_HORS_DELAI}
    assert set(invoices.values_list("status", flat=True)) == set(Status.values) - passing
    seen = set()
    for invoice in invoices.exclude(status=Status.BROUILLON):
        steps = list(invoice.history.order_by("at", "id").values_list("to_status", flat=True))
        assert steps[:2] == [Status.BROUILLON, Status.DEPOSEE]
        assert steps[-1] == invoice.status
        seen.update(steps)
    assert passing <= seen
    assert "12" in lines[0]


def test_seeding_twice_changes_nothing():
    _seed()
    before = (Invoice.objects.count(), StatusChange.objects.count())
    _seed()
    assert (Invoice.objects.count(), StatusChange.objects.count()) == before


def test_the_demo_siret_is_a_valid_siret():
    assert siret.is_valid(structures_demo.SUPPLIER_SIRET)
