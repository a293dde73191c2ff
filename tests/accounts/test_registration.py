from __future__ import annotations

import re

import pytest
from django.urls import reverse

from accounts.models import TermsAcceptance, User
from accounts.selectors import current_terms
from tests.accounts.factories import PendingUserFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "un mot de passe solide 2026"


def form_data(**overrides: str) -> dict[str, str]:
    data = {
        "email": "camille.martin@example.fr",
        "contact_email": "compta@example.fr",
        "first_name": "Camille",
        "last_name": "Martin",
        "phone": "01 23 45 67 89",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "accept_terms": "on",
    }
    data.update(overrides)
    return data


def register(client, capture, **overrides: str):  # type: ignore[no-untyped-def]
    with capture(execute=True):
        return client.post(
            reverse("accounts:register"), form_data(**overrides), REMOTE_ADDR="198.51.100.4"
        )


def test_the_registration_page_shows_every_field_and_the_terms_version(client):
    page = client.get(reverse("accounts:register")).content.decode()
    assert "<title>Créer un compte" in page
    for name in (
        "email",
        "contact_email",
        "first_name",
        "last_name",
        "phone",
        "password1",
        "password2",
        "accept_terms",
    ):
        assert f'name="{name}"' in page
    assert f"version {current_terms().version}" in page


def test_registration_creates_an_inactive_account_and_mails_the_link_to_the_contact_address(
    client, django_capture_on_commit_callbacks, mailoutbox
):
    response = register(client, django_capture_on_commit_callbacks)

    assert response.status_code == 302 and response.url == reverse("accounts:register_done")
    user = User.objects.get(email="camille.martin@example.fr")
    assert not user.is_active and user.activated_at is None
    assert (user.contact_email, user.first_name, user.last_name, user.phone) == (
        "compta@example.fr",
        "Camille",
        "Martin",
        "01 23 45 67 89",
    )
    assert user.check_password(PASSWORD)
    [mail] = mailoutbox
    assert mail.to == ["compta@example.fr"]
    assert "Activez votre compte" in mail.subject
    html, mimetype = mail.alternatives[0]
    assert mimetype == "text/html"
    link = re.search(r"http://\S+/compte/activation/\S+/", mail.body).group(0)
    assert link in html


def test_the_contact_address_defaults_to_the_login_address(
    client, django_capture_on_commit_callbacks, mailoutbox
):
    register(client, django_capture_on_commit_callbacks, contact_email="")

    assert (
        User.objects.get(email="camille.martin@example.fr").contact_email
        == "camille.martin@example.fr"
    )
    assert mailoutbox[0].to == ["camille.martin@example.fr"]


def test_the_login_address_is_stored_in_lower_case(client, django_capture_on_commit_callbacks):
    register(client, django_capture_on_commit_callbacks, email="Camille.Martin@Example.FR")

    assert User.objects.filter(email="camille.martin@example.fr").exists()


def test_registering_records_the_acceptance_of_the_terms_in_force_with_the_address(
    client, django_capture_on_commit_callbacks
):
    register(client, django_capture_on_commit_callbacks)

    acceptance = TermsAcceptance.objects.get(user__email="camille.martin@example.fr")
    assert acceptance.terms == current_terms()
    assert acceptance.ip_address == "198.51.100.4"
    assert acceptance.accepted_at is not None


def test_an_account_cannot_be_created_without_accepting_the_terms(
    client, django_capture_on_commit_callbacks, mailoutbox
):
    response = register(client, django_capture_on_commit_callbacks, accept_terms="")

    assert response.status_code == 200
    page = response.content.decode()
    assert "Acceptez les conditions générales d’utilisation pour créer un compte." in page
    assert 'aria-describedby="id_accept_terms-desc-error"' in page
    assert (
        not User.objects.exists()
        or not User.objects.filter(email="camille.martin@example.fr").exists()
    )
    assert mailoutbox == []


def test_the_two_passwords_must_match(client, django_capture_on_commit_callbacks):
    response = register(
        client, django_capture_on_commit_callbacks, password2="autre chose encore 2026"
    )

    assert "Les deux mots de passe ne sont pas identiques." in response.content.decode()
    assert not User.objects.filter(email="camille.martin@example.fr").exists()


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("court1", "Ce mot de passe est trop court"),
        ("123456789012345", "Ce mot de passe est entièrement numérique"),
        ("camille.martin@example", "Le mot de passe est trop semblable"),
    ],
)
def test_passwords_go_through_the_django_validators(
    client, django_capture_on_commit_callbacks, password, message
):
    response = register(
        client, django_capture_on_commit_callbacks, password1=password, password2=password
    )

    page = response.content.decode()
    assert message in page
    assert 'aria-describedby="id_password1-desc-hint id_password1-desc-error"' in page
    assert not User.objects.filter(email="camille.martin@example.fr").exists()


def test_a_malformed_phone_number_is_refused_next_to_its_field(
    client, django_capture_on_commit_callbacks
):
    response = register(client, django_capture_on_commit_callbacks, phone="appelez-moi")

    page = response.content.decode()
    assert 'id="id_phone-desc-error"' in page
    assert "Saisissez un numéro de téléphone valide" in page


def test_the_activation_email_is_sent_only_once_the_account_is_committed(
    client, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(reverse("accounts:register"), form_data())

    assert mailoutbox == []
    assert len(callbacks) == 1


def test_the_activation_email_speaks_the_language_of_the_registration_page(
    client, django_capture_on_commit_callbacks, mailoutbox
):
    client.cookies["django_language"] = "en"
    register(client, django_capture_on_commit_callbacks)

    assert User.objects.get(email="camille.martin@example.fr").preferred_language == "en"
    assert mailoutbox[0].subject == "Activate your Chorus account"
    assert "valid for 60 minutes" in mailoutbox[0].body


def test_an_address_that_has_an_account_gets_the_same_answer_and_its_owner_is_told(
    client, django_capture_on_commit_callbacks, mailoutbox
):
    owner = UserFactory(email="camille.martin@example.fr", contact_email="owner@example.fr")

    response = register(
        client, django_capture_on_commit_callbacks, email="CAMILLE.martin@example.fr"
    )

    assert response.status_code == 302 and response.url == reverse("accounts:register_done")
    assert User.objects.filter(email__iexact="camille.martin@example.fr").count() == 1
    owner.refresh_from_db()
    assert owner.is_active and owner.check_password("correct horse battery staple")
    [mail] = mailoutbox
    assert mail.to == ["owner@example.fr"]
    assert "déjà un compte" in mail.subject
    assert "/compte/activation/" not in mail.body


def test_registering_again_an_account_awaiting_activation_sends_a_new_link_only(
    client, django_capture_on_commit_callbacks, mailoutbox
):
    pending = PendingUserFactory(
        email="camille.martin@example.fr", contact_email="first@example.fr"
    )

    register(client, django_capture_on_commit_callbacks, contact_email="attacker@example.net")

    pending.refresh_from_db()
    assert pending.contact_email == "first@example.fr"
    [mail] = mailoutbox
    assert mail.to == ["first@example.fr"]
    assert "/compte/activation/" in mail.body


def test_a_signed_in_user_is_taken_to_their_account(client):
    client.force_login(UserFactory())

    response = client.get(reverse("accounts:register"))

    assert response.status_code == 302 and response.url == reverse("accounts:profile")


def test_the_page_after_registering_tells_to_check_the_mailbox(client):
    page = client.get(reverse("accounts:register_done")).content.decode()

    assert "Vérifiez votre messagerie" in page
    assert "valable 60 minutes" in page


def test_a_mail_server_that_is_down_does_not_break_the_registration(
    client, django_capture_on_commit_callbacks, settings, caplog
):
    settings.EMAIL_BACKEND = "tests.accounts.mail.UnreachableMailServer"

    response = register(client, django_capture_on_commit_callbacks)

    assert response.status_code == 302 and response.url == reverse("accounts:register_done")
    assert User.objects.filter(email="camille.martin@example.fr", is_active=False).exists()
    assert "E-mail activation to user could not be sent" in caplog.text


def test_a_weak_password_is_reported_even_when_the_confirmation_differs(
    client, django_capture_on_commit_callbacks
):
    response = register(
        client, django_capture_on_commit_callbacks, password1="court1", password2="autre"
    )
    page = response.content.decode()
    assert "Ce mot de passe est trop court" in page
    assert "Les deux mots de passe ne sont pas identiques." in page
