"""A user downloads their personal data (JSON) and closes their account: personal fields
anonymised, no login ever again, invoices and their history kept as legal records."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from accounts.models import ApiToken, User
from accounts.services import api_token_create
from tests.accounts.factories import totp_device
from tests.factories import DEFAULT_PASSWORD, MembershipFactory, UserFactory
from tests.invoices.factories import deposited

pytestmark = pytest.mark.django_db


def close(client, password: str = DEFAULT_PASSWORD, confirm: bool = True):  # type: ignore[no-untyped-def]
    body = {"password": password, **({"confirm": "on"} if confirm else {})}
    return client.post(reverse("accounts:account_close"), body, follow=True)


def test_a_user_downloads_their_personal_data_as_json(client, personas):
    user = personas.supplier_principal
    api_token_create(user=user, name="ERP")
    deposited(personas)
    client.force_login(user)

    response = client.get(reverse("accounts:personal_data_download"))

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.content)
    assert data["account"]["login_email"] == user.email
    assert data["account"]["last_name"] == user.last_name
    assert data["memberships"][0]["identifier"] == personas.acme.identifier
    assert data["api_tokens"][0]["name"] == "ERP" and "key" not in data["api_tokens"][0]
    assert [action["to"] for action in data["invoice_actions"]][:1] == ["BROUILLON"]
    # Each app adds what it holds (connected in its AppConfig.ready): accounts imports none.
    assert data["support_requests"] == []


def test_the_personal_data_of_a_user_are_theirs_only(client, personas):
    client.force_login(personas.outsider)

    data = json.loads(client.get(reverse("accounts:personal_data_download")).content)

    assert data["account"]["login_email"] == personas.outsider.email
    assert personas.supplier_principal.email not in json.dumps(data)


def test_closing_the_account_anonymises_it_and_keeps_the_invoices_and_their_history(
    client, personas
):
    user = personas.supplier_member
    invoice = deposited(personas)
    api_token_create(user=user, name="ERP")
    totp_device(user)
    email = user.email
    client.force_login(user)

    response = close(client)

    assert "Votre compte est fermé" in response.content.decode()
    user.refresh_from_db()
    assert user.email != email and user.email.endswith("@compte-ferme.invalid")
    assert (user.first_name, user.phone, user.is_active) == ("", "", False)
    assert not user.has_usable_password()
    assert not user.memberships.exists()
    assert not ApiToken.objects.filter(user=user, revoked_at__isnull=True).exists()
    assert invoice.history.count() == 2
    login = client.post(
        reverse("accounts:login"), {"username": email, "password": DEFAULT_PASSWORD}
    )
    assert login.status_code == 200 and "_auth_user_id" not in client.session
    assert client.get(reverse("accounts:profile")).status_code == 302


def test_closing_needs_the_password_and_the_confirmation(client):
    user = UserFactory()
    client.force_login(user)

    close(client, password="wrong-password")
    close(client, confirm=False)

    user.refresh_from_db()
    assert user.is_active and User.objects.filter(email=user.email).exists()


def test_a_principal_manager_with_colleagues_hands_the_role_over_first(client, personas):
    client.force_login(personas.supplier_principal)

    response = close(client)

    assert "confiez d’abord ce rôle" in response.content.decode()
    personas.supplier_principal.refresh_from_db()
    assert personas.supplier_principal.is_active


def test_a_principal_manager_alone_in_the_structure_can_close(client):
    user = UserFactory()
    MembershipFactory(user=user, role="PRINCIPAL")
    client.force_login(user)

    close(client)

    user.refresh_from_db()
    assert not user.is_active
