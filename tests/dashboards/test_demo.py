"""The demo data gives the dashboards something to show: twelve months of invoices, two
recipients, payments late and in time, two invoices unpaid past the legal delay."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts import demo as accounts_demo
from accounts.models import User
from dashboards import demo, selectors
from dashboards.interest import current_rates
from invoices.models import Invoice, StatusChange
from structures import demo as structures_demo

pytestmark = pytest.mark.django_db


def _seed() -> list[str]:
    accounts_demo.seed(password="demo-password-1234")
    structures_demo.seed(password="demo-password-1234")
    return demo.seed(password="demo-password-1234")


def test_the_demo_supplier_dashboard_shows_real_numbers(client):
    lines = _seed()
    assert "12 factures" in lines[0]
    supplier = User.objects.get(email=demo.SUPPLIER_EMAIL)
    today = timezone.localdate()

    months = selectors.amounts_per_month(supplier, today=today)
    assert sum(1 for m in months if m.paid_count) >= 6
    delays = selectors.payment_delays(supplier, today=today)
    assert {d.recipient for d in delays} == {"État", "Commune de Villeneuve-sur-Lys"}
    late = selectors.late_invoices(supplier, today=today, rates=current_rates())
    assert late.unpaid_count == 2 and len(late.invoices) >= 6 and late.total > 0

    client.force_login(supplier)
    html = client.get(reverse("dashboards:supplier")).content.decode()
    assert "HIST-12" in html and "Commune de Villeneuve-sur-Lys" in html


def test_the_demo_agent_sees_the_unpaid_invoice_waiting_for_weeks(client):
    _seed()
    agent = User.objects.get(email=demo.AGENT_EMAIL)
    queues = selectors.waiting_by_service(agent, today=timezone.localdate())
    by_code = {q.code: q for q in queues}
    assert by_code["FACTURES_PUBLIQUES"].counts["overdue"] >= 1


def test_the_demo_history_is_chained_like_the_services_chain_it():
    _seed()
    call_command("verify_integrity", stdout=io.StringIO())  # raises on a broken chain


def test_seeding_the_history_twice_changes_nothing():
    _seed()
    before = (Invoice.objects.count(), StatusChange.objects.count())
    assert "(0 créées maintenant)" in _seed()[0]
    assert (Invoice.objects.count(), StatusChange.objects.count()) == before
