from __future__ import annotations

import pytest
from django.urls import reverse

from tests.accounts.factories import PendingUserFactory, totp_code
from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.utils.two_factor import enrolled_device

pytestmark = pytest.mark.django_db


def login(client, email: str, password: str = DEFAULT_PASSWORD, **extra: str):  # type: ignore[no-untyped-def]
    return client.post(
        reverse("accounts:login"), {"username": email, "password": password, **extra}
    )


def logged_in_user_id(client) -> str | None:  # type: ignore[no-untyped-def]
    return client.session.get("_auth_user_id")


def test_the_login_page_asks_for_the_email_and_password_and_links_to_reset_and_register(client):
    page = client.get(reverse("accounts:login")).content.decode()

    assert '<label class="fr-label" for="id_username">Adresse électronique' in page
    assert 'type="email" name="username"' in page
    assert reverse("accounts:password_reset") in page
    assert reverse("accounts:register") in page


def test_a_user_logs_in_with_the_login_email_in_any_case(client):
    user = UserFactory(email="ana@example.fr")

    response = login(client, "ANA@Example.fr")

    assert response.status_code == 302 and response.url == reverse("home")
    assert logged_in_user_id(client) == str(user.pk)


def test_a_wrong_password_is_refused_with_a_message_that_names_no_field(client):
    UserFactory(email="ana@example.fr")

    response = login(client, "ana@example.fr", "not the password")

    assert response.status_code == 200
    assert "Adresse électronique ou mot de passe incorrect." in response.content.decode()
    assert logged_in_user_id(client) is None


def test_an_unknown_address_gets_the_same_message_as_a_wrong_password(client):
    response = login(client, "nobody@example.fr")

    assert "Adresse électronique ou mot de passe incorrect." in response.content.decode()


def test_an_account_awaiting_activation_is_told_so_and_offered_a_new_link(client):
    PendingUserFactory(email="ana@example.fr")

    response = login(client, "ana@example.fr")

    page = response.content.decode()
    assert "Votre compte n’est pas encore activé" in page
    assert f"{reverse('accounts:resend_activation')}?email=ana%40example.fr" in page
    assert logged_in_user_id(client) is None


def test_an_account_awaiting_activation_is_not_revealed_without_its_password(client):
    PendingUserFactory(email="ana@example.fr")

    page = login(client, "ana@example.fr", "a wrong password").content.decode()

    assert "pas encore activé" not in page
    assert "Adresse électronique ou mot de passe incorrect." in page


def test_a_deactivated_account_is_told_to_contact_the_support(client):
    UserFactory(email="ana@example.fr", is_active=False)

    page = login(client, "ana@example.fr").content.decode()

    assert "Ce compte est désactivé. Contactez le support" in page
    assert reverse("accounts:resend_activation") not in page


def test_login_follows_a_next_on_this_site(client):
    UserFactory(email="ana@example.fr")

    response = login(client, "ana@example.fr", next="/compte/?onglet=securite")

    assert response.url == "/compte/?onglet=securite"


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/", "http://testserver.evil.example/"]
)
def test_login_ignores_a_next_that_leaves_the_site(client, target):
    UserFactory(email="ana@example.fr")

    response = login(client, "ana@example.fr", next=target)

    assert response.url == reverse("home")


def test_logging_out_ends_the_session(client):
    client.force_login(UserFactory())

    client.post(reverse("accounts:logout"))

    assert logged_in_user_id(client) is None


def test_the_admin_login_sends_to_the_portal_login_which_enforces_the_same_rules(client):
    response = client.get("/admin/login/?next=/admin/accounts/user/")

    assert response.status_code == 302
    assert response.url == reverse("accounts:login") + "?next=%2Fadmin%2Faccounts%2Fuser%2F"


def test_a_staff_member_reaches_the_admin_after_the_portal_login(client):
    staff = UserFactory(email="staff@example.fr", is_staff=True, is_superuser=True)
    device = enrolled_device(staff)

    response = login(client, "staff@example.fr", next="/admin/")
    assert response.url == reverse("accounts:login_otp")
    response = client.post(response.url, {"otp_token": totp_code(device)})

    assert response.url == "/admin/"
    assert client.get("/admin/").status_code == 200
