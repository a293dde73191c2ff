from __future__ import annotations

import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts.models import User

pytestmark = pytest.mark.django_db


def test_the_home_page_speaks_french_by_default(client):
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["Content-Language"] == "fr"
    assert "Déposez vos factures" in response.content.decode()


def test_the_language_switch_turns_the_portal_to_english_and_remembers_it(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    page = client.get("/").content.decode()
    assert "Submit your invoices" in page
    assert '<html lang="en"' in page


def test_the_health_check_answers(client):
    assert client.get(reverse("health")).json() == {"status": "ok"}


def test_seed_demo_is_idempotent_and_prints_the_accounts(capsys):
    call_command("seed_demo", "--password", "another-demo-password")
    call_command("seed_demo", "--password", "another-demo-password")
    out = capsys.readouterr().out
    assert "fournisseur@demo.chorus.test" in out and "another-demo-password" in out
    demo_users = set(
        User.objects.filter(email__endswith="@demo.chorus.test").values_list("email", flat=True)
    )
    assert {
        "fournisseur@demo.chorus.test",
        "agent@demo.chorus.test",
        "admin@demo.chorus.test",
    } <= demo_users
    call_command("seed_demo", "--password", "another-demo-password")
    assert User.objects.filter(email__endswith="@demo.chorus.test").count() == len(demo_users)
    assert User.objects.get(email="admin@demo.chorus.test").is_superuser
    assert User.objects.get(email="agent@demo.chorus.test").check_password("another-demo-password")


def test_a_browser_asking_for_english_still_gets_french_until_the_user_chooses(client):
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="fr"' in page
