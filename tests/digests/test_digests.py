"""Notice preferences and the daily / weekly digests: who hears of what at once, who in a
summary, and that a summary goes once per user and period, only when something happened."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from chorus import outbox
from chorus.models import OutgoingEmail
from digests import services
from digests.tasks import send_daily, send_weekly
from invoices import notifications as invoice_notifications
from invoices import selectors as invoice_selectors
from invoices.models import StatusChange
from invoices.workflow import Status
from structures import notifications as structure_notifications
from structures import selectors as structures
from structures.models import Frequency, Membership, NoticePreference
from tests.factories import MembershipFactory, UserFactory
from tests.invoices.factories import invoice_in
from tests.utils.two_factor import log_in_as

pytestmark = pytest.mark.django_db

# A Wednesday noon in Paris: the day before is Tuesday, the week before ends on Sunday.
NOW = timezone.make_aware(dt.datetime(2026, 12, 9, 12, 0))
YESTERDAY = timezone.make_aware(dt.datetime(2026, 12, 8, 10, 30))
LAST_WEEK = timezone.make_aware(dt.datetime(2026, 12, 3, 9, 0))
LONG_AGO = timezone.make_aware(dt.datetime(2026, 11, 1, 0, 0))


def prefer(user, structure, *, invoices=Frequency.IMMEDIATE, requests=Frequency.IMMEDIATE):  # type: ignore[no-untyped-def]
    membership = Membership.objects.get(user=user, structure=structure)
    NoticePreference.objects.update_or_create(
        membership=membership, defaults={"invoices": invoices, "requests": requests}
    )
    # Chosen long ago: the digests count from the moment a preference was last changed.
    NoticePreference.objects.filter(membership=membership).update(updated_at=LONG_AGO)
    return membership


def change(personas, *, at, to=Status.MISE_A_DISPOSITION, frm=Status.EN_COURS_ACHEMINEMENT, **kw):  # type: ignore[no-untyped-def]
    invoice = invoice_in(personas, to, **kw)
    return StatusChange.objects.create(invoice=invoice, from_status=frm, to_status=to, at=at)


def digests_of(user) -> list[OutgoingEmail]:  # type: ignore[no-untyped-def]
    return list(OutgoingEmail.objects.filter(key__startswith="digest:", to=user.contact_email))


# --- who hears at once -------------------------------------------------------------------------
def test_without_a_preference_every_member_hears_of_each_event(personas):
    invoice = invoice_in(personas, Status.MISE_A_DISPOSITION)
    users = set(invoice_selectors.supplier_users_to_notify(invoice))
    assert {personas.supplier_principal, personas.supplier_member} <= users
    assert personas.agent in set(invoice_selectors.agents_to_notify(invoice))


@pytest.mark.parametrize("frequency", [Frequency.DAILY, Frequency.WEEKLY, Frequency.NONE])
def test_a_member_who_chose_a_digest_or_nothing_gets_no_e_mail_per_event(personas, frequency):
    prefer(personas.supplier_member, personas.acme, invoices=frequency)
    prefer(personas.agent, personas.state, invoices=frequency)
    invoice = invoice_in(personas, Status.MISE_A_DISPOSITION)
    suppliers = set(invoice_selectors.supplier_users_to_notify(invoice))
    assert personas.supplier_principal in suppliers and personas.supplier_member not in suppliers
    assert personas.agent not in set(invoice_selectors.agents_to_notify(invoice))
    # the routing batch's one-query lookups say the same
    by_structure = invoice_selectors.members_by_structure({personas.acme.pk})
    assert personas.supplier_member not in by_structure[personas.acme.pk]
    assert personas.supplier_principal in by_structure[personas.acme.pk]
    assert personas.agent not in invoice_selectors.agents_by_service({personas.service.pk}).get(
        personas.service.pk, []
    )


def test_a_preference_on_one_structure_leaves_the_others_at_once(personas):
    MembershipFactory(user=personas.supplier_member, structure=personas.globex)
    prefer(personas.supplier_member, personas.acme, invoices=Frequency.NONE)
    invoice = invoice_in(personas, Status.MISE_A_DISPOSITION, supplier=personas.globex)
    assert personas.supplier_member in set(invoice_selectors.supplier_users_to_notify(invoice))


def test_the_status_change_e_mail_skips_who_chose_a_digest(personas):
    prefer(personas.supplier_member, personas.acme, invoices=Frequency.DAILY)
    created = change(personas, at=timezone.now())
    invoice_notifications.send_status_change(created.pk)
    recipients = {address for message in mail.outbox for address in message.to}
    assert personas.supplier_principal.contact_email in recipients
    assert personas.supplier_member.contact_email not in recipients


def test_a_principal_who_chose_a_digest_is_not_told_of_each_request(personas):
    prefer(personas.supplier_principal, personas.acme, requests=Frequency.WEEKLY)
    pending = Membership.objects.get(user=personas.pending_requester)
    structure_notifications.request_received(pending.pk)
    assert mail.outbox == []


# --- the digests -------------------------------------------------------------------------------
def test_the_periods_are_the_day_and_the_iso_week_before_in_local_time():
    day = services.period_ending_before(Frequency.DAILY, NOW)
    assert (day.label, timezone.localtime(day.start).hour) == ("2026-12-08", 0)
    assert day.end - day.start == dt.timedelta(days=1)
    week = services.period_ending_before(Frequency.WEEKLY, NOW)
    assert week.label == "2026-W49" and timezone.localtime(week.start).date() == dt.date(
        2026, 11, 30
    )
    assert timezone.localtime(week.end).date() == dt.date(2026, 12, 7)
    with pytest.raises(ValueError):
        services.period_ending_before(Frequency.NONE, NOW)


def test_one_daily_digest_per_user_lists_every_structure_and_is_sent_once(personas):
    member = personas.supplier_member
    MembershipFactory(user=member, structure=personas.globex)
    prefer(member, personas.acme, invoices=Frequency.DAILY)
    prefer(member, personas.globex, invoices=Frequency.DAILY)
    acme_change = change(personas, at=YESTERDAY)
    globex_change = change(personas, at=YESTERDAY, supplier=personas.globex)
    change(personas, at=NOW)  # today: tomorrow's digest
    change(personas, at=LAST_WEEK)  # before: another day's

    assert services.digests_send(Frequency.DAILY, now=NOW) >= 1
    [digest] = digests_of(member)
    assert digest.key == f"digest:DAILY:2026-12-08:{member.pk}"
    assert "2 événements" in digest.subject
    for expected in ("Acme", "Globex", acme_change.invoice.number, globex_change.invoice.number):
        assert expected in digest.body and expected in digest.html
    assert reverse("digests:preferences") in digest.body

    # run again (beat twice, or the next day's catch-up): nothing more for that day
    services.digests_send(Frequency.DAILY, now=NOW)
    assert len(digests_of(member)) == 1
    outbox.emails_deliver(matching=outbox.keys_starting_with("digest:"))
    assert [m.subject for m in mail.outbox if member.contact_email in m.to] == [digest.subject]


def test_nothing_happened_no_digest(personas):
    prefer(personas.supplier_member, personas.acme, invoices=Frequency.DAILY)
    change(personas, at=LAST_WEEK)
    assert services.digests_send(Frequency.DAILY, now=NOW) == 0
    assert digests_of(personas.supplier_member) == []


def test_a_missed_day_is_caught_up_by_the_next_run(personas):
    prefer(personas.supplier_member, personas.acme, invoices=Frequency.DAILY)
    change(personas, at=YESTERDAY - dt.timedelta(days=1))  # Monday: Tuesday's run was missed
    services.digests_send(Frequency.DAILY, now=NOW)
    assert [d.key.split(":")[2] for d in digests_of(personas.supplier_member)] == ["2026-12-07"]


def test_events_before_the_preference_changed_are_not_told_twice(personas):
    membership = prefer(personas.supplier_member, personas.acme, invoices=Frequency.DAILY)
    change(personas, at=YESTERDAY)
    NoticePreference.objects.filter(membership=membership).update(
        updated_at=YESTERDAY + dt.timedelta(hours=1)
    )
    assert services.digests_send(Frequency.DAILY, now=NOW) == 0


def test_the_weekly_digest_of_an_agent_lists_the_invoices_made_available(personas):
    prefer(personas.agent, personas.state, invoices=Frequency.WEEKLY)
    mine = change(personas, at=LAST_WEEK)
    other = change(personas, at=LAST_WEEK, service=personas.other_service)
    assert services.digests_send(Frequency.WEEKLY, now=NOW) >= 1
    [digest] = digests_of(personas.agent)
    assert "résumé de la semaine" in digest.subject
    assert mine.invoice.number in digest.body and other.invoice.number not in digest.body
    assert services.digests_send(Frequency.DAILY, now=NOW) == 0  # weekly only


def test_a_digest_runs_only_the_invoice_query_its_side_can_answer(
    personas, django_assert_num_queries
):
    """A supplier's member: the status changes of what it sent (one query), never the invoices
    received; an agent: the invoices made available (their services, then the changes), never
    a supplier's status changes."""
    prefer(personas.supplier_member, personas.acme, invoices=Frequency.DAILY)
    prefer(personas.agent, personas.state, invoices=Frequency.DAILY)
    sent_change = change(personas, at=YESTERDAY)
    period = services.period_ending_before(Frequency.DAILY, NOW)
    by_user = {
        preference.membership.user_id: preference
        for preference in structures.deferred_preferences(Frequency.DAILY)
    }
    with django_assert_num_queries(1):
        [supplier_part] = services.digest_parts([by_user[personas.supplier_member.pk]], period)
    assert supplier_part.changes == [sent_change] and supplier_part.received == []
    with django_assert_num_queries(2):
        [agent_part] = services.digest_parts([by_user[personas.agent.pk]], period)
    assert agent_part.received == [sent_change] and agent_part.changes == []


def test_a_principal_gets_the_requests_in_the_digest_a_member_never_does(personas):
    prefer(personas.supplier_principal, personas.acme, requests=Frequency.DAILY)
    prefer(personas.supplier_member, personas.acme, requests=Frequency.DAILY)
    Membership.objects.update(requested_at=LONG_AGO)
    Membership.objects.filter(user=personas.pending_requester).update(requested_at=YESTERDAY)
    services.digests_send(Frequency.DAILY, now=NOW)
    [digest] = digests_of(personas.supplier_principal)
    assert personas.pending_requester.email in digest.body and "1 demande" in digest.body
    assert digests_of(personas.supplier_member) == []


def test_none_means_no_digest_either(personas):
    prefer(personas.supplier_member, personas.acme, invoices=Frequency.NONE)
    change(personas, at=YESTERDAY)
    assert services.digests_send(Frequency.DAILY, now=NOW) == 0


def test_an_inactive_user_gets_no_digest(personas):
    prefer(personas.supplier_member, personas.acme, invoices=Frequency.DAILY)
    personas.supplier_member.is_active = False
    personas.supplier_member.save(update_fields=["is_active"])
    change(personas, at=YESTERDAY)
    assert services.digests_send(Frequency.DAILY, now=NOW) == 0


def test_a_long_day_lists_twenty_and_points_to_the_list(personas):
    prefer(personas.supplier_member, personas.acme, invoices=Frequency.DAILY)
    for _ in range(services.LISTED + 3):
        change(personas, at=YESTERDAY)
    services.digests_send(Frequency.DAILY, now=NOW)
    [digest] = digests_of(personas.supplier_member)
    assert "23 changements de statut" in digest.body
    assert digest.body.count("\n- ") == services.LISTED
    assert reverse("invoices:sent") in digest.body


def test_the_beat_runs_both_tasks(settings, personas):
    schedule = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"digests.send_daily", "digests.send_weekly"} <= schedule
    assert send_daily() == 0 and send_weekly() == 0


# --- the page ----------------------------------------------------------------------------------
def test_the_page_needs_a_login(client):
    response = client.get(reverse("digests:preferences"))
    assert response.status_code == 302 and "connexion" in response["Location"]


def test_the_page_offers_requests_to_the_principal_only(client, personas):
    log_in_as(client, personas.supplier_principal)
    html = client.get(reverse("digests:preferences")).content.decode()
    membership = Membership.objects.get(user=personas.supplier_principal)
    assert f'name="invoices-{membership.pk}"' in html and f'name="requests-{membership.pk}"' in html
    assert "Globex" not in html

    log_in_as(client, personas.supplier_member)
    html = client.get(reverse("digests:preferences")).content.decode()
    membership = Membership.objects.get(user=personas.supplier_member)
    assert f'name="invoices-{membership.pk}"' in html and "requests-" not in html


def test_saving_the_page_stores_the_choices_and_ignores_other_memberships(client, personas):
    log_in_as(client, personas.supplier_principal)
    mine = Membership.objects.get(user=personas.supplier_principal)
    theirs = Membership.objects.get(user=personas.outsider)
    response = client.post(
        reverse("digests:preferences"),
        {
            f"invoices-{mine.pk}": Frequency.WEEKLY,
            f"requests-{mine.pk}": Frequency.NONE,
            f"invoices-{theirs.pk}": Frequency.NONE,
        },
        follow=True,
    )
    assert "préférences de notification sont enregistrées" in response.content.decode()
    saved = NoticePreference.objects.get(membership=mine)
    assert (saved.invoices, saved.requests) == (Frequency.WEEKLY, Frequency.NONE)
    assert not NoticePreference.objects.filter(membership=theirs).exists()


def test_an_unknown_choice_is_refused_in_french_and_stores_nothing(client, personas):
    log_in_as(client, personas.supplier_principal)
    mine = Membership.objects.get(user=personas.supplier_principal)
    response = client.post(
        reverse("digests:preferences"),
        {f"invoices-{mine.pk}": "HOURLY", f"requests-{mine.pk}": Frequency.NONE},
    )
    assert response.status_code == 200
    assert "Sélectionnez un choix valide" in response.content.decode()
    assert not NoticePreference.objects.exists()


def test_saving_unchanged_choices_keeps_the_moment_the_digest_counts_from(personas):
    membership = prefer(personas.supplier_member, personas.acme, invoices=Frequency.DAILY)
    services.preferences_set(
        personas.supplier_member,
        membership.pk,
        invoices=Frequency.DAILY,
        requests=Frequency.IMMEDIATE,
    )
    assert NoticePreference.objects.get(membership=membership).updated_at == LONG_AGO


def test_a_user_without_structure_is_told_there_is_nothing_to_set(client):
    user = UserFactory()
    log_in_as(client, user)
    assert (
        "rattaché à aucune structure" in client.get(reverse("digests:preferences")).content.decode()
    )
