"""The language a user chose is remembered (across browsers, and for e-mails), and each login
keeps the previous one for "since your last visit"."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from accounts.signals import PREVIOUS_LOGIN_KEY
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def login(client, user):  # type: ignore[no-untyped-def]
    return client.post(
        reverse("accounts:login"), {"username": user.email, "password": DEFAULT_PASSWORD}
    )


def test_the_language_switch_remembers_a_signed_in_users_choice(client):
    user = UserFactory(preferred_language="fr")
    client.force_login(user)
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.preferred_language == "en"


def test_the_language_switch_still_works_for_visitors_and_refuses_unknown_languages(client):
    client.post(reverse("set_language"), {"language": "xx", "next": "/"})
    assert '<html lang="fr"' in client.get("/").content.decode()
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert '<html lang="en"' in client.get("/").content.decode()


def test_a_new_browser_gets_the_users_language_at_login(client):
    user = UserFactory(preferred_language="en")
    response = login(client, user)
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert '<html lang="en"' in client.get("/").content.decode()


def test_a_language_chosen_before_logging_in_becomes_the_users_choice(client):
    user = UserFactory(preferred_language="fr")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    login(client, user)
    user.refresh_from_db()
    assert user.preferred_language == "en"


def test_a_login_keeps_the_previous_one_in_the_session(client):
    before = timezone.now() - timedelta(days=3)
    user = UserFactory(last_login=before)
    login(client, user)
    user.refresh_from_db()
    assert user.last_login > before
    assert client.session[PREVIOUS_LOGIN_KEY] == before.isoformat()


def test_a_first_login_has_no_previous_one(client):
    user = UserFactory(last_login=None)
    login(client, user)
    assert client.session[PREVIOUS_LOGIN_KEY] is None
    user.refresh_from_db()
    assert user.last_login is not None
