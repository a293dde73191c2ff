"""The in-context help of each step's page, and the one-page PDF guides made from the help pages."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from support import guides
from support.help import PAGES, PANELS
from tests.invoices.factories import invoice_in
from tests.utils.two_factor import log_in_as


def pdf_text(content: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(content))
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


@pytest.mark.parametrize("step", sorted(PANELS))
def test_each_panel_links_a_section_that_exists_on_its_help_page(client, step):
    panel = PANELS[step]
    html = client.get(reverse(f"help:{panel.page}")).content.decode()
    assert f'id="{panel.section}"' in html


def step_pages(personas) -> dict[str, str]:  # type: ignore[no-untyped-def]
    invoice = invoice_in(personas, "DEPOSEE")
    return {
        "structure": reverse("structures:create"),
        "attachment": reverse("structures:search"),
        "mandate": reverse("structures:mandate", args=[personas.acme.pk]),
        "entry": reverse("invoices:create"),
        "upload": reverse("invoices:upload"),
        "follow-up": reverse("invoices:sent"),
        "follow-up detail": reverse("invoices:detail", args=[invoice.pk]),
    }


@pytest.mark.django_db
def test_every_step_page_shows_its_help_panel_with_the_section_and_the_guide(client, personas):
    log_in_as(client, personas.supplier_principal)
    pages = step_pages(personas)
    assert {name.split()[0] for name in pages} == set(PANELS)
    for name, url in pages.items():
        panel = PANELS[name.split()[0]]
        response = client.get(url)
        assert response.status_code == 200, name
        html = response.content.decode()
        assert "Besoin d’aide ?" in html, name
        assert f'href="{reverse(f"help:{panel.page}")}#{panel.section}"' in html, name
        assert f'href="{reverse("help:guide", args=[panel.help_page.slug])}"' in html, name


@pytest.mark.parametrize("name", sorted(PAGES))
def test_every_help_page_has_a_pdf_guide_of_one_page_with_its_title(client, name):
    page = PAGES[name]
    response = client.get(reverse("help:guide", args=[page.slug]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert f'filename="chorus-guide-{page.slug}.pdf"' in response["Content-Disposition"]
    pages, text = pdf_text(response.content)
    assert pages == 1
    assert str(page.title).split()[0] in text


def test_the_guide_says_what_the_page_says_with_absolute_links(client):
    html = client.get(reverse("help:structures")).content.decode()
    assert "Le gestionnaire principal a quitté l’entreprise ?" in html
    _, text = pdf_text(client.get(reverse("help:guide", args=["structures"])).content)
    assert "Le gestionnaire principal a quitté l’entreprise ?" in text
    assert "http://testserver/" in text  # the footer names where the help lives


def test_a_guide_is_in_the_visitors_language(client):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    _, text = pdf_text(client.get(reverse("help:guide", args=["mandat"])).content)
    assert "billing mandate" in text.lower()


def test_an_unknown_guide_is_a_404_and_a_post_is_refused(client):
    assert client.get("/aide/nimporte-quoi/guide.pdf").status_code == 404
    assert client.post(reverse("help:guide", args=["mandat"])).status_code == 405


def test_the_guide_loads_no_resource():
    with pytest.raises(ValueError, match="load no resource"):
        guides._refuse("file:///etc/passwd")


def test_the_contact_page_gives_the_dematerialisation_team_when_configured(client, settings):
    assert (
        "dématérialisation des factures" not in client.get(reverse("help:contact")).content.decode()
    )
    settings.SUPPORT = {**settings.SUPPORT, "DEMATERIALISATION_EMAIL": "demat@ministere.test"}
    html = client.get(reverse("help:contact")).content.decode()
    assert 'href="mailto:demat@ministere.test"' in html and "dématérialisation des factures" in html
