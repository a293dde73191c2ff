from __future__ import annotations

import time

import pytest
from axes.models import AccessAttempt
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.totp import secret_for_humans
from accounts.views.login import PENDING_KEY, PENDING_MAX_AGE
from tests.accounts.factories import totp_code, totp_device, wrong_code
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

TWO_FACTOR_URL = reverse("accounts:two_factor")
CODE_URL = reverse("accounts:login_otp")


def password_step(client, email: str, **extra: str):  # type: ignore[no-untyped-def]
    return client.post(
        reverse("accounts:login"), {"username": email, "password": DEFAULT_PASSWORD, **extra}
    )


def code_step(client, code: str):  # type: ignore[no-untyped-def]
    return client.post(CODE_URL, {"otp_token": code})


@pytest.fixture
def protected_user():  # type: ignore[no-untyped-def]
    user = UserFactory(email="ana@example.fr")
    totp_device(user)
    return user


# --- Switching it on ------------------------------------------------------------------------
def test_a_user_starts_the_setup_and_sees_a_qr_code_and_the_secret(client):
    user = UserFactory()
    client.force_login(user)

    assert client.post(TWO_FACTOR_URL).url == TWO_FACTOR_URL
    page = client.get(TWO_FACTOR_URL).content.decode()

    device = TOTPDevice.objects.get(user=user)
    assert not device.confirmed
    assert '<svg role="img" aria-label="QR code à scanner avec votre application"' in page
    assert "<path" in page
    assert secret_for_humans(device) in page
    assert len(secret_for_humans(device).replace(" ", "")) == 32


def test_starting_again_replaces_an_unfinished_setup(client):
    user = UserFactory()
    client.force_login(user)
    client.post(TWO_FACTOR_URL)
    first = TOTPDevice.objects.get(user=user)

    client.post(TWO_FACTOR_URL)

    assert list(TOTPDevice.objects.filter(user=user)) != [first]
    assert TOTPDevice.objects.filter(user=user).count() == 1


def test_the_right_code_confirms_the_device(client):
    user = UserFactory()
    client.force_login(user)
    client.post(TWO_FACTOR_URL)
    device = TOTPDevice.objects.get(user=user)

    response = client.post(reverse("accounts:two_factor_confirm"), {"otp_token": totp_code(device)})

    assert response.status_code == 200
    assert "Vos codes de secours" in response.content.decode()
    device.refresh_from_db()
    assert device.confirmed
    assert "La double authentification est activée" in client.get(TWO_FACTOR_URL).content.decode()


def test_a_wrong_code_does_not_confirm_the_device(client):
    user = UserFactory()
    client.force_login(user)
    client.post(TWO_FACTOR_URL)
    device = TOTPDevice.objects.get(user=user)

    response = client.post(
        reverse("accounts:two_factor_confirm"), {"otp_token": wrong_code(device)}
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert "Code incorrect." in page
    assert 'aria-describedby="id_otp_token-desc-hint id_otp_token-desc-error"' in page
    device.refresh_from_db()
    assert not device.confirmed


def test_a_code_that_is_not_six_digits_is_refused_before_checking(client):
    user = UserFactory()
    client.force_login(user)
    client.post(TWO_FACTOR_URL)

    response = client.post(reverse("accounts:two_factor_confirm"), {"otp_token": "12ab56"})

    assert "Le code se compose de 6 chiffres." in response.content.decode()


# --- Logging in with it ---------------------------------------------------------------------
def test_the_password_step_does_not_log_in_a_user_with_two_factor(client, protected_user):
    response = password_step(client, "ana@example.fr", next="/compte/")

    assert response.status_code == 302 and response.url == CODE_URL
    assert "_auth_user_id" not in client.session
    assert client.session[PENDING_KEY]["user_id"] == protected_user.pk
    assert client.get("/compte/").url.startswith(reverse("accounts:login"))


def test_the_right_code_logs_in_and_goes_where_the_user_was_going(client, protected_user):
    password_step(client, "ana@example.fr", next="/compte/")

    response = code_step(client, totp_code(protected_user.totpdevice_set.get()))

    assert response.status_code == 302 and response.url == "/compte/"
    assert client.session["_auth_user_id"] == str(protected_user.pk)
    assert PENDING_KEY not in client.session
    assert client.get("/compte/").wsgi_request.user.is_verified()


def test_a_wrong_code_is_refused_and_the_user_stays_logged_out(client, protected_user):
    password_step(client, "ana@example.fr")

    response = code_step(client, wrong_code(protected_user.totpdevice_set.get()))

    assert response.status_code == 200
    assert "Code incorrect." in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_code_cannot_be_used_twice(client, protected_user):
    device = protected_user.totpdevice_set.get()
    code = totp_code(device)
    password_step(client, "ana@example.fr")
    code_step(client, code)
    client.post(reverse("accounts:logout"))
    password_step(client, "ana@example.fr")

    response = code_step(client, code)

    assert "Code incorrect." in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_wrong_codes_count_as_failed_logins_and_lock_the_account(client, protected_user):
    device = protected_user.totpdevice_set.get()
    password_step(client, "ana@example.fr")

    responses = [code_step(client, wrong_code(device)) for _ in range(5)]

    assert [r.status_code for r in responses] == [200, 200, 200, 200, 429]
    assert AccessAttempt.objects.get(username="ana@example.fr").failures_since_start == 5
    assert PENDING_KEY not in client.session
    assert password_step(client, "ana@example.fr").status_code == 429


def test_password_and_code_failures_share_one_count(client, protected_user):
    for _ in range(3):
        client.post(reverse("accounts:login"), {"username": "ana@example.fr", "password": "nope"})
    password_step(client, "ana@example.fr")
    device = protected_user.totpdevice_set.get()

    assert code_step(client, wrong_code(device)).status_code == 200
    assert code_step(client, wrong_code(device)).status_code == 429


def test_the_code_step_refuses_a_user_locked_meanwhile(client, protected_user):
    password_step(client, "ana@example.fr")
    other_browser = client.__class__()
    for _ in range(5):
        other_browser.post(
            reverse("accounts:login"), {"username": "ana@example.fr", "password": "x"}
        )

    response = code_step(client, totp_code(protected_user.totpdevice_set.get()))

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_codes_typed_too_fast_after_a_wrong_one_are_throttled(client, protected_user, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 60
    device = protected_user.totpdevice_set.get()
    password_step(client, "ana@example.fr")
    code_step(client, wrong_code(device))

    response = code_step(client, totp_code(device))

    assert "Trop d’essais rapprochés" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert AccessAttempt.objects.get(username="ana@example.fr").failures_since_start == 1


def test_the_code_step_without_a_password_step_goes_back_to_login(client):
    response = client.get(CODE_URL)

    assert response.url == reverse("accounts:login")


def test_the_code_step_expires(client, protected_user):
    password_step(client, "ana@example.fr")
    session = client.session
    session[PENDING_KEY] = {**session[PENDING_KEY], "since": int(time.time()) - PENDING_MAX_AGE - 1}
    session.save()

    response = code_step(client, totp_code(protected_user.totpdevice_set.get()))

    assert response.url == reverse("accounts:login")
    assert "_auth_user_id" not in client.session


def test_the_code_step_keeps_a_safe_next_only(client, protected_user):
    password_step(client, "ana@example.fr", next="https://evil.example/")

    response = code_step(client, totp_code(protected_user.totpdevice_set.get()))

    assert response.url == reverse("home")


# --- Switching it off -----------------------------------------------------------------------
def test_a_current_code_switches_it_off(client, protected_user):
    client.force_login(protected_user)
    device = protected_user.totpdevice_set.get()

    response = client.post(reverse("accounts:two_factor_disable"), {"otp_token": totp_code(device)})

    assert response.url == TWO_FACTOR_URL
    assert not TOTPDevice.objects.filter(user=protected_user).exists()
    client.post(reverse("accounts:logout"))
    assert password_step(client, "ana@example.fr").url == reverse("home")


def test_the_password_switches_it_off_too(client, protected_user):
    client.force_login(protected_user)

    client.post(reverse("accounts:two_factor_disable"), {"password": DEFAULT_PASSWORD})

    assert not TOTPDevice.objects.filter(user=protected_user).exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"password": "guess"}, "Code ou mot de passe incorrect."),
        ({"otp_token": "000000"}, "Code ou mot de passe incorrect."),
        ({}, "Saisissez un code de votre application ou votre mot de passe."),
    ],
)
def test_a_wrong_code_or_password_leaves_it_on(client, protected_user, data, message):
    client.force_login(protected_user)
    if "otp_token" in data:
        data = {"otp_token": wrong_code(protected_user.totpdevice_set.get())}

    response = client.post(reverse("accounts:two_factor_disable"), data)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert TOTPDevice.objects.filter(user=protected_user, confirmed=True).exists()


def test_guessing_the_password_to_switch_it_off_is_throttled(client, protected_user, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 60
    client.force_login(protected_user)
    client.post(reverse("accounts:two_factor_disable"), {"password": "guess"})

    response = client.post(reverse("accounts:two_factor_disable"), {"password": DEFAULT_PASSWORD})

    assert "Trop d’essais rapprochés" in response.content.decode()
    assert TOTPDevice.objects.filter(user=protected_user).exists()


def test_the_two_factor_pages_need_a_signed_in_user(client):
    for url in (TWO_FACTOR_URL, reverse("accounts:two_factor_confirm")):
        assert client.post(url).url.startswith(reverse("accounts:login"))
