from __future__ import annotations

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from support.help import JOURNEY, PAGES

pytestmark = pytest.mark.django_db

HELP_NAMES = ["index", *PAGES]
STATUS_LABELS = [
    "Déposée",
    "En cours d’acheminement",
    "Mise à disposition",
    "À recycler",
    "Suspendue",
    "Complétée",
    "Service fait",
    "Mandatée",
    "Comptabilisée",
    "Rejetée",
    "Mise en paiement",
]
REJECTION_REASONS = [
    "SE ou EJ incorrect",
    "Créancier inconnu ou différent de celui de l’EJ",
    "Marché terminé",
    "Sous-traitant ou cotraitant non déclaré",
    "Suppression pour compensation d’avoirs",
    "Justificatif absent ou insuffisant",
    "Montant de la facture erroné",
    "Taux de TVA erroné",
    "Retraitement manuel par les services",
    "Paiement en régie",
    "Erreur de RIB",
    "Livraison incomplète ou non effectuée",
    "Facture non conforme à la commande",
    "Double facturation",
    "Contacter votre acheteur",
    "Suppression en masse",
]


def english(client):  # type: ignore[no-untyped-def]
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    return client


def test_the_journey_has_a_page_for_each_step_of_the_seed_with_stable_names():
    assert [p.name for p in JOURNEY] == [
        "account",
        "structures",
        "mandate",
        "manual-entry",
        "pdf-deposit",
        "follow-up",
        "rejections",
        "api",
    ]
    assert reverse("help:mandate") == "/aide/mandat/"


@pytest.mark.parametrize("name", HELP_NAMES)
def test_every_help_page_renders_in_french_without_login(client, name):
    response = client.get(reverse(f"help:{name}"))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="fr"' in html and "<h1>" in html
    assert 'aria-current="page"' in html


@pytest.mark.parametrize("name", list(PAGES))
def test_every_help_page_renders_in_english(client, name):
    html = english(client).get(reverse(f"help:{name}")).content.decode()
    main = html.split("<main", 1)[1].split("</main>", 1)[0]
    with translation.override("en"):
        english_title = str(PAGES[name].title)
    with translation.override("fr"):
        french_title = str(PAGES[name].title)
    assert '<html lang="en"' in html
    assert english_title in main and french_title not in main


def test_a_help_page_reads_in_english_when_asked(client):
    html = english(client).get(reverse("help:follow-up")).content.decode()
    assert "What it means" in html and "Sent for payment" in html
    assert "Ce que cela veut dire" not in html


def test_the_follow_up_page_explains_every_status(client):
    html = client.get(reverse("help:follow-up")).content.decode()
    for label in STATUS_LABELS:
        assert label in html, label


def test_the_rejections_page_tells_what_to_do_for_every_reason(client):
    html = client.get(reverse("help:rejections")).content.decode()
    for reason in REJECTION_REASONS:
        assert reason in html, reason


def test_the_entry_pages_give_the_states_siret_and_explain_se_and_ej(client):
    for name in ("manual-entry", "pdf-deposit"):
        html = client.get(reverse(f"help:{name}")).content.decode()
        assert "110 002 011 00044" in html
        assert "service exécutant (SE)" in html and "engagement juridique (EJ)" in html


def test_the_faq_uses_dsfr_accordions(client):
    html = client.get(reverse("help:faq")).content.decode()
    assert html.count('class="fr-accordion__btn"') >= 8


def test_the_contact_page_lists_the_channels_and_the_phone_when_configured(client, settings):
    html = client.get(reverse("help:contact")).content.decode()
    assert reverse("support:contact") in html and reverse("support:create") in html
    assert "Assistance téléphonique" not in html
    settings.SUPPORT = {**settings.SUPPORT, "PHONE": "01 23 45 67 89"}
    assert "01 23 45 67 89" in client.get(reverse("help:contact")).content.decode()


def test_the_accessibility_statement_says_not_compliant_until_audited(client):
    html = client.get(reverse("accessibility")).content.decode()
    assert "non conforme" in html and "RGAA" in html and reverse("support:contact") in html


def test_the_accessibility_statement_says_what_is_tested_and_what_is_not_accessible(client):
    html = client.get(reverse("accessibility")).content.decode()
    assert "axe-core" in html and "au clavier seul" in html
    assert "Non-conformités connues" in html and "ne sont pas balisés" in html
    assert "Établissement de cette déclaration" in html


def test_the_footer_links_to_contact_help_and_accessibility(client):
    html = client.get("/").content.decode()
    footer = html.split('id="footer"', 1)[1]
    for url in (reverse("support:contact"), reverse("help:index"), reverse("accessibility")):
        assert f'href="{url}"' in footer


def test_a_page_links_to_its_help_with_the_help_link_tag():
    html = Template('{% load support_tags %}{% help_link "mandate" %}').render(Context())
    assert 'href="/aide/mandat/"' in html and "mandat de facturation" in html
