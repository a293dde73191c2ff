"""A second factor for every account when TWO_FACTOR_REQUIRED is on, for staff always: enrolment
at first login (QR code and key), recovery codes shown once and made again, login with a code or
a recovery code, and the API holding an unverified session as nobody."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import services
from tests.accounts.factories import totp_code, totp_device
from tests.api.test_token_scopes import create_token
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

TWO_FACTOR_URL = reverse("accounts:two_factor")


@pytest.fixture
def required(settings):  # type: ignore[no-untyped-def]
    settings.TWO_FACTOR_REQUIRED = True


def login(client, user, next: str = "/factures/"):  # type: ignore[no-untyped-def]
    return client.post(
        f"{reverse('accounts:login')}?next={next}",
        {"username": user.email, "password": DEFAULT_PASSWORD},
    )


def enrol(client, user, next: str = ""):  # type: ignore[no-untyped-def]
    """Opens the enrolment page and confirms with the app's code; the page with the codes."""
    client.get(TWO_FACTOR_URL)
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    return client.post(
        reverse("accounts:two_factor_confirm"), {"otp_token": totp_code(device), "next": next}
    )


def codes_on(page) -> list[str]:  # type: ignore[no-untyped-def]
    text = page.content.decode()
    return [part.split("</code>")[0] for part in text.split("<li><code>")[1:]]


def test_at_first_login_a_user_without_an_authenticator_is_taken_to_the_enrolment(client, required):
    user = UserFactory()

    login(client, user)
    response = client.get("/factures/")

    assert response.status_code == 302
    assert response.url == f"{TWO_FACTOR_URL}?next=%2Ffactures%2F"
    page = client.get(response.url).content.decode()
    assert "Votre compte doit être protégé par la double authentification" in page
    assert "<svg" in page and "Ou saisissez cette clé à la main" in page
    assert TOTPDevice.objects.filter(user=user, confirmed=False).count() == 1


def test_the_enrolment_page_keeps_one_secret_however_often_it_is_opened(client, required):
    user = UserFactory()
    login(client, user)

    client.get(TWO_FACTOR_URL)
    client.get(TWO_FACTOR_URL)

    assert TOTPDevice.objects.filter(user=user).count() == 1


def test_confirming_shows_the_recovery_codes_once_then_goes_where_the_user_was_going(
    client, required
):
    user = UserFactory()
    login(client, user)

    page = enrol(client, user, next="/factures/")

    codes = codes_on(page)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert all(len(code) == 11 and code[5] == "-" for code in codes)
    assert page["Cache-Control"] == "no-store"
    assert 'href="/factures/"' in page.content.decode()
    assert client.get("/factures/").status_code == 200
    assert codes[0] not in client.get(TWO_FACTOR_URL).content.decode()


def test_the_enrolment_does_not_send_the_user_to_another_site(client, required):
    user = UserFactory()
    login(client, user)

    page = enrol(client, user, next="https://evil.example/")

    assert "evil.example" not in page.content.decode()


def test_a_user_with_an_authenticator_logs_in_with_a_code(client, required):
    user = UserFactory()
    device = totp_device(user)

    response = login(client, user)
    assert response.url == reverse("accounts:login_otp")
    response = client.post(response.url, {"otp_token": totp_code(device)})

    assert response.url == "/factures/"
    assert client.get("/factures/").status_code == 200


def test_a_recovery_code_logs_in_once(client, required):
    user = UserFactory()
    totp_device(user)
    codes = services.recovery_codes_generate(user=user)

    login(client, user)
    response = client.post(reverse("accounts:login_otp"), {"otp_token": codes[0].upper()})
    assert response.url == "/factures/"
    assert client.get("/factures/").status_code == 200
    assert StaticToken.objects.filter(device__user=user).count() == 9

    client.logout()
    login(client, user)
    again = client.post(reverse("accounts:login_otp"), {"otp_token": codes[0]})
    assert again.status_code == 200 and "Code incorrect" in again.content.decode()


def test_new_recovery_codes_replace_the_old_ones(client, required):
    user = UserFactory()
    login(client, user)
    first = codes_on(enrol(client, user))

    second = codes_on(client.post(reverse("accounts:recovery_codes_renew")))

    assert len(second) == 10 and not set(first) & set(second)
    stored = set(StaticToken.objects.filter(device__user=user).values_list("token", flat=True))
    assert stored == {code.replace("-", "") for code in second}


def test_a_required_second_factor_cannot_be_switched_off(client, required):
    user = UserFactory()
    login(client, user)
    enrol(client, user)

    response = client.post(
        reverse("accounts:two_factor_disable"), {"password": DEFAULT_PASSWORD}, follow=True
    )

    assert TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    assert "obligatoire pour votre compte" in response.content.decode()


def test_when_not_required_a_user_without_an_authenticator_goes_on_as_before(client):
    user = UserFactory()

    login(client, user)

    assert client.get("/factures/").status_code == 200
    assert not TOTPDevice.objects.filter(user=user).exists()


def test_staff_need_a_second_factor_even_when_it_is_not_required(client):
    staff = UserFactory(is_staff=True, is_superuser=True)

    login(client, staff, next="/admin/")
    response = client.get("/admin/")

    assert response.status_code == 302 and response.url.startswith(TWO_FACTOR_URL)


def test_a_staff_session_that_skipped_the_code_is_sent_back_to_the_login(client):
    staff = UserFactory(is_staff=True, is_superuser=True)
    totp_device(staff)
    client.force_login(staff)

    response = client.get("/admin/")

    assert response.status_code == 302
    assert response.url == f"{reverse('accounts:login')}?next=%2Fadmin%2F"


def test_in_the_api_an_unverified_session_is_nobody(client, required):
    user = UserFactory()
    login(client, user)

    response = client.get("/api/v1/me/")

    assert response.status_code == 401


def test_the_token_endpoint_asks_an_account_without_a_second_factor_to_enrol(client, required):
    user = UserFactory()

    response = create_token(client, user)

    assert response.status_code == 401
    assert response.json()["code"] == "otp_enrolment_required"
