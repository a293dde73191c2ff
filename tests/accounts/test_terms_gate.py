from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts import selectors
from accounts.models import TermsAcceptance, TermsVersion
from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.utils.two_factor import verified_login

pytestmark = pytest.mark.django_db

TERMS_URL = reverse("accounts:terms")


def publish_new_terms() -> TermsVersion:
    return TermsVersion.objects.create(
        version="2027-1",
        title="CGU 2027",
        body="Article 1 — Nouveautés",
        published_at=timezone.now(),
    )


def read() -> dict[str, str]:
    """The version the terms page shows, as its form sends it back."""
    return {"version": str(selectors.current_terms().pk)}


def login(client, email: str, **extra: str):  # type: ignore[no-untyped-def]
    return client.post(
        reverse("accounts:login"), {"username": email, "password": DEFAULT_PASSWORD, **extra}
    )


def test_a_user_who_has_not_accepted_the_terms_meets_them_right_after_login(client):
    UserFactory(email="ana@example.fr", accept_terms=False)

    response = login(client, "ana@example.fr", next="/compte/")
    gate = client.get(response.url)

    assert gate.status_code == 302
    assert gate.url == f"{TERMS_URL}?next=%2Fcompte%2F"
    page = client.get(gate.url).content.decode()
    assert "J’ai lu et j’accepte les conditions générales d’utilisation." in page


@pytest.mark.parametrize("path", ["/", "/compte/", "/compte/double-authentification/", "/admin/"])
def test_every_page_leads_to_the_gate_until_the_terms_are_accepted(client, path):
    verified_login(client, UserFactory(accept_terms=False, is_staff=True, is_superuser=True))

    response = client.get(path)

    assert response.status_code == 302 and response.url.startswith(TERMS_URL)


def test_the_gate_keeps_the_whole_address_with_its_query(client):
    client.force_login(UserFactory(accept_terms=False))

    response = client.get("/compte/?a=1&b=2")

    assert response.url == f"{TERMS_URL}?next=%2Fcompte%2F%3Fa%3D1%26b%3D2"


def test_accepting_records_the_version_the_time_and_the_address_then_continues(client):
    user = UserFactory(accept_terms=False)
    client.force_login(user)
    before = timezone.now()

    response = client.post(
        TERMS_URL, {"accept": "on", "next": "/compte/", **read()}, REMOTE_ADDR="203.0.113.7"
    )

    assert response.status_code == 302 and response.url == "/compte/"
    acceptance = TermsAcceptance.objects.get(user=user)
    assert acceptance.terms == selectors.current_terms()
    assert acceptance.ip_address == "203.0.113.7"
    assert before <= acceptance.accepted_at <= timezone.now()
    assert client.get("/compte/").status_code == 200


def test_the_gate_refuses_an_unticked_box_with_the_error_next_to_it(client):
    user = UserFactory(accept_terms=False)
    client.force_login(user)

    page = client.post(TERMS_URL, {"next": "/"}).content.decode()

    assert 'aria-describedby="accept-desc-error"' in page
    assert "Cochez la case pour accepter les conditions." in page
    assert not TermsAcceptance.objects.filter(user=user).exists()


def test_the_gate_ignores_a_next_that_leaves_the_site(client):
    client.force_login(UserFactory(accept_terms=False))

    response = client.post(TERMS_URL, {"accept": "on", "next": "https://evil.example/", **read()})

    assert response.url == reverse("home")


def test_publishing_a_new_version_sends_everyone_back_to_the_gate(client):
    user = UserFactory()
    client.force_login(user)
    assert client.get("/compte/").status_code == 200

    new = publish_new_terms()

    assert client.get("/compte/").url.startswith(TERMS_URL)
    client.post(TERMS_URL, {"accept": "on", "next": "/compte/", **read()})
    assert TermsAcceptance.objects.filter(user=user, terms=new).exists()
    assert client.get("/compte/").status_code == 200


def test_a_user_at_the_gate_can_still_log_out_and_switch_language(client):
    client.force_login(UserFactory(accept_terms=False))

    assert client.post(reverse("set_language"), {"language": "en", "next": "/"}).status_code == 302
    client.post(reverse("accounts:logout"))

    assert "_auth_user_id" not in client.session


def test_without_any_published_terms_there_is_no_gate(client):
    TermsVersion.objects.all().delete()
    client.force_login(UserFactory(accept_terms=False))

    assert client.get("/compte/").status_code == 200


def test_the_gate_costs_one_query_per_request(django_assert_num_queries):
    user = UserFactory()
    TermsVersion.objects.create(
        version="old", title="x", body="x", published_at=timezone.now() - timedelta(days=400)
    )

    with django_assert_num_queries(1):
        assert selectors.user_has_accepted_current_terms(user)


# --- signed texts stay signed -------------------------------------------------------------------
def test_an_acceptance_keeps_the_sha256_of_the_exact_text_accepted(client):
    user = UserFactory(accept_terms=False)
    client.force_login(user)
    terms = selectors.current_terms()

    client.post(TERMS_URL, {"accept": "on", **read()})

    acceptance = TermsAcceptance.objects.get(user=user)
    assert acceptance.text_sha256 == hashlib.sha256(terms.body.encode("utf-8")).hexdigest()


def test_behind_the_trusted_proxies_the_client_address_is_recorded(client, settings):
    settings.SUPPORT = {**settings.SUPPORT, "PROXY_COUNT": 1}
    user, other = UserFactory(accept_terms=False), UserFactory(accept_terms=False)
    client.force_login(user)
    client.post(
        TERMS_URL,
        {"accept": "on", **read()},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.4",
    )
    client.force_login(other)
    client.post(TERMS_URL, {"accept": "on", **read()}, HTTP_X_FORWARDED_FOR="not an address")

    assert TermsAcceptance.objects.get(user=user).ip_address == "198.51.100.4"
    assert TermsAcceptance.objects.get(user=other).ip_address is None


def test_a_version_published_while_the_user_read_the_old_one_is_not_accepted_unread(client):
    user = UserFactory(accept_terms=False)
    client.force_login(user)
    stale = read()
    publish_new_terms()

    page = client.post(TERMS_URL, {"accept": "on", **stale}).content.decode()

    assert "Une nouvelle version vient d’être publiée" in page
    assert not TermsAcceptance.objects.filter(user=user).exists()


def test_an_accepted_version_refuses_any_edit_but_a_new_version_is_free(client):
    UserFactory()  # accepts the version in force
    accepted = selectors.current_terms()
    accepted.body += " Un ajout après coup."
    with pytest.raises(ValidationError):
        accepted.save()
    with pytest.raises(ValidationError):
        accepted.full_clean()
    fresh = publish_new_terms()
    fresh.body = "Article 1 — Corrigé avant toute acceptation"
    fresh.save()
    assert TermsVersion.objects.get(pk=fresh.pk).body.endswith("Corrigé avant toute acceptation")


def test_the_admin_shows_an_accepted_version_read_only_and_cannot_delete_it(client, personas):
    verified_login(client, personas.admin)  # staff always give a second factor
    accepted = selectors.current_terms()
    url = reverse("admin:accounts_termsversion_change", args=[accepted.pk])

    page = client.get(url).content.decode()
    client.post(url, {"version": "x", "title": "x", "body": "réécrit", "published_at_0": ""})

    assert 'name="body"' not in page and accepted.text_sha256 in page
    assert TermsVersion.objects.get(pk=accepted.pk).body == accepted.body
    delete = client.get(reverse("admin:accounts_termsversion_delete", args=[accepted.pk]))
    assert delete.status_code == 403
