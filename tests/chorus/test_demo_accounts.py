"""Every demo account the README documents exists after ``seed_demo``, logs in with the printed
password, and reaches what the README says: its dashboard, the waiting request, or the second
factor's enrolment for the administrator. The State's principal manager can try public
self-service on the demo alone: an agent's request waits for them, and they approve it."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from structures.models import Membership
from structures.selectors import state_structure

pytestmark = pytest.mark.django_db

PASSWORD = "un-mot-de-passe-de-demo"
README = Path(settings.BASE_DIR) / "README.md"

# Where each documented account lands: its dashboard's heading, or another page's mark.
SUPPLIER, AGENT, WAITS, ENROLS = "supplier", "agent", "waits", "enrols"
EXPECTED = {
    "fournisseur@demo.chorus.test": SUPPLIER,
    "agent@demo.chorus.test": AGENT,
    "gestionnaire-etat@demo.chorus.test": AGENT,
    "nouvel-agent@demo.chorus.test": WAITS,
    "collegue@demo.chorus.test": WAITS,
    "admin@demo.chorus.test": ENROLS,
}


def documented_accounts() -> list[str]:
    """The accounts of the README's table of demo accounts."""
    return re.findall(r"^\| `([^`]+@demo\.chorus\.test)` \|", README.read_text(), re.MULTILINE)


@pytest.fixture
def seeded() -> str:
    out = io.StringIO()
    call_command("seed_demo", "--password", PASSWORD, stdout=out)
    return out.getvalue()


def log_in(email: str) -> tuple[Client, str, str]:
    """A fresh browser that logs in through the form: the page it lands on, and its path."""
    client = Client()
    response = client.post(
        reverse("accounts:login"), {"username": email, "password": PASSWORD}, follow=True
    )
    assert response.status_code == 200, email
    return client, response.request["PATH_INFO"], response.content.decode()


def test_the_readme_documents_every_account_the_demo_prints(seeded):
    documented = documented_accounts()
    assert sorted(documented) == sorted(EXPECTED)
    for email in documented:
        assert email in seeded, f"{email} is documented but not printed by seed_demo"


@pytest.mark.parametrize("email", sorted(EXPECTED))
def test_each_documented_demo_account_logs_in_and_lands_where_the_readme_says(seeded, email):
    client, path, page = log_in(email)
    expected = EXPECTED[email]
    if expected == ENROLS:
        assert path == reverse("accounts:two_factor"), "staff enrol a second factor at once"
        return
    assert path == reverse("home")
    assert "Adresse électronique ou mot de passe incorrect" not in page
    if expected == WAITS:
        assert 'data-next-step="WAIT"' in page
        return
    dashboard = client.get(reverse("dashboards:index"), follow=True)
    assert dashboard.status_code == 200
    assert dashboard.request["PATH_INFO"] == reverse(f"dashboards:{expected}")
    text = dashboard.content.decode()
    if expected == SUPPLIER:
        assert "Tableau de bord fournisseur" in text
    else:
        assert "Tableau de bord agent" in text
        assert "Cet espace est celui des agents des structures publiques" not in text


def test_the_states_principal_manager_decides_the_waiting_agents_request(seeded):
    state = state_structure()
    principal = Membership.objects.get(user__email="gestionnaire-etat@demo.chorus.test")
    assert principal.structure == state and principal.is_principal
    assert not principal.services.exists()  # the whole structure
    request = Membership.objects.get(user__email="nouvel-agent@demo.chorus.test", structure=state)
    assert request.status == Membership.Status.PENDING
    assert [s.code for s in request.services.all()] == ["SFACT_MIN_INT"]

    client, _path, _page = log_in("gestionnaire-etat@demo.chorus.test")
    detail = client.get(reverse("structures:detail", args=[state.pk])).content.decode()
    assert "nouvel-agent@demo.chorus.test" in detail
    client.post(
        reverse("structures:decide", args=[state.pk]),
        {"requests": [request.pk], "decision": "approve"},
    )
    request.refresh_from_db()
    assert request.status == Membership.Status.APPROVED

    # The demo seeded again keeps the principal and the decision.
    call_command("seed_demo", "--password", PASSWORD, stdout=io.StringIO())
    request.refresh_from_db()
    assert request.status == Membership.Status.APPROVED
    assert Membership.objects.get(pk=principal.pk).is_principal
    assert Membership.objects.filter(structure=state, role="PRINCIPAL").count() == 1
