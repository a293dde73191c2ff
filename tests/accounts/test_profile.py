from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.models import TermsVersion
from accounts.selectors import current_terms
from tests.accounts.factories import totp_device
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

PROFILE_URL = reverse("accounts:profile")


def profile_data(user, **overrides: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    data = {
        "first_name": user.first_name,
        "last_name": user.last_name,
        "contact_email": user.contact_email,
        "phone": user.phone,
        "preferred_language": user.preferred_language,
    }
    data.update(overrides)
    return data


@pytest.fixture
def user(client):  # type: ignore[no-untyped-def]
    user = UserFactory(
        email="ana@example.fr", contact_email="ana@example.fr", first_name="Ana", last_name="Lopez"
    )
    client.force_login(user)
    return user


def test_the_page_shows_the_account_the_accepted_terms_and_the_security_links(client, user):
    page = client.get(PROFILE_URL).content.decode()

    assert "<title>Mon compte" in page
    assert "ana@example.fr" in page and 'value="Ana"' in page and 'value="Lopez"' in page
    assert f"Version {current_terms().version}, acceptée le" in page
    assert reverse("accounts:password_change") in page
    assert reverse("accounts:two_factor") in page
    assert "désactivée" in page


def test_the_page_says_when_two_factor_is_on(client, user):
    totp_device(user)

    assert "activée" in client.get(PROFILE_URL).content.decode().split("Double authentification")[1]


def test_names_and_phone_are_saved(client, user):
    response = client.post(
        PROFILE_URL,
        profile_data(
            user, first_name=" Anabel ", last_name="Lopez-Martin", phone="+33 6 12 34 56 78"
        ),
    )

    assert response.status_code == 302 and response.url == PROFILE_URL
    user.refresh_from_db()
    assert (user.first_name, user.last_name, user.phone) == (
        "Anabel",
        "Lopez-Martin",
        "+33 6 12 34 56 78",
    )
    assert "Vos informations sont enregistrées." in client.get(PROFILE_URL).content.decode()


def test_a_malformed_phone_is_refused_next_to_its_field(client, user):
    page = client.post(PROFILE_URL, profile_data(user, phone="abc")).content.decode()

    assert 'aria-describedby="id_phone-desc-error"' in page
    user.refresh_from_db()
    assert user.phone == ""


def test_choosing_english_switches_the_language_cookie_and_it_persists(client, user):
    response = client.post(PROFILE_URL, profile_data(user, preferred_language="en"))

    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "en"
    assert cookie["max-age"] == settings.LANGUAGE_COOKIE_AGE
    user.refresh_from_db()
    assert user.preferred_language == "en"
    page = client.get(PROFILE_URL).content.decode()
    assert '<html lang="en"' in page
    assert "Your details have been saved." in page
    assert '<html lang="en"' in client.get("/").content.decode()


def test_changing_the_contact_address_needs_the_current_password(client, user, mailoutbox):
    page = client.post(
        PROFILE_URL, profile_data(user, contact_email="new@example.org")
    ).content.decode()

    assert 'id="id_current_password-desc-error"' in page
    user.refresh_from_db()
    assert user.contact_email == "ana@example.fr"


def test_a_new_contact_address_is_saved_and_the_old_one_is_warned(
    client, user, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            PROFILE_URL,
            profile_data(user, contact_email="new@example.org", current_password=DEFAULT_PASSWORD),
        )

    user.refresh_from_db()
    assert user.contact_email == "new@example.org"
    [mail] = mailoutbox
    assert mail.to == ["ana@example.fr"]
    assert "new@example.org" in mail.body


def test_the_page_needs_a_signed_in_user(client):
    response = client.get(PROFILE_URL)

    assert (
        response.status_code == 302
        and response.url == f"{reverse('accounts:login')}?next={PROFILE_URL}"
    )


def test_the_page_costs_the_same_queries_however_many_terms_were_accepted(client, user):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(PROFILE_URL).status_code == 200
        return len(captured)

    baseline = queries()
    for n in range(5):
        terms = TermsVersion.objects.create(
            version=f"old-{n}",
            title="x",
            body="x",
            published_at=timezone.now() - timedelta(days=n + 1),
        )
        services.terms_accept(user=user, terms=terms, ip_address=None)

    assert queries() == baseline
