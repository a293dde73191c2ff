"""A flux in the admin: evidence of what was received, shown with its items and never edited
(the inline is the one read-only inline every app's admin uses, chorus.admin.ReadOnlyInline)."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from flux import services
from flux.models import Flux
from tests.flux.files import as_file, json_invoice
from tests.utils.two_factor import verified_login

pytestmark = pytest.mark.django_db


def _flux(personas) -> Flux:  # type: ignore[no-untyped-def]
    siret = personas.acme.identifier
    content = json.dumps([json_invoice(siret, "ADM-001"), {"number": "ADM-002"}]).encode()
    flux = services.flux_receive(
        user=personas.supplier_member, supplier=personas.acme,
        content=as_file(content, "lot.json"), name="lot.json",
    ).flux  # fmt: skip
    return services.flux_integrate(flux_id=flux.pk)


def test_the_admin_shows_a_flux_and_its_items_read_only(client, personas):
    flux = _flux(personas)
    verified_login(client, personas.admin)

    page = client.get(reverse("admin:flux_flux_change", args=[flux.pk])).content.decode()

    assert "lot.json" in page and "ADM-001" in page
    assert 'name="items-0-number"' not in page and 'name="items-0-DELETE"' not in page
    assert client.get(reverse("admin:flux_flux_add")).status_code == 403
    assert client.get(reverse("admin:flux_flux_delete", args=[flux.pk])).status_code == 403
