"""Managers (issue 17): secondary managers decide like the principal on requests, the
principal hands over after a confirmation, a refusal carries its reason, and a principal who
left is replaced from a support request."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from structures import selectors, services
from structures.errors import StructureError
from structures.models import Membership, StructureEvent
from support.models import Ticket
from tests.factories import MembershipFactory, UserFactory
from tests.utils.two_factor import log_in_as

pytestmark = pytest.mark.django_db


def membership(user) -> Membership:  # type: ignore[no-untyped-def]
    return Membership.objects.get(user=user)


def name_secondary(personas, mailoutbox=None) -> Membership:  # type: ignore[no-untyped-def]
    return services.secondary_manager_set(
        structure=personas.acme,
        by=personas.supplier_principal,
        membership_id=membership(personas.supplier_member).pk,
        secondary=True,
    )


# --- Secondary managers ---------------------------------------------------------------------
def test_the_principal_names_a_secondary_manager_who_is_emailed_and_audited(
    personas, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        named = name_secondary(personas)
    assert named.role == "SECONDARY" and named.is_manager and named.can_modify
    event = StructureEvent.objects.get()
    assert (event.action, event.member) == ("SECONDARY_NAMED", personas.supplier_member)
    (mail,) = mailoutbox
    assert mail.to == [personas.supplier_member.contact_email]
    assert "gestionnaire secondaire" in mail.subject


def test_a_secondary_manager_decides_requests_and_is_told_of_new_ones(
    personas, mailoutbox, django_capture_on_commit_callbacks
):
    name_secondary(personas)
    newcomer = UserFactory(email="newcomer@acme.test")
    with django_capture_on_commit_callbacks(execute=True):
        services.attachment_request(user=newcomer, structure=personas.acme)
    assert sorted(m.to[0] for m in mailoutbox) == sorted(
        [personas.supplier_principal.contact_email, personas.supplier_member.contact_email]
    )
    assert any("gestionnaire secondaire" in m.body for m in mailoutbox)
    pending = membership(personas.pending_requester)
    decided = services.attachment_request_approve(
        structure=personas.acme,
        decided_by=personas.supplier_member,
        membership_ids=[pending.pk],
    )
    assert [m.pk for m in decided] == [pending.pk]


def test_a_secondary_manager_does_not_take_the_principal_s_own_decisions(personas):
    name_secondary(personas)
    other = MembershipFactory(structure=personas.acme)
    by = personas.supplier_member
    for act in (
        lambda: services.principal_transfer(structure=personas.acme, by=by, membership_id=other.pk),
        lambda: services.membership_set_rights(
            structure=personas.acme, by=by, membership_id=other.pk, can_modify=False
        ),
        lambda: services.secondary_manager_set(
            structure=personas.acme, by=by, membership_id=other.pk, secondary=True
        ),
        lambda: services.mandate_revoke(structure=personas.acme, user=by, ip_address=None),
    ):
        with pytest.raises(StructureError, match="Seul le gestionnaire principal"):
            act()
    assert membership(personas.supplier_principal).is_principal


def test_a_secondary_manager_keeps_the_right_to_deposit(personas):
    named = name_secondary(personas)
    with pytest.raises(StructureError, match="garde le droit de modification"):
        services.membership_set_rights(
            structure=personas.acme,
            by=personas.supplier_principal,
            membership_id=named.pk,
            can_modify=False,
        )


def test_the_structure_page_lets_the_secondary_manager_decide(client, personas):
    name_secondary(personas)
    log_in_as(client, personas.supplier_member)
    page = client.get(reverse("structures:detail", args=[personas.acme.pk])).content.decode()
    assert "Accepter la sélection" in page and "Gestionnaire secondaire" in page
    assert "Transmettre mon rôle" not in page


def test_the_principal_names_and_removes_a_secondary_from_the_page(client, personas):
    log_in_as(client, personas.supplier_principal)
    url = reverse("structures:secondary", args=[personas.acme.pk])
    member = membership(personas.supplier_member)
    client.post(url, {"membership": member.pk, "secondary": "on"})
    assert membership(personas.supplier_member).role == "SECONDARY"
    client.post(url, {"membership": member.pk})
    assert membership(personas.supplier_member).role == "MEMBER"
    assert list(StructureEvent.objects.order_by("at", "pk").values_list("action", flat=True)) == [
        "SECONDARY_NAMED",
        "SECONDARY_REMOVED",
    ]


# --- Refusal with a reason ------------------------------------------------------------------
def test_a_refusal_needs_a_reason_that_the_requester_reads(
    client, personas, mailoutbox, django_capture_on_commit_callbacks
):
    pending = membership(personas.pending_requester)
    log_in_as(client, personas.supplier_principal)
    decide = reverse("structures:decide", args=[personas.acme.pk])
    response = client.post(decide, {"requests": [pending.pk], "decision": "refuse"}, follow=True)
    assert "Donnez le motif du refus" in response.content.decode()
    assert membership(personas.pending_requester).status == "PENDING"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            decide,
            {"requests": [pending.pk], "decision": "refuse", "reason": "Inconnu au service."},
        )
    assert membership(personas.pending_requester).status == "REFUSED"
    (mail,) = mailoutbox
    assert "Motif du refus" in mail.body and "Inconnu au service." in mail.body
    event = StructureEvent.objects.get()
    assert (event.action, event.member, event.detail) == (
        "REQUEST_REFUSED",
        personas.pending_requester,
        "Inconnu au service.",
    )
    log_in_as(client, personas.pending_requester)
    page = client.get(reverse("structures:list")).content.decode()
    assert "Motif du refus" in page and "Inconnu au service." in page


def test_asking_again_clears_the_former_refusal_reason(personas):
    pending = membership(personas.pending_requester)
    services.attachment_request_refuse(
        structure=personas.acme,
        decided_by=personas.supplier_principal,
        membership_ids=[pending.pk],
        reason="Non.",
    )
    again = services.attachment_request(user=personas.pending_requester, structure=personas.acme)
    assert again.status == "PENDING" and again.refusal_reason == ""


# --- Handing over ---------------------------------------------------------------------------
def test_the_hand_over_asks_for_a_confirmation_then_emails_both(
    client, personas, mailoutbox, django_capture_on_commit_callbacks
):
    member = membership(personas.supplier_member)
    log_in_as(client, personas.supplier_principal)
    url = reverse("structures:transfer", args=[personas.acme.pk])
    page = client.get(url, {"membership": member.pk})
    assert page.status_code == 200 and "Je transmets mon rôle" in page.content.decode()
    response = client.post(url, {"membership": member.pk}, follow=True)
    assert "Cochez la case" in response.content.decode()
    assert membership(personas.supplier_principal).is_principal
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"membership": member.pk, "confirm": "on"})
    assert membership(personas.supplier_member).is_principal
    former = membership(personas.supplier_principal)
    assert former.role == "MEMBER" and former.status == "APPROVED"
    assert sorted(m.to[0] for m in mailoutbox) == sorted(
        [personas.supplier_principal.contact_email, personas.supplier_member.contact_email]
    )
    event = StructureEvent.objects.get()
    assert (event.action, event.user, event.member) == (
        "PRINCIPAL_HANDED_OVER",
        personas.supplier_principal,
        personas.supplier_member,
    )


def test_the_confirmation_page_is_the_principal_s_and_names_a_member_of_the_structure(
    client, personas
):
    url = reverse("structures:transfer", args=[personas.acme.pk])
    log_in_as(client, personas.supplier_principal)
    outsider = membership(personas.outsider)
    assert client.get(url, {"membership": outsider.pk}).status_code == 404
    assert client.get(url, {"membership": "x"}).status_code == 404
    log_in_as(client, personas.supplier_member)
    response = client.get(url, {"membership": membership(personas.supplier_member).pk})
    assert response.status_code == 302


def test_a_closed_account_is_not_handed_the_role(personas):
    member = membership(personas.supplier_member)
    member.user.is_active = False
    member.user.save(update_fields=["is_active"])
    with pytest.raises(StructureError, match="fermé"):
        services.principal_transfer(
            structure=personas.acme, by=personas.supplier_principal, membership_id=member.pk
        )


# --- A principal manager who left -----------------------------------------------------------
def close_principal(personas) -> None:  # type: ignore[no-untyped-def]
    personas.supplier_principal.is_active = False
    personas.supplier_principal.save(update_fields=["is_active"])


def age_request(personas, days: int) -> None:  # type: ignore[no-untyped-def]
    Membership.objects.filter(user=personas.pending_requester).update(
        requested_at=timezone.now() - timedelta(days=days)
    )


def test_the_portal_tells_when_the_principal_has_left(personas):
    assert selectors.principal_absence(personas.acme) is None
    age_request(personas, 14)
    assert selectors.principal_absence(personas.acme) is None
    age_request(personas, 16)
    assert selectors.principal_absence(personas.acme).reason == "SILENT"
    age_request(personas, 0)
    close_principal(personas)
    assert selectors.principal_absence(personas.acme).reason == "INACTIVE"


def test_who_may_ask_support_for_a_new_principal(personas):
    member, pending = personas.supplier_member, personas.pending_requester
    assert not selectors.may_ask_for_a_principal(member, personas.acme)
    assert not selectors.may_ask_for_a_principal(pending, personas.acme)
    age_request(personas, 16)  # the requester's own request waited: both may
    assert selectors.may_ask_for_a_principal(member, personas.acme)
    assert selectors.may_ask_for_a_principal(pending, personas.acme)
    assert not selectors.may_ask_for_a_principal(personas.supplier_principal, personas.acme)
    assert not selectors.may_ask_for_a_principal(personas.outsider, personas.acme)


def test_a_member_asks_support_from_the_structure_page(client, personas, mailoutbox):
    log_in_as(client, personas.supplier_member)
    detail = reverse("structures:detail", args=[personas.acme.pk])
    help_url = reverse("support:principal_help", args=[personas.acme.pk])
    assert help_url not in client.get(detail).content.decode()
    refused = client.post(help_url, {"description": "Parti."})
    assert refused.status_code == 200 and "est joignable" in refused.content.decode()
    assert not Ticket.objects.exists()
    close_principal(personas)
    assert help_url in client.get(detail).content.decode()
    response = client.post(help_url, {"description": "Notre gérant est parti en retraite."})
    ticket = Ticket.objects.get()
    assert response["Location"] == reverse("support:detail", args=[ticket.pk])
    assert (ticket.category, ticket.subcategory) == ("STRUCTURE", "GESTIONNAIRE")
    assert ticket.sender_structure == personas.acme and ticket.queue == "SUPPORT"
    assert ticket.status == "ENVOYEE"
    again = client.post(help_url, {"description": "Encore."}, follow=True)
    assert ticket.number in again.content.decode() and Ticket.objects.count() == 1


def test_a_requester_left_waiting_asks_from_my_structures(client, personas):
    help_url = reverse("support:principal_help", args=[personas.acme.pk])
    log_in_as(client, personas.pending_requester)
    assert help_url not in client.get(reverse("structures:list")).content.decode()
    age_request(personas, 16)
    assert help_url in client.get(reverse("structures:list")).content.decode()
    client.post(help_url, {"description": "Personne ne répond à ma demande."})
    ticket = Ticket.objects.get()
    assert ticket.sender == personas.pending_requester
    assert ticket.sender_structure == personas.acme


def test_outsiders_cannot_ask_for_another_structure(client, personas):
    close_principal(personas)
    log_in_as(client, personas.outsider)
    response = client.post(
        reverse("support:principal_help", args=[personas.acme.pk]), {"description": "x"}
    )
    assert response.status_code == 404 and not Ticket.objects.exists()


def test_a_secondary_manager_may_choose_a_digest_of_requests(personas):
    member = membership(personas.supplier_member)
    assert not selectors.manages_requests(member)
    assert selectors.manages_requests(name_secondary(personas))
