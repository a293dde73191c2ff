"""A flux received then integrated by the service the worker calls: each invoice judged like a
single deposit, good ones deposited, the others rejected with their reasons, counted."""

from __future__ import annotations

import hashlib
import json

import pytest
from django.core import mail
from django.db import transaction

from chorus.models import OutgoingEmail
from flux import services
from flux.judging import _service_errors, judge_json
from flux.models import Flux, FluxItem
from invoices import services as invoice_services
from invoices.models import DepositMode, Invoice
from invoices.workflow import Status
from tests.flux.files import as_file, json_flux, json_invoice, zip_of
from tests.invoices.structured_files import cii_to_the_state, set_cii

pytestmark = pytest.mark.django_db


def receive(personas, content: bytes, name: str = "flux.json", user=None) -> Flux:  # type: ignore[no-untyped-def]
    received = services.flux_receive(
        user=user or personas.supplier_member,
        supplier=personas.acme,
        content=as_file(content, name),
        name=name,
    )
    return received.flux


def integrated(personas, content: bytes, name: str = "flux.json") -> Flux:  # type: ignore[no-untyped-def]
    flux = receive(personas, content, name)
    return services.flux_integrate(flux_id=flux.pk)


def test_the_flux_is_stored_byte_for_byte_with_its_digest(personas):
    content = json_flux(personas.acme.identifier, 2)

    flux = receive(personas, content)

    assert flux.status == Flux.Status.RECU
    assert (flux.kind, flux.size) == (Flux.Kind.JSON, len(content))
    assert flux.sha256 == hashlib.sha256(content).hexdigest()
    with flux.file.open("rb") as stored:
        assert stored.read() == content


def test_a_json_flux_of_good_invoices_is_integrated_whole(personas):
    flux = integrated(personas, json_flux(personas.acme.identifier, 3))

    assert (flux.status, flux.item_count, flux.integrated_count, flux.rejected_count) == (
        Flux.Status.INTEGRE, 3, 3, 0,
    )  # fmt: skip
    items = list(flux.items.order_by("position"))
    assert [i.number for i in items] == ["F-0000", "F-0001", "F-0002"]
    invoices = Invoice.objects.filter(pk__in=[i.invoice_id for i in items])
    assert {(inv.status, inv.deposit_mode) for inv in invoices} == {
        (Status.DEPOSEE, DepositMode.SAISIE_API)
    }
    assert [inv.lines.count() for inv in invoices] == [3, 3, 3]


def test_bad_invoices_are_rejected_with_their_reasons_and_the_good_ones_deposited(personas):
    siret = personas.acme.identifier
    invoices = [
        json_invoice(siret, "OK-1"),
        json_invoice(siret, "BAD-1", service_code="INCONNU"),
        json_invoice(siret, "BAD-2", lines=0),
        json_invoice(siret, "OK-1"),  # the same number twice in one flux
    ]
    flux = integrated(personas, json.dumps(invoices).encode())

    assert (flux.status, flux.integrated_count, flux.rejected_count) == (Flux.Status.PARTIEL, 1, 3)
    items = {i.position: i for i in flux.items.all()}
    assert items[1].result == FluxItem.Result.INTEGRATED
    assert [(e["rule"], e["field"]) for e in items[2].errors] == [("CHORUS", "service_code")]
    assert [(e["rule"], e["field"]) for e in items[3].errors] == [("SCHEMA", "lines")]
    assert [(e["rule"], e["field"]) for e in items[4].errors] == [("CHORUS", "number")]
    assert "déjà été utilisé" in items[4].errors[0]["message"]
    assert Invoice.objects.filter(supplier=personas.acme).count() == 1


def test_a_flux_with_nothing_integrable_is_refused(personas):
    siret = personas.acme.identifier
    bad = [json_invoice(siret, f"X-{i}", recipient_siret="123") for i in range(2)]

    flux = integrated(personas, json.dumps(bad).encode())

    assert (flux.status, flux.integrated_count, flux.rejected_count) == (Flux.Status.REFUSE, 0, 2)
    assert flux.refusal


def test_a_zip_of_cii_files_is_judged_by_the_standards_and_the_portal(personas):
    good = cii_to_the_state(seller_siret=personas.acme.siret)
    wrong_total = cii_to_the_state(
        "CII_example2.xml",
        seller_siret=personas.acme.siret,
        change=set_cii("//ram:GrandTotalAmount", "1.00"),
    )
    other_seller = cii_to_the_state("CII_example4.xml", seller_siret=personas.globex.siret)
    content = zip_of({"a/une.xml": good, "deux.xml": wrong_total, "trois.xml": other_seller})

    flux = integrated(personas, content, "lot.zip")

    assert (flux.kind, flux.status, flux.integrated_count, flux.rejected_count) == (
        Flux.Kind.ZIP, Flux.Status.PARTIEL, 1, 2,
    )  # fmt: skip
    items = {i.position: i for i in flux.items.all()}
    assert items[1].name == "a/une.xml" and items[1].invoice.deposit_mode == DepositMode.UPLOAD_API
    assert "BR-CO-16" in {e["rule"] for e in items[2].errors}
    # Each reject says the rule's own text, then what to change in French.
    [due] = [e["message"] for e in items[2].errors if e["rule"] == "BR-CO-16"]
    assert "Amount due for payment (BT-115)" in due
    assert "À changer : Le net à payer (BT-115) doit valoir le total TTC (BT-112)" in due
    assert ("CHORUS", "supplier_siret") in [(e["rule"], e["field"]) for e in items[3].errors]


def test_one_xml_file_is_a_flux_of_one_invoice(personas):
    flux = integrated(personas, cii_to_the_state(seller_siret=personas.acme.siret), "f.xml")

    assert (flux.kind, flux.status, flux.item_count) == (Flux.Kind.XML, Flux.Status.INTEGRE, 1)


def test_the_same_file_twice_is_the_first_flux_never_a_second_integration(personas):
    content = json_flux(personas.acme.identifier, 2)
    first = integrated(personas, content)

    again = services.flux_receive(
        user=personas.supplier_principal, supplier=personas.acme,
        content=as_file(content, "autre-nom.json"), name="autre-nom.json",
    )  # fmt: skip

    assert (again.created, again.flux.pk) == (False, first.pk)
    assert Flux.objects.count() == 1
    assert Invoice.objects.filter(supplier=personas.acme).count() == 2


def test_integrating_twice_changes_nothing_more(personas):
    flux = integrated(personas, json_flux(personas.acme.identifier, 2))

    services.flux_integrate(flux_id=flux.pk)

    assert Invoice.objects.filter(supplier=personas.acme).count() == 2
    assert OutgoingEmail.objects.filter(key__startswith=f"flux-done:{flux.pk}:").count() == 1


def test_a_flux_resumes_where_its_last_chunk_committed(personas, settings):
    settings.FLUX_CHUNK_SIZE = 2
    flux = receive(personas, json_flux(personas.acme.identifier, 5))
    # The items recorded with the first chunk, in one transaction: as if the worker died there.
    more, container = services._step(flux.pk, None)
    container.handle.close()
    assert more
    assert FluxItem.objects.filter(flux=flux).exclude(result=FluxItem.Result.PENDING).count() == 2

    done = services.flux_integrate(flux_id=flux.pk)

    assert (done.status, done.integrated_count) == (Flux.Status.INTEGRE, 5)
    assert Invoice.objects.filter(supplier=personas.acme).count() == 5


def test_a_flux_of_one_chunk_is_integrated_in_one_transaction(personas, settings):
    settings.FLUX_CHUNK_SIZE = 3
    flux = receive(personas, json_flux(personas.acme.identifier, 2))

    more, container = services._step(flux.pk, None)
    container.handle.close()

    assert not more
    flux.refresh_from_db()
    assert (flux.status, flux.item_count, flux.integrated_count) == (Flux.Status.INTEGRE, 2, 2)
    assert OutgoingEmail.objects.filter(key__startswith=f"flux-done:{flux.pk}:").count() == 1


def test_the_counts_follow_each_chunk_and_the_last_one_finishes(personas, settings):
    settings.FLUX_CHUNK_SIZE = 2
    content = json.dumps(
        [json_invoice(personas.acme.identifier, f"C-{n}") for n in range(4)] + [{"number": "C-bad"}]
    ).encode()
    flux = receive(personas, content)
    more, container = services._step(flux.pk, None)
    flux.refresh_from_db()
    assert (more, flux.status, flux.integrated_count, flux.rejected_count) == (
        True, Flux.Status.EN_COURS, 2, 0,
    )  # fmt: skip
    more, container = services._step(flux.pk, container)
    more, container = services._step(flux.pk, container)
    container.handle.close()

    flux.refresh_from_db()
    assert (more, flux.status, flux.integrated_count, flux.rejected_count) == (
        False, Flux.Status.PARTIEL, 4, 1,
    )  # fmt: skip


def test_a_flux_of_whole_chunks_finishes_with_the_counts_its_chunks_kept(personas, settings):
    settings.FLUX_CHUNK_SIZE = 2
    content = json.dumps(
        [{"number": "W-bad"}] + [json_invoice(personas.acme.identifier, f"W-{n}") for n in range(3)]
    ).encode()
    flux = integrated(personas, content)

    assert (flux.status, flux.integrated_count, flux.rejected_count) == (Flux.Status.PARTIEL, 3, 1)
    items = FluxItem.objects.filter(flux=flux)
    assert items.filter(result=FluxItem.Result.INTEGRATED).count() == 3
    assert items.filter(result=FluxItem.Result.REJECTED).count() == 1


def test_the_depositor_is_told_by_email_with_the_counts_and_a_link(personas):
    flux = integrated(personas, json_flux(personas.acme.identifier, 2))

    email = OutgoingEmail.objects.get(key__startswith=f"flux-done:{flux.pk}:")
    assert email.to == personas.supplier_member.email
    assert "intégrées : 2" in email.body and f"/flux/{flux.pk}/" in email.body
    assert "Intégré" in email.subject
    assert not mail.outbox  # sent by a task after the commit, not inside the worker's transaction


def test_a_flux_of_several_chunks_is_one_e_mail_not_one_per_chunk(personas, settings):
    """Its deposits are told once, by the flux's own e-mail when it ends (the routing that
    follows tells its own events)."""
    settings.FLUX_CHUNK_SIZE = 2
    flux = integrated(personas, json_flux(personas.acme.identifier, 7))

    assert flux.integrated_count == 7
    assert list(OutgoingEmail.objects.values_list("key", flat=True)) == [
        f"flux-done:{flux.pk}:{personas.supplier_member.pk}"
    ]


def test_a_member_without_the_right_to_deposit_cannot_send_a_flux(personas):
    with pytest.raises(services.FluxError):
        receive(personas, json_flux(personas.acme.identifier, 1), user=personas.outsider)
    assert not Flux.objects.exists()


def test_a_file_that_is_no_flux_is_refused_at_the_door(personas):
    with pytest.raises(services.FluxError) as refused:
        receive(personas, b"%PDF-1.7 not a flux", "f.pdf")
    assert refused.value.http_status == 415
    assert not Flux.objects.exists()


def test_a_bug_met_on_one_invoice_rejects_it_alone_and_the_flux_ends(personas, monkeypatch):
    from flux import judging

    real = judging.judge_json

    def judge_json(*, user, flux, raw):  # type: ignore[no-untyped-def]
        if raw["number"] == "F-0001":
            raise RuntimeError("a bug")
        return real(user=user, flux=flux, raw=raw)

    monkeypatch.setattr(judging, "judge_json", judge_json)

    flux = integrated(personas, json_flux(personas.acme.identifier, 3))

    assert (flux.status, flux.integrated_count, flux.rejected_count) == (Flux.Status.PARTIEL, 2, 1)
    assert "Erreur interne" in flux.items.get(position=2).errors[0]["message"]


def test_a_flux_invoice_gets_the_errors_a_single_api_deposit_gets(personas):
    """The same bad invoice, in a flux and posted alone: the same rules, fields and messages."""
    siret = personas.acme.identifier
    bad = [
        json_invoice(siret, "S-1", service_code="INCONNU"),
        json_invoice(siret, "S-2", recipient_siret="73282932000074"),
        json_invoice(siret, "S-3", iban="FR0030006000011234567890189"),
        json_invoice(siret, "S-4", issue_date="2099-01-01"),
    ]
    flux = receive(personas, json.dumps(bad).encode())
    alone = []
    for raw in bad:
        prepared = judge_json(user=personas.supplier_member, flux=flux, raw=raw)
        deposit = prepared.deposit
        try:  # the single deposit, step by step (none of the batch's code)
            with transaction.atomic():
                draft = invoice_services.invoice_save_draft(
                    user=personas.supplier_member, supplier=personas.acme, data=deposit.data,
                    lines=deposit.lines, deposit_mode=deposit.deposit_mode,
                )  # fmt: skip
                invoice_services.invoice_deposit(user=personas.supplier_member, invoice=draft)
        except invoice_services.InvoiceError as exc:
            alone.append(exc.errors)

    flux = services.flux_integrate(flux_id=flux.pk)

    items = list(flux.items.order_by("position"))
    assert [item.errors for item in items] == [_service_errors(errors) for errors in alone]
    assert all(item.errors for item in items) and len(alone) == len(bad)


def test_a_bug_met_in_the_batch_has_the_chunk_redone_one_at_a_time(personas, monkeypatch):
    from invoices.services import batch

    real = batch._judge_typed

    def judge(user, supplier, deposit, facts):  # type: ignore[no-untyped-def]
        if deposit.data.number == "F-0001":
            raise RuntimeError("a bug")
        return real(user, supplier, deposit, facts)

    monkeypatch.setattr(batch, "_judge_typed", judge)

    flux = integrated(personas, json_flux(personas.acme.identifier, 3))

    assert (flux.status, flux.integrated_count, flux.rejected_count) == (Flux.Status.PARTIEL, 2, 1)
    assert "Erreur interne" in flux.items.get(position=2).errors[0]["message"]
    assert Invoice.objects.filter(supplier=personas.acme).count() == 2


def test_a_whole_flux_is_routed_in_one_batch_so_its_readers_get_one_digest_per_event(
    personas, settings
):
    """A routing batch holds as many invoices as a flux may carry (INVOICE_ROUTING_BATCH_SIZE
    ≥ FLUX_MAX_INVOICES, by default): the batch the flux wakes takes it whole, and Acme's two
    users each get one e-mail per status reached, not one per batch."""
    assert settings.INVOICE_ROUTING_BATCH_SIZE >= settings.FLUX_MAX_INVOICES
    count = 30
    settings.FLUX_MAX_INVOICES = count  # the same relation, at a test's size
    settings.INVOICE_ROUTING_BATCH_SIZE = count
    flux = integrated(personas, json_flux(personas.acme.identifier, count))
    OutgoingEmail.objects.all().delete()  # the flux's own e-mail

    batch = invoice_services.invoices_route_batch()

    assert flux.integrated_count == len(batch.reached) == count
    assert set(batch.reached.values()) == {Status.MISE_A_DISPOSITION}
    to_suppliers = OutgoingEmail.objects.exclude(to="agent@etat.test")
    assert sorted(to_suppliers.values_list("to", flat=True)) == [
        "member@acme.test",
        "member@acme.test",
        "principal@acme.test",
        "principal@acme.test",
    ]
    assert all(
        subject.startswith(f"{count} factures")
        for subject in to_suppliers.values_list("subject", flat=True)
    )


def test_a_flux_wakes_the_routing_once_when_it_ends_not_at_each_chunk(
    personas, settings, monkeypatch, django_capture_on_commit_callbacks
):
    """Its chunks send nothing (the routing batch enqueues their renderings); the flux's end,
    once committed, sends the one wake: the routing then finds the flux whole."""
    from invoices import tasks

    settings.FLUX_CHUNK_SIZE = 3
    sent: list[tuple[str, tuple]] = []
    for name in ("after_deposits", "route_batch"):
        monkeypatch.setattr(
            getattr(tasks, name),
            "apply_async",
            lambda args=(), _n=name, **k: sent.append((_n, tuple(args or ()))),
        )
    flux = receive(personas, json_flux(personas.acme.identifier, 8))
    with django_capture_on_commit_callbacks(execute=True):
        services.flux_integrate(flux_id=flux.pk)

    assert [name for name, _ in sent] == ["route_batch"]  # sent with the flux's end
    assert not Invoice.objects.exclude(status=Status.DEPOSEE).filter(supplier=personas.acme)
