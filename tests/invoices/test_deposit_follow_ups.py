"""What a deposit asks of the workers once committed — the routing's wake, coalesced, and
nothing else, not even an e-mail — and how the routing batch that claims it tells the
supplier's users of it and enqueues its renderings (``tasks.after_routing``); what still
recovers each of them when a message is lost; and the message deposits sent before
(``tasks.after_deposits``), still understood."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.core.cache import cache
from django.db import OperationalError

from chorus import outbox
from chorus.cache import RedisCache
from chorus.models import OutgoingEmail
from invoices import services, tasks
from invoices.models import Attachment, DepositMode, Invoice
from invoices.services import TypedDeposit, deposit_batch
from invoices.workflow import Status
from tests.invoices.factories import header, line

pytestmark = pytest.mark.django_db

MESSAGES = (
    "after_routing",
    "after_deposits",
    "route_batch",
    "render_deposits",
    "render_facturx",
    "render_certificate",
    "notify_emails",
)


@pytest.fixture
def sent(monkeypatch):  # type: ignore[no-untyped-def]
    """The messages sent (task name, arguments, options), none of them run."""
    messages: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []
    for name in MESSAGES:
        monkeypatch.setattr(
            getattr(tasks, name),
            "apply_async",
            lambda args=(), _n=name, **k: messages.append((_n, tuple(args or ()), k)),
        )
    return messages


def submit(personas) -> Invoice:  # type: ignore[no-untyped-def]
    """The API's POST: a new typed invoice deposited by ``invoice_submit`` (a batch of one)."""
    return services.invoice_submit(
        user=personas.supplier_member, supplier=personas.acme, data=header(), lines=[line()],
        deposit_mode=DepositMode.SAISIE_API,
    )  # fmt: skip


def follow_ups(*invoices: Invoice) -> tuple[list[int], list[int]]:
    """The certified CII to render as Factur-X and the deposits whose certificate to render."""
    xml = Attachment.objects.filter(invoice__in=invoices, kind=Attachment.Kind.GENERATED_XML)
    changes = [invoice.history.get(to_status=Status.DEPOSEE).pk for invoice in invoices]
    return sorted(xml.values_list("pk", flat=True)), sorted(changes)


def renderings(invoice: Invoice) -> list[str]:
    kinds = (Attachment.Kind.GENERATED_PDF, Attachment.Kind.CERTIFICATE)
    return sorted(invoice.attachments.filter(kind__in=kinds).values_list("kind", flat=True))


def routed(sent, capture) -> tuple[Any, ...]:  # type: ignore[no-untyped-def]
    """A routing batch run now; the arguments of the ``after_routing`` it sent."""
    with capture(execute=True):
        tasks.route_batch()
    [args] = [args for name, args, _options in sent if name == "after_routing"]
    return args


def pending() -> int:
    return OutgoingEmail.objects.filter(status=OutgoingEmail.Status.PENDING).count()


def test_a_deposit_sends_nothing_but_the_routings_wake(
    personas, sent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invoice = submit(personas)
    assert sent == [("route_batch", (), {})]  # a cache of its own (locmem): each deposit wakes
    assert not OutgoingEmail.objects.exists()  # the routing batch tells of it
    assert Invoice.objects.get(pk=invoice.pk).deposit_untold


def test_the_routing_batch_sends_the_deposits_e_mails_and_enqueues_their_renderings_once(
    personas, sent, settings, django_capture_on_commit_callbacks
):
    settings.RENDERING_QUEUE = "renderings"
    with django_capture_on_commit_callbacks(execute=True):
        invoice = submit(personas)
    keys, deposited = routed(sent, django_capture_on_commit_callbacks)
    assert deposited == [invoice.pk]
    queued = pending()
    assert len(keys) == queued  # the deposit's notice and the routing's, named by the batch
    deposit = invoice.history.get(to_status=Status.DEPOSEE)
    notices = OutgoingEmail.objects.filter(key__startswith=f"invoice-status:{deposit.pk}:")
    assert notices.count() == 2  # Acme's two users
    assert not Invoice.objects.get(pk=invoice.pk).deposit_untold  # told once

    assert tasks.after_routing(keys, deposited) == queued + 1  # the e-mails, one message
    assert len(mail.outbox) == queued and not pending()
    [(_name, args, options)] = [m for m in sent if m[0] == "render_deposits"]
    assert options == {"queue": "renderings"}
    assert args == follow_ups(invoice)
    assert tasks.render_deposits(*args) == 2
    assert renderings(invoice) == [Attachment.Kind.CERTIFICATE, Attachment.Kind.GENERATED_PDF]

    assert tasks.after_routing(keys, deposited) == 0  # delivered again: nothing done twice
    assert len(mail.outbox) == queued
    assert [m[0] for m in sent].count("render_deposits") == 1


def test_deposits_share_one_wake_until_a_routing_batch_starts(
    personas, shared_cache, sent, django_capture_on_commit_callbacks
):
    invoices = []
    for _ in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            invoices.append(submit(personas))
    assert [name for name, _args, _options in sent] == ["route_batch"]
    _keys, deposited = routed(sent, django_capture_on_commit_callbacks)
    assert sorted(deposited) == sorted(i.pk for i in invoices)  # one follow-up for the three
    with django_capture_on_commit_callbacks(execute=True):
        submit(personas)  # the batch cleared the key before it claimed: this one wakes again
    assert sent[-1][0] == "route_batch"


def test_a_flux_chunk_sends_nothing_and_its_routing_enqueues_its_renderings(
    personas, sent, settings, django_capture_on_commit_callbacks
):
    settings.RENDERING_QUEUE = "renderings"
    deposits = [TypedDeposit(header(), [line()]), TypedDeposit(header(), [line()])]
    with django_capture_on_commit_callbacks(execute=True):
        done = deposit_batch(
            user=personas.supplier_member, supplier=personas.acme, deposits=deposits,
            tell=False, wake=False,
        )  # fmt: skip
    assert sent == []
    invoices = [outcome.invoice for outcome in done if outcome.invoice]
    assert len(invoices) == 2 and not pending()

    keys, deposited = routed(sent, django_capture_on_commit_callbacks)
    subjects = OutgoingEmail.objects.values_list("subject", flat=True)
    assert subjects and not [s for s in subjects if "Déposée" in s]  # the flux tells its end
    tasks.after_routing(keys, deposited)
    [(_name, args, _options)] = [m for m in sent if m[0] == "render_deposits"]
    assert (sorted(args[0]), sorted(args[1])) == follow_ups(*invoices)


def test_renderings_go_in_messages_of_a_few_invoices_each(
    personas, sent, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(tasks, "RENDERINGS_PER_MESSAGE", 2)
    deposits = [TypedDeposit(header(), [line()]) for _ in range(5)]
    with django_capture_on_commit_callbacks(execute=True):
        deposit_batch(user=personas.supplier_member, supplier=personas.acme, deposits=deposits)
    keys, deposited = routed(sent, django_capture_on_commit_callbacks)
    tasks.after_routing(keys, deposited)
    messages = [args for name, args, _options in sent if name == "render_deposits"]
    assert [(len(xml_ids), len(change_ids)) for xml_ids, change_ids in messages] == [
        (2, 2), (2, 2), (1, 1),
    ]  # fmt: skip
    done = Invoice.objects.filter(pk__in=deposited)
    assert sorted(i for xml_ids, _c in messages for i in xml_ids) == follow_ups(*done)[0]


def test_with_a_routing_delay_the_wake_waits_and_the_first_step_asks_the_follow_ups(
    personas, settings, sent, django_capture_on_commit_callbacks
):
    settings.INVOICE_ROUTING_DELAY = 3
    with django_capture_on_commit_callbacks(execute=True):
        invoice = submit(personas)
    assert sent == [("route_batch", (), {"countdown": 3})]
    _keys, deposited = routed(sent, django_capture_on_commit_callbacks)
    assert deposited == [invoice.pk]
    assert Invoice.objects.get(pk=invoice.pk).status == Status.EN_COURS_ACHEMINEMENT
    sent.clear()
    with django_capture_on_commit_callbacks(execute=True):
        tasks.route_batch()  # the second step: no deposit left to follow up
    [(keys, deposited)] = [args for name, args, _options in sent if name == "after_routing"]
    assert keys and deposited == []


def test_a_broker_that_does_not_answer_loses_no_deposit_and_the_sweeps_recover_it_all(
    personas, shared_cache, monkeypatch, django_capture_on_commit_callbacks, caplog
):
    def down(*args: object, **kwargs: object) -> None:
        raise ConnectionError("the broker does not answer")

    monkeypatch.setattr(tasks.route_batch, "apply_async", down)
    with caplog.at_level(logging.ERROR), django_capture_on_commit_callbacks(execute=True):
        invoice = submit(personas)  # no error: the deposit is committed
    assert "could not enqueue the routing's wake" in caplog.text
    assert cache.get(services.ROUTING_WAKE_KEY) is None  # the next deposit wakes the routing
    assert Invoice.objects.get(pk=invoice.pk).status == Status.DEPOSEE

    # The renderings sweep finds both renderings, the routing sweep the invoice; the batch it
    # wakes tells of the deposit, and the outbox's beat sends what its message did not.
    missing = services.renderings_sweep(missing_after=timedelta(0))
    assert (missing.facturx, missing.certificates) == follow_ups(invoice)
    stuck = services.invoices_sweep_routing(stuck_after=timedelta(0))
    assert stuck == [(invoice.pk, Status.DEPOSEE)]
    monkeypatch.undo()
    services.invoices_route_batch()
    queued = pending()
    assert queued and outbox.emails_deliver_due() == queued


def test_a_cache_that_does_not_answer_wakes_the_routing_every_time(
    personas, shared_cache, sent, monkeypatch, django_capture_on_commit_callbacks, caplog
):
    def down(*args: object, **kwargs: object) -> None:
        raise ConnectionError("the cache does not answer")

    monkeypatch.setattr(RedisCache, "add", down)
    with caplog.at_level(logging.WARNING), django_capture_on_commit_callbacks(execute=True):
        submit(personas)
        submit(personas)
        services.wake_routing()
    assert [name for name, _args, _options in sent] == ["route_batch"] * 3
    assert "could not read the routing wake key" in caplog.text


def test_a_wake_taken_by_another_write_sends_nothing_and_a_failed_one_gives_its_key_back(
    shared_cache, sent, monkeypatch, django_capture_on_commit_callbacks, caplog
):
    with django_capture_on_commit_callbacks(execute=True):
        services.wake_routing()
        services.wake_routing()
    assert [name for name, _args, _options in sent] == ["route_batch"]

    cache.delete(services.ROUTING_WAKE_KEY)  # a batch started
    monkeypatch.setattr(tasks.route_batch, "apply_async", lambda *a, **k: 1 / 0)
    with caplog.at_level(logging.ERROR), django_capture_on_commit_callbacks(execute=True):
        services.wake_routing()
    assert "could not enqueue the routing's wake" in caplog.text
    assert cache.get(services.ROUTING_WAKE_KEY) is None  # the next write wakes it


def test_a_follow_up_step_that_fails_keeps_the_other_from_running(
    personas, sent, monkeypatch, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        submit(personas)
    keys, deposited = routed(sent, django_capture_on_commit_callbacks)

    def broken(**kwargs: object) -> None:
        raise OperationalError("the outbox's table is locked")

    monkeypatch.setattr(outbox, "emails_deliver", broken)
    with pytest.raises(OperationalError):
        tasks.after_routing(keys, deposited)  # the failure is the task's (logged, retried)
    assert [name for name, _args, _options in sent].count("render_deposits") == 1
    assert pending()  # left to the outbox's beat


def test_the_message_deposits_sent_before_is_still_understood(personas, sent):
    """``after_deposits``, as a web node of the version before sent it: it routes, sends the
    e-mails it names and renders, once however often delivered."""
    invoice = submit(personas)
    keys = list(OutgoingEmail.objects.values_list("key", flat=True))
    args = (*follow_ups(invoice), keys, True)

    assert tasks.after_deposits(*args) == len(keys) + 2  # the e-mails, the two renderings
    assert Invoice.objects.get(pk=invoice.pk).status == Status.MISE_A_DISPOSITION
    assert renderings(invoice) == [Attachment.Kind.CERTIFICATE, Attachment.Kind.GENERATED_PDF]
    tasks.after_deposits(*args)  # delivered again: nothing done twice
    assert len(mail.outbox) == len(keys)
    assert len(renderings(invoice)) == 2


def test_deposits_routed_together_are_told_in_one_digest_and_a_lone_one_in_its_own_notice(
    personas, sent, django_capture_on_commit_callbacks
):
    for _ in range(3):
        submit(personas)
    services.invoices_route_batch()
    deposited = OutgoingEmail.objects.filter(subject__contains="Déposée")
    # One digest for each of Acme's two users, not three notices each.
    assert sorted(deposited.values_list("to", "subject")) == [
        ("member@acme.test", "3 factures : Déposée"),
        ("principal@acme.test", "3 factures : Déposée"),
    ]
    alone = submit(personas)
    services.invoices_route_batch()
    deposit = alone.history.get(to_status=Status.DEPOSEE)
    notices = OutgoingEmail.objects.filter(key__startswith=f"invoice-status:{deposit.pk}:")
    assert sorted(notices.values_list("to", flat=True)) == [
        "member@acme.test", "principal@acme.test",
    ]  # fmt: skip
    assert all("Déposée" in subject for subject in notices.values_list("subject", flat=True))


def test_a_deposit_of_the_version_before_is_not_told_twice(personas, sent):
    """Deposited by a web node of the version before: its notice queued with it, its flag
    unset. The batch that routes it queues no second notice (the same key would fail it)."""
    invoice = submit(personas)
    Invoice.objects.filter(pk=invoice.pk).update(deposit_untold=False)
    deposit = invoice.history.get(to_status=Status.DEPOSEE)
    services.invoices_route_batch()
    assert not OutgoingEmail.objects.filter(key__startswith=f"invoice-status:{deposit.pk}:")
    assert Invoice.objects.get(pk=invoice.pk).status == Status.MISE_A_DISPOSITION
