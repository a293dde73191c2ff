"""What a batch of deposits (an API deposit, a flux's chunk: invoices/services/batch.py) sends
once committed: one message (``tasks.after_deposits``) carrying its e-mails, its renderings and,
in turn, the routing's wake; what that message does; and what still recovers each of them when
the message is lost."""

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


def follow_ups(invoice: Invoice) -> tuple[list[int], list[int]]:
    """The certified CII to render as Factur-X and the deposit whose certificate to render."""
    xml = invoice.attachments.get(kind=Attachment.Kind.GENERATED_XML)
    change = invoice.history.get(to_status=Status.DEPOSEE)
    return [xml.pk], [change.pk]


def renderings(invoice: Invoice) -> list[str]:
    kinds = (Attachment.Kind.GENERATED_PDF, Attachment.Kind.CERTIFICATE)
    return sorted(invoice.attachments.filter(kind__in=kinds).values_list("kind", flat=True))


def test_a_deposit_sends_one_message_for_its_e_mails_renderings_and_wake(
    personas, sent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invoice = submit(personas)
    [(name, args, options)] = sent
    assert name == "after_deposits"
    assert options == {}
    xml_ids, change_ids, keys, route = args
    assert (xml_ids, change_ids) == follow_ups(invoice)
    assert route is True  # a cache of its own (locmem): each deposit wakes the routing
    queued = OutgoingEmail.objects.filter(key__in=keys, status=OutgoingEmail.Status.PENDING)
    assert keys and queued.count() == len(keys)  # the supplier's users are told of the deposit


def test_the_message_routes_sends_the_e_mails_and_renders_once_however_often_delivered(
    personas, sent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invoice = submit(personas)
    [(_name, args, _options)] = sent
    keys = args[2]

    assert (
        tasks.after_deposits(*args) == len(keys) + 2
    )  # the e-mails, the Factur-X, the certificate
    invoice.refresh_from_db()
    assert invoice.status == Status.MISE_A_DISPOSITION
    assert len(mail.outbox) == len(keys)
    assert not OutgoingEmail.objects.filter(key__in=keys).exclude(status="SENT").exists()
    assert renderings(invoice) == [Attachment.Kind.CERTIFICATE, Attachment.Kind.GENERATED_PDF]

    tasks.after_deposits(*args)  # delivered again: nothing done twice
    assert len(mail.outbox) == len(keys)
    assert len(renderings(invoice)) == 2


def test_deposits_share_one_wake_until_a_routing_batch_starts(
    personas, shared_cache, sent, django_capture_on_commit_callbacks
):
    for _ in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            submit(personas)
    assert [(name, args[-1]) for name, args, _ in sent] == [
        ("after_deposits", True),
        ("after_deposits", False),
        ("after_deposits", False),
    ]
    assert tasks.route_batch() == 3  # the batch clears the key before it claims
    with django_capture_on_commit_callbacks(execute=True):
        submit(personas)
    assert sent[-1][0] == "after_deposits" and sent[-1][1][-1] is True


def test_a_batch_of_deposits_sends_one_message_and_a_flux_chunk_no_e_mail(
    personas, sent, django_capture_on_commit_callbacks
):
    deposits = [TypedDeposit(header(), [line()]), TypedDeposit(header(), [line()])]
    with django_capture_on_commit_callbacks(execute=True):
        done = deposit_batch(
            user=personas.supplier_member, supplier=personas.acme, deposits=deposits, tell=False
        )
    [(name, (xml_ids, change_ids, keys, route), _options)] = sent
    assert name == "after_deposits"
    invoices = [outcome.invoice for outcome in done]
    assert all(invoices)
    assert sorted(xml_ids) == sorted(follow_ups(i)[0][0] for i in invoices)  # type: ignore[arg-type]
    assert sorted(change_ids) == sorted(follow_ups(i)[1][0] for i in invoices)  # type: ignore[arg-type]
    assert (keys, route) == ([], True)


def test_with_a_routing_delay_the_wake_keeps_its_own_message_with_the_delay(
    personas, settings, sent, django_capture_on_commit_callbacks
):
    settings.INVOICE_ROUTING_DELAY = 3
    with django_capture_on_commit_callbacks(execute=True):
        submit(personas)
    assert [
        (name, args[-1] if name == "after_deposits" else args, k) for name, args, k in sent
    ] == [
        ("after_deposits", False, {}),
        ("route_batch", (), {"countdown": 3}),
    ]


def test_a_broker_that_does_not_answer_loses_no_deposit_and_the_sweeps_recover_it_all(
    personas, shared_cache, monkeypatch, django_capture_on_commit_callbacks, caplog
):
    def down(*args: object, **kwargs: object) -> None:
        raise ConnectionError("the broker does not answer")

    monkeypatch.setattr(tasks.after_deposits, "apply_async", down)
    with caplog.at_level(logging.ERROR), django_capture_on_commit_callbacks(execute=True):
        invoice = submit(personas)  # no error: the deposit is committed
    assert "could not enqueue invoices.after_deposits" in caplog.text
    assert cache.get(services.ROUTING_WAKE_KEY) is None  # the next deposit wakes the routing
    assert Invoice.objects.get(pk=invoice.pk).status == Status.DEPOSEE

    # The e-mails wait in the outbox, whose beat task sends them.
    pending = OutgoingEmail.objects.filter(status=OutgoingEmail.Status.PENDING).count()
    assert pending and outbox.emails_deliver_due() == pending
    # The renderings sweep finds both renderings, the routing sweep the invoice.
    missing = services.renderings_sweep(missing_after=timedelta(0))
    xml_ids, change_ids = follow_ups(invoice)
    assert (missing.facturx, missing.certificates) == (xml_ids, change_ids)
    stuck = services.invoices_sweep_routing(stuck_after=timedelta(0))
    assert stuck == [(invoice.pk, Status.DEPOSEE)]


def test_a_cache_that_does_not_answer_wakes_the_routing_every_time(
    personas, shared_cache, sent, monkeypatch, django_capture_on_commit_callbacks, caplog
):
    """The coalesced wake (``_enqueue._in_turn``), for a deposit's message and for the wake's
    own (another write: a routing step's retry): a cache that does not answer coalesces nothing,
    so every write wakes the routing rather than none."""

    def down(*args: object, **kwargs: object) -> None:
        raise ConnectionError("the cache does not answer")

    monkeypatch.setattr(RedisCache, "add", down)
    with caplog.at_level(logging.WARNING), django_capture_on_commit_callbacks(execute=True):
        submit(personas)
        submit(personas)
    with django_capture_on_commit_callbacks(execute=True):
        services.wake_routing()
    assert [(name, args[-1] if args else None) for name, args, _ in sent] == [
        ("after_deposits", True),
        ("after_deposits", True),
        ("route_batch", None),
    ]
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


def test_a_step_that_fails_keeps_none_of_the_others_from_running(
    personas, sent, monkeypatch, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invoice = submit(personas)
    [(_name, args, _options)] = sent

    def broken(**kwargs: object) -> None:
        raise OperationalError("the routing's tables are locked")

    monkeypatch.setattr(services, "invoices_route_batch", broken)
    with pytest.raises(OperationalError):
        tasks.after_deposits(*args)  # the failure is the task's (logged, retried by the sweep)
    assert len(mail.outbox) == len(args[2])
    assert len(renderings(invoice)) == 2
    assert Invoice.objects.get(pk=invoice.pk).status == Status.DEPOSEE
