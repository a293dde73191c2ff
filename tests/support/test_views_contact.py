"""The disconnected flow: "Nous contacter", the answer page, the e-mail, the private link."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from support import services, throttle
from support.models import ContactAttempt, Ticket
from support.workflow import Action, TicketStatus
from tests.support.factories import upload, visitor_ticket

pytestmark = pytest.mark.django_db

CONTACT = reverse("support:contact")


def form(**extra: object) -> dict[str, object]:
    return {
        "topic": "COMPTE/ACTIVATION",
        "email": "visiteur@example.test",
        "title": "Pas de courriel d’activation",
        "description": "Je l’attends depuis hier.",
        "website": "",
        **extra,
    }


def follow_url(ticket: Ticket) -> str:
    return reverse("support:follow", args=[ticket.follow_token])


def test_a_visitor_opens_a_ticket_and_follows_it_by_its_private_link(
    client, personas, mailoutbox, django_capture_on_commit_callbacks
):
    page = client.get(CONTACT)
    assert page.status_code == 200 and 'name="website"' in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(CONTACT, form(attachment=upload("ecran.png")), follow=True)
    ticket = Ticket.objects.get()
    done = response.content.decode()
    assert ticket.number in done and follow_url(ticket) in done

    ack = next(m for m in mailoutbox if m.to == ["visiteur@example.test"])
    link = re.search(r"https?://\S+/sollicitations/suivi/\S+/", ack.body).group(0)
    assert ticket.number in ack.body and link.endswith(follow_url(ticket))

    # The support team answers; the visitor reads it through the link and adds information.
    services.ticket_act(
        ticket=ticket, action=Action.ASK_INFO, user=personas.admin, body="Quelle adresse ?"
    )
    client.cookies.clear()
    page = client.get(follow_url(ticket)).content.decode()
    assert "Quelle adresse ?" in page and "ecran.png" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            follow_url(ticket), {"action": "ADD_INFO", "body": "visiteur@example.test"}
        )
    assert response.status_code == 302 and response.url == follow_url(ticket)
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.EN_COURS
    assert mailoutbox[-1].to == [personas.admin.contact_email]

    attachment = ticket.attachments.get()
    download = reverse("support:follow-attachment", args=[ticket.follow_token, attachment.pk])
    assert client.get(download).status_code == 200


def test_the_answer_page_shows_only_once(client, personas):
    client.post(CONTACT, form())
    done = reverse("support:contact-done")
    assert client.get(done).status_code == 200
    assert client.get(done).url == CONTACT


def test_a_wrong_token_is_a_404(client, personas):
    ticket = visitor_ticket()
    wrong = ticket.follow_token[:-1] + ("A" if ticket.follow_token[-1] != "A" else "B")
    assert client.get(reverse("support:follow", args=[wrong])).status_code == 404
    response = client.post(reverse("support:follow", args=[wrong]), {"action": "CLOSE"})
    assert response.status_code == 404
    attachment_url = reverse("support:follow-attachment", args=[wrong, 1])
    assert client.get(attachment_url).status_code == 404


def test_a_token_opens_only_its_own_tickets_attachments(client, personas):
    mine = visitor_ticket()
    other = visitor_ticket("autre@example.test", attachment=upload())
    url = reverse("support:follow-attachment", args=[mine.follow_token, other.attachments.get().pk])
    assert client.get(url).status_code == 404


def test_the_follow_page_offers_only_the_senders_actions(client, personas):
    ticket = visitor_ticket()
    services.ticket_act(ticket=ticket, action=Action.ANSWER, user=personas.admin, body="Voilà.")
    page = client.get(follow_url(ticket)).content.decode()
    assert 'value="REOPEN"' in page and 'value="CLOSE"' in page and 'value="ANSWER"' not in page
    response = client.post(follow_url(ticket), {"action": "ANSWER", "body": "Je me réponds"})
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.REPONDUE and response.status_code == 302


def test_a_signed_in_visitor_still_acts_through_the_link_as_the_sender(client, personas):
    ticket = visitor_ticket()
    client.force_login(personas.outsider)
    client.post(follow_url(ticket), {"action": "CLOSE"})
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.CLOTUREE


def test_the_honeypot_catches_robots(
    client, personas, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(CONTACT, form(website="http://spam.example"))
    assert response.status_code == 400
    assert not Ticket.objects.exists() and mailoutbox == []


def test_a_form_error_is_shown_next_to_its_field(client, personas):
    response = client.post(CONTACT, form(email="pas-une-adresse"))
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_email-error"' in html and 'aria-invalid="true"' in html


def test_the_rate_limit_stops_an_address_after_the_limit_and_spares_others(
    client, personas, settings
):
    settings.SUPPORT = {**settings.SUPPORT, "CONTACT_RATE_LIMIT": 3}
    for n in range(3):
        response = client.post(CONTACT, form(title=f"n{n}"), REMOTE_ADDR="203.0.113.7")
        assert response.status_code == 302
    response = client.post(CONTACT, form(title="de trop"), REMOTE_ADDR="203.0.113.7")
    assert response.status_code == 429
    assert Ticket.objects.count() == 3
    assert client.post(CONTACT, form(), REMOTE_ADDR="198.51.100.1").status_code == 302


def test_failed_submissions_count_too(client, personas, settings):
    settings.SUPPORT = {**settings.SUPPORT, "CONTACT_RATE_LIMIT": 2}
    for _ in range(2):
        client.post(CONTACT, form(website="robot"), REMOTE_ADDR="203.0.113.9")
    assert client.post(CONTACT, form(), REMOTE_ADDR="203.0.113.9").status_code == 429


def test_old_attempts_leave_the_window(client, personas, settings):
    settings.SUPPORT = {**settings.SUPPORT, "CONTACT_RATE_LIMIT": 1}
    client.post(CONTACT, form(), REMOTE_ADDR="203.0.113.8")
    ContactAttempt.objects.update(at=timezone.now() - timedelta(hours=2))
    assert client.post(CONTACT, form(), REMOTE_ADDR="203.0.113.8").status_code == 302
    assert ContactAttempt.objects.count() == 1  # the old one was purged


def test_addresses_are_stored_as_keyed_digests(client, personas):
    client.post(CONTACT, form(), REMOTE_ADDR="203.0.113.5")
    stored = ContactAttempt.objects.get().client_digest
    assert "203.0.113.5" not in stored and len(stored) == 64


def test_the_client_address_trusts_only_as_many_forwarded_hops_as_proxies(rf, settings):
    request = rf.post(CONTACT, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.4")
    assert throttle.client_address(request) == "10.0.0.2"
    settings.SUPPORT = {**settings.SUPPORT, "PROXY_COUNT": 1}
    assert throttle.client_address(request) == "198.51.100.4"  # not the spoofed 6.6.6.6
