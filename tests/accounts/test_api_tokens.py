"""« Jetons d'API » in « Mon compte »: a named token, its key shown once, revocation."""

from __future__ import annotations

import hashlib

import pytest
from django.urls import reverse

from accounts.models import ApiToken
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_account_page_lists_the_tokens_and_offers_to_create_one(client):
    user = UserFactory()
    ApiToken.objects.create(
        user=user, name="Logiciel comptable", key_sha256="a" * 64, prefix="chorus_abcde"
    )
    client.force_login(user)

    page = client.get(reverse("accounts:profile")).content.decode()

    assert "Jetons d’API" in page
    assert "Logiciel comptable" in page and "chorus_abcde…" in page
    assert reverse("accounts:api_token_create") in page


def test_creating_a_token_shows_its_key_once_and_stores_only_its_digest(client):
    user = UserFactory()
    client.force_login(user)

    response = client.post(reverse("accounts:api_token_create"), {"name": "ERP"})

    assert response.status_code == 200
    key = response.context["key"]
    token = ApiToken.objects.get(user=user)
    assert token.name == "ERP"
    assert token.key_sha256 == hashlib.sha256(key.encode()).hexdigest()
    assert key in response.content.decode()
    assert (
        "no-store" in response.headers["Cache-Control"]
        or "max-age=0" in response.headers["Cache-Control"]
    )
    assert key not in client.get(reverse("accounts:profile")).content.decode()


def test_a_token_needs_a_name(client):
    user = UserFactory()
    client.force_login(user)

    response = client.post(reverse("accounts:api_token_create"), {"name": "  "}, follow=True)

    assert not ApiToken.objects.exists()
    assert "Donnez un nom au jeton" in response.content.decode()


def test_a_user_revokes_their_token(client):
    user = UserFactory()
    token = ApiToken.objects.create(user=user, name="ERP", key_sha256="b" * 64, prefix="chorus_x")
    client.force_login(user)

    response = client.post(reverse("accounts:api_token_revoke", args=[token.pk]))

    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_nobody_revokes_another_users_token(client):
    token = ApiToken.objects.create(
        user=UserFactory(), name="ERP", key_sha256="c" * 64, prefix="chorus_y"
    )
    client.force_login(UserFactory())

    response = client.post(reverse("accounts:api_token_revoke", args=[token.pk]))

    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_token_pages_need_a_login(client):
    response = client.post(reverse("accounts:api_token_create"), {"name": "ERP"})

    assert response.status_code == 302
    assert not ApiToken.objects.exists()
