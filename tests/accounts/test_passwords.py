from __future__ import annotations

import re

import pytest
from axes.models import AccessAttempt
from django.urls import reverse

from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "une toute nouvelle phrase 2026"


def reset_link_path(mail) -> str:  # type: ignore[no-untyped-def]
    return re.search(
        r"https?://[^/\s]+(/compte/mot-de-passe/reinitialisation/\S+/)", mail.body
    ).group(1)


def ask_reset(client, email: str):  # type: ignore[no-untyped-def]
    return client.post(reverse("accounts:password_reset"), {"email": email})


def test_a_reset_asked_with_the_login_email_is_sent_to_the_contact_email(client, mailoutbox):
    UserFactory(email="login@example.fr", contact_email="inbox@example.org")

    response = ask_reset(client, "Login@example.fr")

    assert response.status_code == 302 and response.url == reverse("accounts:password_reset_done")
    [mail] = mailoutbox
    assert mail.to == ["inbox@example.org"]
    assert "Réinitialisation de votre mot de passe" in mail.subject
    assert mail.alternatives[0][1] == "text/html"
    assert reset_link_path(mail) in mail.alternatives[0][0]


def test_the_contact_email_is_not_a_login_so_it_gets_no_reset_link(client, mailoutbox):
    UserFactory(email="login@example.fr", contact_email="inbox@example.org")

    response = ask_reset(client, "inbox@example.org")

    assert response.url == reverse("accounts:password_reset_done")
    assert mailoutbox == []


def test_unknown_and_inactive_addresses_get_the_same_answer_and_no_email(client, mailoutbox):
    UserFactory(email="off@example.fr", is_active=False)

    for email in ("nobody@example.fr", "off@example.fr"):
        assert ask_reset(client, email).url == reverse("accounts:password_reset_done")
    assert mailoutbox == []


def test_the_reset_email_is_in_the_users_language(client, mailoutbox):
    UserFactory(email="login@example.fr", preferred_language="en")

    ask_reset(client, "login@example.fr")

    assert mailoutbox[0].subject == "Reset your Chorus password"


def test_the_reset_link_sets_a_new_password_without_logging_in(client, mailoutbox):
    user = UserFactory(email="login@example.fr")
    ask_reset(client, "login@example.fr")
    form_url = client.get(
        reset_link_path(mailoutbox[0])
    ).url  # Django swaps the token for a session

    response = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    assert response.url == reverse("accounts:password_reset_complete")
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert "_auth_user_id" not in client.session


def test_a_reset_link_serves_once(client, mailoutbox):
    UserFactory(email="login@example.fr")
    ask_reset(client, "login@example.fr")
    path = reset_link_path(mailoutbox[0])
    client.post(
        client.get(path).url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )

    page = client.get(path, follow=True).content.decode()

    assert "Ce lien de réinitialisation n’est plus valable" in page


def test_a_reset_lifts_a_lockout(client, mailoutbox):
    user = UserFactory(email="login@example.fr")
    for _ in range(5):
        client.post(
            reverse("accounts:login"), {"username": "login@example.fr", "password": "wrong"}
        )
    assert AccessAttempt.objects.filter(username="login@example.fr").exists()
    ask_reset(client, "login@example.fr")

    client.post(
        client.get(reset_link_path(mailoutbox[0])).url,
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert not AccessAttempt.objects.filter(username="login@example.fr").exists()
    response = client.post(
        reverse("accounts:login"), {"username": "login@example.fr", "password": NEW_PASSWORD}
    )
    assert client.session["_auth_user_id"] == str(user.pk)
    assert response.status_code == 302


def test_a_signed_in_user_changes_the_password_and_stays_signed_in(client):
    user = UserFactory()
    client.force_login(user)

    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": DEFAULT_PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )

    assert response.url == reverse("accounts:password_change_done")
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert client.get(reverse("accounts:profile")).status_code == 200


def test_changing_the_password_needs_the_current_one(client):
    user = UserFactory()
    client.force_login(user)

    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": "guess", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    page = response.content.decode()
    assert "Le mot de passe actuel est incorrect." in page
    assert 'id="id_old_password-desc-error"' in page
    user.refresh_from_db()
    assert user.check_password(DEFAULT_PASSWORD)


def test_the_password_change_page_needs_a_signed_in_user(client):
    response = client.get(reverse("accounts:password_change"))

    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))
