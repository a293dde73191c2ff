from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import User
from tests.accounts.factories import totp_device
from tests.factories import UserFactory
from tests.utils.two_factor import verified_login

pytestmark = pytest.mark.django_db

NEW = "une phrase de passe pour l'admin"


@pytest.fixture
def admin_client(client):  # type: ignore[no-untyped-def]
    verified_login(client, UserFactory(email="admin@example.fr", is_staff=True, is_superuser=True))
    return client


def add_user(admin_client, **overrides: str):  # type: ignore[no-untyped-def]
    data = {
        "email": "New.Person@Example.fr",
        "first_name": "Nouvelle",
        "last_name": "Personne",
        "contact_email": "",
        "phone": "",
        "usable_password": "true",
        "password1": NEW,
        "password2": NEW,
        **overrides,
    }
    return admin_client.post(reverse("admin:accounts_user_add"), data)


def test_the_add_user_page_works_with_the_email_login(admin_client):
    page = admin_client.get(reverse("admin:accounts_user_add")).content.decode()

    assert 'name="email"' in page and 'name="password1"' in page
    assert 'name="username"' not in page


def test_an_administrator_creates_an_active_account_that_needs_no_activation(admin_client):
    response = add_user(admin_client)

    assert response.status_code == 302
    user = User.objects.get(email="new.person@example.fr")
    assert user.contact_email == "new.person@example.fr"
    assert user.is_active and user.activated_at is not None and not user.awaits_activation
    assert user.check_password(NEW)


def test_an_address_differing_only_in_capitals_is_refused(admin_client):
    UserFactory(email="new.person@example.fr")

    response = add_user(admin_client)

    assert response.status_code == 200
    assert User.objects.filter(email__iexact="new.person@example.fr").count() == 1


def test_the_user_change_and_list_pages_work(admin_client):
    user = UserFactory()

    assert (
        admin_client.get(reverse("admin:accounts_user_change", args=[user.pk])).status_code == 200
    )
    listing = admin_client.get(reverse("admin:accounts_user_changelist") + "?q=" + user.email)
    assert listing.status_code == 200 and user.email in listing.content.decode()


def test_totp_devices_are_in_the_admin(admin_client):
    device = totp_device(UserFactory())

    assert admin_client.get(reverse("admin:otp_totp_totpdevice_changelist")).status_code == 200
    assert (
        admin_client.get(reverse("admin:otp_totp_totpdevice_change", args=[device.pk])).status_code
        == 200
    )


def test_terms_acceptances_are_listed_for_the_administrator(admin_client):
    assert admin_client.get(reverse("admin:accounts_termsacceptance_changelist")).status_code == 200
    assert admin_client.get(reverse("admin:accounts_termsversion_changelist")).status_code == 200
