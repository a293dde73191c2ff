"""API tokens have scopes (read, deposit, process) enforced by the API's permission classes, and
an end date; the token endpoint keeps working with the defaults of the settings."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.models import ApiToken
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def key_for(user, scopes: list[str] | None = None, **extra) -> str:  # type: ignore[no-untyped-def]
    _token, key = services.api_token_create(user=user, name="t", scopes=scopes, **extra)
    return key


def create_token(client, user, **body):  # type: ignore[no-untyped-def]
    """``POST /api/v1/auth/token/`` with the user's e-mail and password, and ``body``."""
    return client.post(
        "/api/v1/auth/token/",
        {"email": user.email, "password": DEFAULT_PASSWORD, **body},
        content_type="application/json",
    )


def call(client, method: str, path: str, key: str, body=None):  # type: ignore[no-untyped-def]
    return getattr(client, method)(
        path, body or {}, content_type="application/json", HTTP_AUTHORIZATION=f"Token {key}"
    )


def test_a_read_token_reads_but_cannot_deposit(client, personas):
    key = key_for(personas.supplier_principal, ["read"])

    assert call(client, "get", "/api/v1/invoices/", key).status_code == 200
    refused = call(client, "post", "/api/v1/invoices/", key, {"number": "X"})

    assert refused.status_code == 403
    assert refused.json()["code"] == "token_scope"
    assert "dépôt" in refused.json()["detail"]


def test_a_deposit_token_cannot_process_and_a_process_token_cannot_deposit(client, personas):
    deposit = key_for(personas.supplier_principal, ["deposit"])
    process = key_for(personas.agent, ["process"])

    assert call(client, "get", "/api/v1/invoices/", deposit).status_code == 403
    assert call(client, "post", "/api/v1/invoices/1/process/", deposit).status_code == 403
    assert call(client, "post", "/api/v1/invoices/", process).status_code == 403
    # The scope is there: the request reaches the view, which finds no such invoice.
    assert call(client, "post", "/api/v1/invoices/1/process/", process).status_code == 404


def test_a_deposit_token_reaches_the_deposit(client, personas):
    key = key_for(personas.supplier_principal, ["read", "deposit"])

    response = call(client, "post", "/api/v1/invoices/", key, {})

    assert response.status_code == 400  # the body's errors, past the scope check


def test_an_expired_token_authenticates_nothing(client, personas):
    key = key_for(personas.supplier_principal)
    ApiToken.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))

    response = call(client, "get", "/api/v1/me/", key)

    assert response.status_code == 401
    assert "expiré" in response.json()["detail"]


def test_a_token_expires_at_the_end_of_its_last_day():
    user = UserFactory()
    day = timezone.localdate() + datetime.timedelta(days=3)

    token, _key = services.api_token_create(user=user, name="t", expires_on=day)

    assert timezone.localtime(token.expires_at).date() == day + datetime.timedelta(days=1)
    assert timezone.localtime(token.expires_at).time() == datetime.time(0, 0)


def test_scopes_and_expiry_default_to_the_settings(settings):
    settings.API_TOKEN_DEFAULT_SCOPES = ["read"]
    settings.API_TOKEN_DEFAULT_DAYS = 30

    token, _key = services.api_token_create(user=UserFactory(), name="t")

    assert token.scope_list == ["read"]
    expected = timezone.localdate() + datetime.timedelta(days=31)
    assert timezone.localtime(token.expires_at).date() == expected


def test_the_token_endpoint_takes_scopes_and_an_end_date(client):
    user = UserFactory()
    day = (timezone.localdate() + datetime.timedelta(days=10)).isoformat()

    response = create_token(client, user, scopes=["read"], expires_on=day)

    assert response.status_code == 201
    assert response.json()["scopes"] == ["read"]
    assert response.json()["expires_at"].startswith(
        (timezone.localdate() + datetime.timedelta(days=11)).isoformat()
    )


def test_the_token_endpoint_still_works_with_only_the_email_and_password(client, settings):
    user = UserFactory()

    response = create_token(client, user)

    assert response.status_code == 201
    assert response.json()["scopes"] == settings.API_TOKEN_DEFAULT_SCOPES


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"scopes": ["admin"]}, "scopes"),
        ({"scopes": []}, "scopes"),
        ({"expires_on": "2000-01-01"}, "expires_on"),
        ({"expires_on": "2999-01-01"}, "expires_on"),
    ],
)
def test_the_token_endpoint_refuses_bad_scopes_and_dates(client, body, field):
    user = UserFactory()

    response = create_token(client, user, **body)

    assert response.status_code == 400
    assert any(key.startswith(field) for key in response.json()["errors"])
    assert not ApiToken.objects.exists()


def test_the_account_page_creates_lists_and_revokes_scoped_tokens(client):
    user = UserFactory()
    client.force_login(user)
    day = timezone.localdate() + datetime.timedelta(days=5)

    created = client.post(
        reverse("accounts:api_token_create"),
        {"name": "ERP", "scopes": ["read", "process"], "expires_on": day.isoformat()},
    )

    assert created.status_code == 200
    token = ApiToken.objects.get(user=user)
    assert token.scope_list == ["read", "process"]
    page = client.get(reverse("accounts:profile")).content.decode()
    assert "Lecture, traitement" in page or "lecture, traitement" in page
    client.post(reverse("accounts:api_token_revoke", args=[token.pk]))
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_the_account_page_refuses_an_end_date_beyond_the_limit(client, settings):
    user = UserFactory()
    client.force_login(user)
    day = timezone.localdate() + datetime.timedelta(days=settings.API_TOKEN_MAX_DAYS + 1)

    response = client.post(
        reverse("accounts:api_token_create"),
        {"name": "ERP", "expires_on": day.isoformat()},
        follow=True,
    )

    assert not ApiToken.objects.exists()
    assert "La date d’expiration doit être comprise" in response.content.decode()
