"""The billing mandate stays what was signed: frozen once signed, each signature keeping the
SHA-256 of its text, the time and the address; and the principal manager may revoke it, which
stops every deposit for the structure (pages and API) until it is signed again."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from chorus.models import OutgoingEmail
from structures import selectors
from structures.models import MandateEvent, MandateSignature, MandateVersion
from tests.api.conftest import CheckedClient, token_for
from tests.api.test_writes import invoice_body
from tests.factories import sign_mandate
from tests.invoices.factories import draft
from tests.invoices.test_deposit import _deposit_errors
from tests.utils.two_factor import verified_login

pytestmark = pytest.mark.django_db


def as_user(client, user):  # type: ignore[no-untyped-def]
    client.force_login(user)
    return client


def mandate_url(personas) -> str:  # type: ignore[no-untyped-def]
    return reverse("structures:mandate", args=[personas.acme.pk])


def revoke_url(personas) -> str:  # type: ignore[no-untyped-def]
    return reverse("structures:mandate_revoke", args=[personas.acme.pk])


def sign(client, personas, **extra):  # type: ignore[no-untyped-def]
    version = str(selectors.current_mandate().pk)
    return client.post(mandate_url(personas), {"accept": "on", "version": version}, **extra)


def unsigned(personas) -> None:  # type: ignore[no-untyped-def]
    MandateSignature.objects.filter(structure=personas.acme).delete()


# --- signing what was read ------------------------------------------------------------------
def test_a_signature_keeps_the_text_s_sha256_the_time_and_the_address_behind_proxies(
    client, personas, settings
):
    settings.SUPPORT = {**settings.SUPPORT, "PROXY_COUNT": 1}
    unsigned(personas)
    before = timezone.now()

    sign(
        as_user(client, personas.supplier_principal),
        personas,
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.4",
    )

    signature = MandateSignature.objects.get(structure=personas.acme)
    assert signature.text_sha256 == selectors.current_mandate().text_sha256
    assert len(signature.text_sha256) == 64
    assert signature.ip_address == "198.51.100.4"
    assert before <= signature.signed_at <= timezone.now()
    event = MandateEvent.objects.get(structure=personas.acme)
    assert (event.action, event.user, event.ip_address) == (
        "SIGNED",
        personas.supplier_principal,
        "198.51.100.4",
    )


def test_a_version_published_while_the_manager_read_the_old_one_is_not_signed_unread(
    client, personas
):
    unsigned(personas)
    read = str(selectors.current_mandate().pk)
    MandateVersion.objects.create(
        version="2027", title="Mandat 2027", body="Nouveau texte", published_at=timezone.now()
    )

    response = as_user(client, personas.supplier_principal).post(
        mandate_url(personas), {"accept": "on", "version": read}, follow=True
    )

    assert "Une nouvelle version du mandat" in response.content.decode()
    assert not MandateSignature.objects.filter(structure=personas.acme).exists()


@pytest.mark.parametrize("version", ["", "²", "9" * 40, "-1"])
def test_a_missing_or_odd_version_signs_nothing(client, personas, version):
    unsigned(personas)

    response = as_user(client, personas.supplier_principal).post(
        mandate_url(personas), {"accept": "on", "version": version}, follow=True
    )

    assert response.status_code == 200
    assert not MandateSignature.objects.filter(structure=personas.acme).exists()


def test_a_signed_version_refuses_any_edit_in_the_model_and_the_admin(client, personas):
    signed = selectors.current_mandate()
    signed.body += " Clause ajoutée."
    with pytest.raises(ValidationError):
        signed.save()
    verified_login(client, personas.admin)  # staff always give a second factor
    url = reverse("admin:structures_mandateversion_change", args=[signed.pk])

    page = client.get(url).content.decode()

    assert 'name="body"' not in page
    assert (
        client.get(reverse("admin:structures_mandateversion_delete", args=[signed.pk])).status_code
        == 403
    )
    assert MandateVersion.objects.get(pk=signed.pk).body != signed.body


# --- revocation -------------------------------------------------------------------------------
def test_the_principal_manager_revokes_the_mandate_from_its_page(client, personas):
    client = as_user(client, personas.supplier_principal)
    assert "Révoquer le mandat" in client.get(mandate_url(personas)).content.decode()

    client.post(revoke_url(personas), {}, REMOTE_ADDR="203.0.113.9")
    assert selectors.mandate_signed(personas.acme)  # the box was not ticked
    response = client.post(revoke_url(personas), {"confirm": "on"}, REMOTE_ADDR="203.0.113.9")

    assert response["Location"] == mandate_url(personas)
    assert not selectors.mandate_signed(personas.acme)
    signature = MandateSignature.objects.get(structure=personas.acme)
    assert signature.revoked_by == personas.supplier_principal and signature.revoked_at
    event = MandateEvent.objects.get(structure=personas.acme, action="REVOKED")
    assert (event.user, event.ip_address) == (personas.supplier_principal, "203.0.113.9")
    assert event.text_sha256 == signature.mandate.text_sha256
    page = client.get(mandate_url(personas)).content.decode()
    assert "Mandat révoqué par" in page and "Je signe le mandat" in page


def test_the_members_are_told_of_the_revocation_by_e_mail(client, personas):
    client = as_user(client, personas.supplier_principal)

    client.post(revoke_url(personas), {"confirm": "on"})

    emails = OutgoingEmail.objects.filter(key__startswith="mandate-revoked:")
    assert set(emails.values_list("to", flat=True)) == {
        personas.supplier_principal.contact_email,
        personas.supplier_member.contact_email,
    }
    email = emails.get(to=personas.supplier_member.contact_email)
    assert "révoqué le mandat de facturation" in email.body
    assert personas.acme.name in email.subject


def test_a_member_cannot_revoke_the_mandate(client, personas):
    client = as_user(client, personas.supplier_member)
    assert "Révoquer le mandat" not in client.get(mandate_url(personas)).content.decode()

    response = client.post(revoke_url(personas), {"confirm": "on"}, follow=True)

    assert "Seul le gestionnaire principal" in response.content.decode()
    assert selectors.mandate_signed(personas.acme)
    assert not MandateEvent.objects.filter(action="REVOKED").exists()


def test_an_outsider_gets_a_404(client, personas):
    response = as_user(client, personas.outsider).post(revoke_url(personas), {"confirm": "on"})
    assert response.status_code == 404
    assert selectors.mandate_signed(personas.acme)


def test_a_revoked_mandate_stops_deposits_until_it_is_signed_again(client, personas):
    as_user(client, personas.supplier_principal).post(revoke_url(personas), {"confirm": "on"})

    errors = _deposit_errors(personas, draft(personas))
    assert any("mandat" in message for message in errors["supplier"])

    sign(client, personas)
    assert MandateSignature.objects.filter(structure=personas.acme).count() == 2
    assert selectors.mandate_signed(personas.acme)
    assert [e.action for e in MandateEvent.objects.order_by("id")] == ["REVOKED", "SIGNED"]


def test_a_revoked_mandate_stops_deposits_through_the_api(client, personas):
    as_user(client, personas.supplier_principal).post(revoke_url(personas), {"confirm": "on"})

    api = CheckedClient().as_token(token_for(personas.supplier_member))
    response = api.post("/api/v1/invoices/", invoice_body(personas), format="json")

    assert response.status_code == 400
    assert any("mandat" in m for m in response.json()["errors"]["supplier_siret"])


def test_the_test_factory_signs_again_after_a_revocation(personas):
    MandateSignature.objects.filter(structure=personas.acme).update(revoked_at=timezone.now())
    sign_mandate(personas.acme, personas.supplier_principal)
    assert selectors.mandate_signed(personas.acme)
