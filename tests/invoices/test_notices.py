"""The notice at login: invoices rejected, suspended or sent back since the last login."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from invoices.models import StatusChange
from invoices.notices import decisions_since
from invoices.workflow import Status
from tests.factories import DEFAULT_PASSWORD
from tests.invoices.factories import invoice_in

pytestmark = pytest.mark.django_db


def decided(personas, status: str, *, when, **extra):  # type: ignore[no-untyped-def]
    invoice = invoice_in(personas, status, **extra)
    StatusChange.objects.create(
        invoice=invoice, from_status=Status.MISE_A_DISPOSITION, to_status=status, at=when
    )
    return invoice


def log_in(client, user):  # type: ignore[no-untyped-def]
    response = client.post(
        reverse("accounts:login"),
        {"username": user.email, "password": DEFAULT_PASSWORD},
        follow=True,
    )
    return [str(m) for m in response.context["messages"]] if response.context else []


def test_decisions_since_a_moment_are_those_of_the_users_invoices_after_it(personas):
    now = timezone.now()
    rejected = decided(personas, Status.REJETEE, when=now - timedelta(hours=1))
    decided(personas, Status.SUSPENDUE, when=now - timedelta(days=3))  # before
    decided(personas, Status.REJETEE, when=now - timedelta(hours=1), supplier=personas.globex)
    decided(personas, Status.COMPTABILISEE, when=now - timedelta(hours=1))  # not news
    found = decisions_since(personas.supplier_member, now - timedelta(days=1))
    assert [(d.number, d.status) for d in found] == [(rejected.number, Status.REJETEE)]


def test_the_supplier_is_told_at_login_what_was_rejected_or_suspended_since(client, personas):
    user = personas.supplier_member
    user.last_login = timezone.now() - timedelta(days=2)
    user.save(update_fields=["last_login"])
    rejected = decided(personas, Status.REJETEE, when=timezone.now() - timedelta(days=1))
    suspended = decided(personas, Status.SUSPENDUE, when=timezone.now() - timedelta(hours=5))
    recycled = decided(personas, Status.A_RECYCLER, when=timezone.now() - timedelta(hours=4))

    shown = log_in(client, user)

    assert len(shown) == 1
    assert "Depuis votre dernière connexion" in shown[0]
    assert "1 facture rejetée, 1 facture suspendue, 1 facture à recycler" in shown[0]
    for invoice in (rejected, suspended, recycled):
        link = f'<a href="{reverse("invoices:detail", args=[invoice.pk])}">{invoice.number}</a>'
        assert link in shown[0]


def test_nothing_is_said_when_nothing_happened_or_at_the_first_login(client, personas):
    user = personas.supplier_member
    decided(personas, Status.REJETEE, when=timezone.now() - timedelta(days=5))
    user.last_login = None
    user.save(update_fields=["last_login"])
    assert log_in(client, user) == []  # first login: no "last visit"
    client.logout()
    assert log_in(client, user) == []  # the rejection is older than the last login


def test_the_notice_speaks_the_users_language(client, personas):
    user = personas.supplier_member
    user.last_login = timezone.now() - timedelta(days=2)
    user.preferred_language = "en"
    user.save(update_fields=["last_login", "preferred_language"])
    decided(personas, Status.REJETEE, when=timezone.now() - timedelta(days=1))
    client.cookies["django_language"] = "en"
    shown = log_in(client, user)
    assert "Since your last login" in shown[0] and "1 invoice rejected" in shown[0]


def test_the_notice_escapes_invoice_numbers(personas):
    from invoices.notices import Decision, notice

    text = notice([Decision(1, "<b>X</b>", Status.REJETEE)], timezone.now())
    assert "&lt;b&gt;X&lt;/b&gt;" in text and "<b>" not in text


def test_a_login_without_the_messages_middleware_does_not_fail(rf, personas):
    """force_login and other logins without the messages middleware do not fail."""
    from accounts.signals import record_login

    request = rf.get("/")
    request.session = client_session = {}
    personas.supplier_member.last_login = timezone.now() - timedelta(days=2)
    decided(personas, Status.REJETEE, when=timezone.now() - timedelta(days=1))
    record_login(
        sender=type(personas.supplier_member), request=request, user=personas.supplier_member
    )
    assert list(get_messages(request)) == []
    assert client_session
