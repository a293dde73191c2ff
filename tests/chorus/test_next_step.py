"""After signing in, a new supplier is led to the next step (a structure, then the mandate);
"Factures reçues" is for members of a public structure only (issue 19, item 9)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from structures.models import MandateSignature
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def home(client, user) -> str:  # type: ignore[no-untyped-def]
    client.force_login(user)
    return client.get(reverse("home")).content.decode()


def step_of(page: str) -> str | None:
    found = re.search(r'data-next-step="(\w+)"', page)
    return found.group(1) if found else None


def test_a_user_without_a_structure_is_sent_to_find_or_create_one(client, personas):
    page = home(client, UserFactory())
    assert step_of(page) == "JOIN"
    assert reverse("structures:search") in page


def test_a_user_whose_request_waits_is_told_so(client, personas):
    assert step_of(home(client, personas.pending_requester)) == "WAIT"


def test_a_principal_manager_is_sent_to_sign_the_mandate(client, personas):
    MandateSignature.objects.filter(structure=personas.acme).delete()
    page = home(client, personas.supplier_principal)
    assert step_of(page) == "SIGN"
    assert reverse("structures:mandate", args=[personas.acme.pk]) in page
    client.logout()
    assert step_of(home(client, personas.supplier_member)) == "ASK_PRINCIPAL"


def test_a_supplier_ready_to_deposit_and_an_agent_have_no_next_step(client, personas):
    assert step_of(home(client, personas.supplier_member)) is None
    assert step_of(home(client, personas.agent)) is None


def test_received_invoices_are_offered_to_members_of_a_public_structure_only(client, personas):
    received = reverse("invoices:received")
    assert f'href="{received}"' not in home(client, personas.supplier_member)
    client.logout()
    assert f'href="{received}"' in home(client, personas.agent)
