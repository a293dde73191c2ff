from __future__ import annotations

import re

import pytest
from django.contrib.messages import get_messages
from django.core import signing
from django.urls import reverse

from accounts import services
from accounts.models import User
from accounts.tokens import activation_token_make
from tests.accounts.factories import PendingUserFactory, sign_in_the_past
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def activation_url(user: User) -> str:
    return reverse("accounts:activate", args=[activation_token_make(user)])


def messages_of(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_a_valid_link_activates_the_account_and_leads_to_the_login(client):
    user = PendingUserFactory()

    response = client.get(activation_url(user))

    assert response.status_code == 302 and response.url == reverse("accounts:login")
    assert messages_of(response) == ["Votre compte est activé. Vous pouvez vous connecter."]
    user.refresh_from_db()
    assert user.is_active and user.activated_at is not None


def test_the_link_of_the_registration_email_activates_the_account_then_login_works(
    client, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        services.user_register(
            email="ana@example.fr",
            contact_email="",
            first_name="Ana",
            last_name="Lopez",
            phone="",
            password="un mot de passe solide 2026",
            language="fr",
            ip_address=None,
        )
    path = re.search(r"https?://[^/\s]+(/compte/activation/\S+/)", mailoutbox[0].body).group(1)

    assert client.get(path).status_code == 302
    response = client.post(
        reverse("accounts:login"),
        {"username": "ana@example.fr", "password": "un mot de passe solide 2026"},
    )
    assert response.status_code == 302
    assert response.wsgi_request.user.email == "ana@example.fr"


def test_an_expired_link_is_refused_with_a_clear_page_and_a_form_for_a_new_link(
    client, monkeypatch, settings
):
    user = PendingUserFactory()
    sign_in_the_past(monkeypatch, settings.ACCOUNT_ACTIVATION_MAX_AGE + 1)
    url = activation_url(user)
    monkeypatch.undo()

    response = client.get(url)

    assert response.status_code == 410
    page = response.content.decode()
    assert "Lien d’activation expiré" in page
    assert "il expire 60 minutes après son envoi" in page
    assert f'action="{reverse("accounts:resend_activation")}"' in page
    user.refresh_from_db()
    assert not user.is_active


def test_a_link_just_younger_than_the_setting_still_works(client, monkeypatch, settings):
    settings.ACCOUNT_ACTIVATION_MAX_AGE = 120
    user = PendingUserFactory()
    sign_in_the_past(monkeypatch, 100)
    url = activation_url(user)
    monkeypatch.undo()

    assert client.get(url).status_code == 302
    user.refresh_from_db()
    assert user.is_active


def test_a_tampered_link_is_refused_and_a_new_link_offered(client):
    user = PendingUserFactory()
    other = PendingUserFactory()
    token = activation_token_make(user)
    _payload, rest = token.split(":", 1)
    forged = signing.dumps({"u": other.pk, "s": "0" * 32}, salt="accounts.activation")
    tampered = [
        token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
        forged.split(":", 1)[0] + ":" + rest,
        signing.dumps({"u": user.pk}, salt="another.purpose"),
        "not-a-token",
    ]

    for value in tampered:
        response = client.get(reverse("accounts:activate", args=[value]))
        assert response.status_code == 400, value
        assert "Lien d’activation invalide" in response.content.decode()

    assert not User.objects.filter(pk__in=[user.pk, other.pk], is_active=True).exists()


def test_a_link_used_twice_says_the_account_is_already_activated(client):
    user = PendingUserFactory()
    url = activation_url(user)
    client.get(url)

    response = client.get(url)

    assert response.status_code == 302 and response.url == reverse("accounts:login")
    assert messages_of(response)[-1] == "Ce compte est déjà activé : connectez-vous."


def test_an_old_link_cannot_reactivate_an_account_an_administrator_deactivated(client):
    user = PendingUserFactory()
    url = activation_url(user)
    client.get(url)
    User.objects.filter(pk=user.pk).update(is_active=False)

    response = client.get(url)

    assert response.status_code == 400
    user.refresh_from_db()
    assert not user.is_active


def test_the_signed_state_changes_once_activated(client):
    user = PendingUserFactory()
    before = activation_token_make(user)
    client.get(reverse("accounts:activate", args=[before]))
    user.refresh_from_db()

    assert activation_token_make(user).split(":")[0] != before.split(":")[0]


def test_a_link_stops_working_when_the_login_address_was_corrected_meanwhile(client):
    user = PendingUserFactory(email="typo@exmaple.fr")
    url = activation_url(user)
    User.objects.filter(pk=user.pk).update(email="right@example.fr")

    assert client.get(url).status_code == 400


@pytest.mark.parametrize("kind", ["pending", "active", "unknown"])
def test_asking_for_a_new_link_always_gives_the_same_answer(
    client, django_capture_on_commit_callbacks, mailoutbox, kind
):
    if kind == "pending":
        PendingUserFactory(email="someone@example.fr", contact_email="contact@example.fr")
    elif kind == "active":
        UserFactory(email="someone@example.fr")

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("accounts:resend_activation"), {"email": "Someone@example.fr"}
        )

    assert response.status_code == 302
    assert response.url == reverse("accounts:resend_activation_done")
    page = client.get(response.url).content.decode()
    assert "Si un compte en attente d’activation existe pour cette adresse" in page
    assert [m.to for m in mailoutbox] == ([["contact@example.fr"]] if kind == "pending" else [])


def test_the_new_link_works(client, django_capture_on_commit_callbacks, mailoutbox):
    user = PendingUserFactory(email="someone@example.fr")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:resend_activation"), {"email": "someone@example.fr"})
    path = re.search(r"https?://[^/\s]+(/compte/activation/\S+/)", mailoutbox[0].body).group(1)

    client.get(path)

    user.refresh_from_db()
    assert user.is_active


def test_the_new_link_form_is_prefilled_from_the_login_page_link(client):
    page = client.get(
        reverse("accounts:resend_activation") + "?email=ana%40example.fr"
    ).content.decode()

    assert 'value="ana@example.fr"' in page
