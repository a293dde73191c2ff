"""Errors are the portal's own pages (DSFR, French or English as the visitor chose, a way
home) and the API's JSON; the last-resort pages use nothing that could fail again."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client, RequestFactory
from dsfr.checksums import INTEGRITY_CSS

from chorus.errors import page_not_found, server_error

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.chorus.faulty_urls")]

ENGLISH = {settings.LANGUAGE_COOKIE_NAME: "en"}


def visitor(language: str = "fr", **options: bool) -> Client:
    client = Client(raise_request_exception=False, **options)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def assert_portal_page(response, status: int, heading: str, language: str = "fr") -> None:  # type: ignore[no-untyped-def]
    page = response.content.decode()
    assert response.status_code == status
    assert f'<html lang="{language}">' in page
    assert f"<h1>{heading}</h1>" in page
    assert 'class="fr-header"' in page and f'integrity="{INTEGRITY_CSS}"' in page
    home = "Retour à l’accueil" if language == "fr" else "Back to the home page"
    assert f'<a class="fr-btn" href="/">{home}</a>' in page
    assert "<script" not in page


@pytest.mark.parametrize(
    ("language", "heading"), [("fr", "Page non trouvée"), ("en", "Page not found")]
)
def test_an_unknown_address_is_the_portal_s_404_page(language, heading):
    response = visitor(language).get("/nulle-part/")
    assert_portal_page(response, 404, heading, language)
    assert ("Erreur 404" if language == "fr" else "Error 404") in response.content.decode()


@pytest.mark.parametrize(
    ("language", "heading"), [("fr", "Formulaire expiré"), ("en", "Form expired")]
)
def test_a_form_sent_without_its_csrf_token_is_the_portal_s_403_page(language, heading):
    client = visitor(language, enforce_csrf_checks=True)
    response = client.post("/compte/connexion/", {"username": "a@b.test", "password": "x"})
    assert_portal_page(response, 403, heading, language)


@pytest.mark.parametrize(("language", "heading"), [("fr", "Accès refusé"), ("en", "Access denied")])
def test_a_refused_access_is_the_portal_s_403_page(language, heading):
    assert_portal_page(visitor(language).get("/test/interdit/"), 403, heading, language)


@pytest.mark.parametrize(
    ("language", "heading"), [("fr", "Requête incorrecte"), ("en", "Bad request")]
)
def test_a_request_for_another_host_is_the_portal_s_400_page(language, heading):
    response = visitor(language).get("/", HTTP_HOST="chorus.attaquant.example")
    assert_portal_page(response, 400, heading, language)


@pytest.mark.parametrize(
    ("language", "heading"), [("fr", "Erreur du serveur"), ("en", "Server error")]
)
def test_a_bug_is_the_portal_s_500_page(language, heading):
    assert_portal_page(visitor(language).get("/test/panne/"), 500, heading, language)


def test_the_api_answers_its_errors_in_its_json_shape():
    response = visitor().get("/api/v1/me/", HTTP_HOST="chorus.attaquant.example")
    assert response.status_code == 400 and response.json()["code"] == "bad_request"


def test_the_500_page_reads_nothing_from_the_database(django_assert_num_queries):
    request = RequestFactory().get("/factures/")
    with django_assert_num_queries(0):
        response = server_error(request)
    assert response.status_code == 500


def test_the_error_pages_render_when_static_files_were_collected_without_a_manifest(
    settings, tmp_path: Path
):
    """The failure the image once had: a page's ``{% static %}`` raises, its error page not."""
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "chorus.staticfiles.IntegrityPreservingStorage"},
    }
    request = RequestFactory().get("/")
    for response in (server_error(request), page_not_found(request, Exception())):
        assert 'href="/static/dsfr/dist/dsfr/dsfr.min.css"' in response.content.decode()
