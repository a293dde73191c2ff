"""Tokens: created from a password (with axes' lockout and the second factor), named, revoked."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import ApiToken
from tests.accounts.factories import totp_code, totp_device, wrong_code
from tests.api.conftest import CheckedClient, token_for
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db
TOKEN_URL = "/api/v1/auth/token/"


@pytest.fixture(autouse=True)
def _no_otp_throttle(settings):  # type: ignore[no-untyped-def]
    settings.OTP_TOTP_THROTTLE_FACTOR = 0


def ask_token(client: CheckedClient, email: str, password: str = DEFAULT_PASSWORD, **extra):  # type: ignore[no-untyped-def]
    return client.post(TOKEN_URL, {"email": email, "password": password, **extra}, format="json")


def test_a_user_gets_a_named_token_from_email_and_password(anonymous):
    user = UserFactory(email="ana@example.fr")

    response = ask_token(anonymous, "Ana@Example.fr", name="Comptabilité")

    assert response.status_code == 201
    body = response.json()
    assert body["name"] == "Comptabilité"
    token = ApiToken.objects.get(pk=body["id"])
    assert token.user == user
    assert token.key_sha256 == hashlib.sha256(body["token"].encode()).hexdigest()
    assert body["token"] not in {token.key_sha256, token.prefix}
    me = CheckedClient().as_token(body["token"]).get("/api/v1/me/")
    assert me.status_code == 200 and me.json()["email"] == "ana@example.fr"


def test_a_token_without_a_name_is_named_after_its_date(anonymous):
    UserFactory(email="ana@example.fr")

    body = ask_token(anonymous, "ana@example.fr").json()

    assert body["name"].startswith(f"API {timezone.localdate():%Y-%m-%d}")


def test_a_wrong_password_is_a_401_that_says_nothing_more(anonymous):
    UserFactory(email="ana@example.fr")

    wrong = ask_token(anonymous, "ana@example.fr", "not my password")
    unknown = ask_token(anonymous, "nobody@example.fr", "not my password")

    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert wrong.json()["code"] == "invalid_credentials"
    assert not ApiToken.objects.exists()


def test_an_inactive_account_gets_no_token(anonymous):
    UserFactory(email="ana@example.fr", is_active=False)

    assert ask_token(anonymous, "ana@example.fr").status_code == 401


def test_five_failures_lock_the_account_and_the_api_says_so_in_json(anonymous):
    UserFactory(email="ana@example.fr")

    answers = [ask_token(anonymous, "ana@example.fr", f"wrong {n}") for n in range(5)]
    after = ask_token(anonymous, "ana@example.fr")

    assert [a.status_code for a in answers] == [401] * 4 + [429]
    assert answers[-1].json()["code"] == "account_locked"
    assert after.status_code == 429 and after.json()["code"] == "account_locked"
    assert not ApiToken.objects.exists()


def test_an_account_with_two_factor_login_must_give_its_code(anonymous):
    user = UserFactory(email="ana@example.fr")
    device = totp_device(user)

    without = ask_token(anonymous, "ana@example.fr")
    wrong = ask_token(anonymous, "ana@example.fr", otp_code=wrong_code(device))
    right = ask_token(anonymous, "ana@example.fr", otp_code=totp_code(device))

    assert without.status_code == 401 and without.json()["code"] == "otp_required"
    assert wrong.status_code == 401 and wrong.json()["code"] == "otp_invalid"
    assert right.status_code == 201


def test_wrong_second_factor_codes_count_towards_the_lockout(anonymous):
    user = UserFactory(email="ana@example.fr")
    device = totp_device(user)

    answers = [
        ask_token(anonymous, "ana@example.fr", otp_code=wrong_code(device)) for _ in range(5)
    ]

    assert answers[-1].status_code == 429
    assert ask_token(anonymous, "ana@example.fr", otp_code=totp_code(device)).status_code == 429


def test_the_token_endpoint_refuses_a_malformed_body(anonymous):
    response = anonymous.post(TOKEN_URL, {"email": "ana@example.fr"}, format="json")

    assert response.status_code == 400
    assert response.json()["errors"] == {"password": ["Ce champ est obligatoire."]}


def test_a_revoked_token_authenticates_nothing(personas):
    token, key = _token(personas.supplier_member)
    token.revoked_at = timezone.now()
    token.save()

    response = CheckedClient().as_token(key).get("/api/v1/me/")

    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"
    assert response.headers["WWW-Authenticate"] == "Token"


def test_a_token_of_a_deactivated_user_authenticates_nothing(personas):
    key = token_for(personas.supplier_member)
    personas.supplier_member.is_active = False
    personas.supplier_member.save()

    assert CheckedClient().as_token(key).get("/api/v1/me/").status_code == 401


@pytest.mark.parametrize("header", ["Token", "Token a b", "Token " + "x" * 500, "Bearer abc"])
def test_malformed_authorization_headers_are_401s(header):
    response = CheckedClient().get("/api/v1/me/", HTTP_AUTHORIZATION=header)

    assert response.status_code == 401


def test_using_a_token_records_when_at_most_once_a_minute(personas):
    token, key = _token(personas.supplier_member)
    client = CheckedClient().as_token(key)

    client.get("/api/v1/me/")
    token.refresh_from_db()
    first = token.last_used_at
    client.get("/api/v1/me/")
    token.refresh_from_db()

    assert first is not None and token.last_used_at == first
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - timedelta(minutes=2))
    client.get("/api/v1/me/")
    token.refresh_from_db()
    assert token.last_used_at > first


def _token(user):  # type: ignore[no-untyped-def]
    from accounts import services

    return services.api_token_create(user=user, name="test")


def test_a_token_created_resets_the_failure_count_as_a_login_does(anonymous, settings):
    settings.AXES_FAILURE_LIMIT = 3
    UserFactory(email="ana@example.fr")

    typos = [ask_token(anonymous, "ana@example.fr", f"typo {n}") for n in range(2)]
    created = ask_token(anonymous, "ana@example.fr")
    one_more_typo = ask_token(anonymous, "ana@example.fr", "typo again")

    assert [t.status_code for t in typos] == [401, 401]
    assert created.status_code == 201
    assert one_more_typo.status_code == 401
    assert ask_token(anonymous, "ana@example.fr").status_code == 201


def test_the_right_password_with_a_wrong_code_forgives_nothing(anonymous, settings):
    settings.AXES_FAILURE_LIMIT = 3
    user = UserFactory(email="ana@example.fr")
    device = totp_device(user)

    ask_token(anonymous, "ana@example.fr", "typo")
    wrong = ask_token(anonymous, "ana@example.fr", otp_code=wrong_code(device))
    locked = ask_token(anonymous, "ana@example.fr", "typo again")

    assert wrong.status_code == 401
    assert locked.status_code == 429 and locked.json()["code"] == "account_locked"
