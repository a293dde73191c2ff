"""The dashboard pages: what each person sees, empty states, charts with their tables, the
rates shown, both languages, and a number of queries that does not grow with the invoices."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from invoices.workflow import Status
from tests.dashboards.factories import days_ago, paid, sent
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SUPPLIER = reverse("dashboards:supplier")
AGENT = reverse("dashboards:agent")


def page(client, user, url: str) -> str:  # type: ignore[no-untyped-def]
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def some_history(personas, n: int) -> None:  # type: ignore[no-untyped-def]
    for i in range(n):
        sent(
            personas, status=Status.MISE_A_DISPOSITION, deposited=days_ago(40 + i), amount="1234.56"
        )
        sent(personas, status=Status.REJETEE, deposited=days_ago(3 + i))
        paid(personas, deposited=days_ago(60 + i), paid_at=days_ago(10 + i))


def test_the_dashboards_need_a_login(client):
    for url in (SUPPLIER, AGENT, reverse("dashboards:index")):
        assert client.get(url)["Location"].startswith(reverse("accounts:login"))


def test_the_menu_entry_takes_agents_and_suppliers_to_their_dashboard(client, personas):
    client.force_login(personas.agent)
    assert client.get(reverse("dashboards:index"))["Location"] == AGENT
    client.force_login(personas.supplier_member)
    assert client.get(reverse("dashboards:index"))["Location"] == SUPPLIER
    assert f'href="{reverse("dashboards:index")}"' in client.get("/").content.decode()


def test_a_supplier_without_invoices_is_shown_where_to_start(client, personas):
    html = page(client, personas.supplier_principal, SUPPLIER)
    assert "Aucune facture pour l’instant" in html
    assert reverse("invoices:create") in html
    html = page(client, UserFactory(), SUPPLIER)
    assert "Vous n’êtes rattaché à aucune entreprise" in html


def test_the_supplier_dashboard_shows_each_chart_beside_its_table(client, personas):
    some_history(personas, 1)
    html = page(client, personas.supplier_principal, SUPPLIER)
    for chart in ("chart-status", "chart-months", "chart-delays"):
        assert f'aria-labelledby="{chart}-title"' in html
    assert html.count("<svg") == 3 and html.count("<table>") == 4
    # Coordinates stay numbers with a dot in French, where 1.5 would be written 1,5.
    svgs = "".join(re.findall(r"<svg.*?</svg>", html, re.S))
    coordinates = re.findall(r'\s(?:x|y|x1|x2|y1|y2|width|height)="([^"]*)"', svgs)
    assert coordinates and all(re.fullmatch(r"-?\d+(\.\d+)?", c) for c in coordinates)
    assert "1\u00a0234,56\u00a0€" in html


def test_the_supplier_dashboard_says_which_rates_it_uses(client, personas, settings):
    from decimal import Decimal

    settings.LATE_PAYMENT = {
        "ECB_RATE": Decimal("3.5"),
        "MARGIN_POINTS": Decimal("10"),
        "FIXED_FEE": Decimal("40"),
    }
    sent(personas, status=Status.MISE_A_DISPOSITION, deposited=days_ago(40))
    # Only ASCII white space is collapsed: the non-breaking ones are part of the numbers.
    text = re.sub(r"[ \n]+", " ", page(client, personas.supplier_principal, SUPPLIER))
    assert "taux de la Banque centrale européenne de 3,5\u00a0% majoré de 10 points" in text
    assert "soit 13,5\u00a0% par an" in text
    assert "40,00\u00a0€ par facture" in text


def test_the_supplier_dashboard_speaks_english_with_english_amounts(client, personas):
    some_history(personas, 1)
    client.cookies["django_language"] = "en"
    html = page(client, personas.supplier_principal, SUPPLIER)
    assert "Supplier dashboard" in html
    assert "€1,234.56" in html


def test_the_supplier_dashboard_queries_do_not_grow_with_the_invoices(client, personas):
    some_history(personas, 1)
    client.force_login(personas.supplier_principal)
    with CaptureQueriesContext(connection) as few:
        assert client.get(SUPPLIER).status_code == 200
    some_history(personas, 8)
    with CaptureQueriesContext(connection) as many:
        assert client.get(SUPPLIER).status_code == 200
    assert len(many) == len(few)


def test_the_agent_dashboard_shows_the_queue_of_their_services(client, personas):
    sent(personas, status=Status.MISE_A_DISPOSITION, deposited=days_ago(45))
    html = page(client, personas.agent, AGENT)
    assert 'aria-labelledby="chart-queues-title"' in html
    assert "FACTURES_PUBLIQUES" in html and "Plus de 30 jours" in html
    assert "SFACT_MIN_INT" not in html  # another agent's service


def test_the_agent_dashboard_tells_a_supplier_it_is_for_agents(client, personas):
    html = page(client, personas.supplier_principal, AGENT)
    assert "Cet espace est celui des agents des structures publiques" in html


def test_an_agent_with_nothing_waiting_is_told_so(client, personas):
    html = page(client, personas.other_agent, AGENT)
    assert "Aucune facture n’attend vos services" in html


def test_the_agent_dashboard_queries_do_not_grow_with_the_invoices(client, personas):
    some_history(personas, 1)
    client.force_login(personas.agent)
    with CaptureQueriesContext(connection) as few:
        assert client.get(AGENT).status_code == 200
    some_history(personas, 8)
    with CaptureQueriesContext(connection) as many:
        assert client.get(AGENT).status_code == 200
    assert len(many) == len(few)
