from __future__ import annotations

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.urls import reverse

from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def login(client, email: str, password: str = DEFAULT_PASSWORD):  # type: ignore[no-untyped-def]
    return client.post(reverse("accounts:login"), {"username": email, "password": password})


def fail(client, email: str, times: int) -> list:  # type: ignore[no-untyped-def]
    return [login(client, email, f"wrong password {n}") for n in range(times)]


def test_four_failures_leave_the_account_open(client):
    UserFactory(email="ana@example.fr")

    responses = fail(client, "ana@example.fr", 4)

    assert [r.status_code for r in responses] == [200] * 4
    assert login(client, "ana@example.fr").status_code == 302


def test_the_fifth_failure_locks_the_account_with_a_french_page(client):
    UserFactory(email="ana@example.fr")

    fifth = fail(client, "ana@example.fr", 5)[-1]

    assert fifth.status_code == 429
    assert "accounts/locked_out.html" in [t.name for t in fifth.templates]
    page = fifth.content.decode()
    assert "Compte temporairement bloqué" in page
    assert "Après 5 tentatives de connexion échouées" in page
    assert "Réessayez dans 60 minutes." in page
    assert reverse("accounts:password_reset") in page


def test_the_right_password_is_refused_while_the_account_is_locked(client):
    UserFactory(email="ana@example.fr")
    fail(client, "ana@example.fr", 5)

    sixth = login(client, "ana@example.fr")

    assert sixth.status_code == 429
    assert "Compte temporairement bloqué" in sixth.content.decode()
    assert "_auth_user_id" not in client.session


def test_another_account_is_not_locked(client):
    UserFactory(email="ana@example.fr")
    other = UserFactory(email="bob@example.fr")
    fail(client, "ana@example.fr", 5)

    response = login(client, "bob@example.fr")

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(other.pk)


def test_changing_the_capitals_of_the_address_does_not_buy_more_attempts(client):
    UserFactory(email="ana@example.fr")
    for spelling in ("ana@example.fr", "ANA@example.fr", "Ana@Example.fr", "aNa@example.FR"):
        login(client, spelling, "wrong password")

    assert login(client, " ANA@EXAMPLE.FR ", "wrong again").status_code == 429
    assert login(client, "ana@example.fr").status_code == 429


def test_an_address_without_account_locks_the_same_way_so_nothing_is_revealed(client):
    fifth = fail(client, "nobody@example.fr", 5)[-1]

    assert fifth.status_code == 429


def test_the_lock_ends_after_the_cool_off(client, settings):
    user = UserFactory(email="ana@example.fr")
    fail(client, "ana@example.fr", 5)
    past = AccessAttempt.objects.get(username="ana@example.fr").attempt_time - (
        settings.AXES_COOLOFF_TIME + timedelta(seconds=1)
    )
    AccessAttempt.objects.filter(username="ana@example.fr").update(attempt_time=past)

    response = login(client, "ana@example.fr")

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_a_successful_login_resets_the_count(client):
    UserFactory(email="ana@example.fr")
    fail(client, "ana@example.fr", 4)
    login(client, "ana@example.fr")
    client.post(reverse("accounts:logout"))

    assert [r.status_code for r in fail(client, "ana@example.fr", 4)] == [200] * 4
