"""Markup details a browser or a screen reader trips on, checked on the rendered pages."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from invoices.workflow import Status
from tests.invoices.factories import invoice_in

pytestmark = pytest.mark.django_db


def test_every_page_links_the_favicon_so_browsers_stop_asking_for_a_missing_one(client):
    page = client.get("/").content.decode()
    assert re.search(r'<link rel="icon"\s+href="/static/dsfr/dist/favicon/favicon.svg"', page)


def test_a_status_badge_in_a_heading_is_phrasing_content(client, personas):
    invoice = invoice_in(personas, Status.REJETEE)
    client.force_login(personas.supplier_principal)
    page = client.get(reverse("invoices:detail", args=[invoice.pk])).content.decode()
    heading = re.search(r"<h1>(.*?)</h1>", page, re.S).group(1)
    assert '<span class="fr-badge fr-badge--sm fr-badge--error">Rejetée</span>' in heading
    assert "<p" not in heading


def test_the_membership_badge_does_not_open_a_paragraph_inside_a_paragraph(client, personas):
    client.force_login(personas.supplier_principal)
    page = client.get(reverse("structures:detail", args=[personas.acme.pk])).content.decode()
    line = re.search(r"<p>Mon rattachement :(.*?)</p>", page, re.S).group(1)
    assert "fr-badge" in line and "<p" not in line


def test_pending_requests_hint_and_table_are_laid_out_as_fieldset_elements(client, personas):
    client.force_login(personas.supplier_principal)
    page = client.get(reverse("structures:detail", args=[personas.acme.pk])).content.decode()
    assert 'class="fr-hint-text fr-fieldset__element"' in page
    assert 'class="fr-table fr-fieldset__element"' in page


def missing_references(html: str) -> list[str]:
    ids = set(re.findall(r'\sid="([^"]+)"', html))
    referenced = re.findall(r'aria-(?:describedby|labelledby)="([^"]+)"', html)
    return [ref for refs in referenced for ref in refs.split() if ref not in ids]


@pytest.mark.parametrize(
    "url_name", ["structures:create", "structures:search", "invoices:create", "invoices:upload"]
)
def test_hints_and_errors_named_by_aria_describedby_exist(client, personas, url_name):
    client.force_login(personas.supplier_principal)
    url = reverse(url_name)
    assert missing_references(client.get(url).content.decode()) == []
    # With errors too: the error and the hint are both named.
    answer = client.post(url, {"siret": "12", "step": "check", "action": "submit"})
    assert missing_references(answer.content.decode()) == []


def test_an_agents_decision_form_names_existing_hints(client, personas):
    invoice = invoice_in(personas, Status.MISE_A_DISPOSITION)
    client.force_login(personas.agent)
    page = client.get(reverse("invoices:received_detail", args=[invoice.pk])).content.decode()
    assert missing_references(page) == []
