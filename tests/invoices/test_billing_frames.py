"""Billing frames with behaviour: A2 (already paid) has no payment step; A9 / A12 name a titular
company (mandatary) that validates the invoice before it is routed; a recipient accepts some
frames only. Personas: Acme (supplier) sub-contracts for Globex (the outsider's company)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from chorus.models import OutgoingEmail
from dashboards.interest import current_rates
from dashboards.selectors import late_invoices
from invoices import integrity, selectors, services
from invoices.models import AcceptedFrames, Invoice
from invoices.services import InvoiceAccessDenied, InvoiceError, InvoiceStateError
from invoices.workflow import Status, agent_targets, reform_code
from structures.models import Membership
from tests.factories import MembershipFactory, StructureFactory, UserFactory
from tests.invoices.factories import deposited, draft, entry_form, errors_of, invoice_in

pytestmark = pytest.mark.django_db


def _steps(invoice: Invoice) -> list[tuple[str, str]]:
    return [(c.from_status, c.to_status) for c in invoice.history.order_by("id")]


def _route(invoice: Invoice) -> Invoice:
    services.invoices_route_batch(invoice_ids=[invoice.pk])
    invoice.refresh_from_db()
    return invoice


def _a9(personas, **overrides) -> Invoice:  # type: ignore[no-untyped-def]
    """An A9 invoice of Acme naming Globex, routed into A_VALIDER_1."""
    values = {"billing_frame": "A9", "validator_siret": personas.globex.identifier, **overrides}
    return _route(deposited(personas, **values))


# --- A2: no payment step -------------------------------------------------------------------------
def test_an_a2_invoice_accounted_offers_no_payment_to_the_agent(personas):
    paid = invoice_in(personas, Status.COMPTABILISEE, billing_frame="A2")
    usual = invoice_in(personas, Status.COMPTABILISEE)
    assert agent_targets(paid) == ()
    assert agent_targets(usual) == (Status.MISE_EN_PAIEMENT,)
    available = invoice_in(personas, Status.MISE_A_DISPOSITION, billing_frame="A2")
    assert Status.MISE_EN_PAIEMENT not in agent_targets(available)
    assert Status.COMPTABILISEE in agent_targets(available)


def test_the_service_refuses_to_put_an_a2_invoice_in_payment(personas):
    invoice = invoice_in(personas, Status.COMPTABILISEE, billing_frame="A2")
    with pytest.raises(InvoiceStateError):
        services.invoice_process(
            user=personas.agent, invoice=invoice, target=Status.MISE_EN_PAIEMENT
        )
    invoice.refresh_from_db()
    assert invoice.status == Status.COMPTABILISEE
    assert not invoice.history.exists()


def test_the_payment_simulation_leaves_an_a2_invoice_accounted(personas):
    long_ago = timezone.now() - timedelta(days=1)
    paid = invoice_in(
        personas, Status.COMPTABILISEE, billing_frame="A2", status_changed_at=long_ago
    )
    usual = invoice_in(personas, Status.COMPTABILISEE, status_changed_at=long_ago)
    due = selectors.due_for_payment(older_than=timedelta(seconds=1))
    assert list(due.values_list("pk", flat=True)) == [usual.pk]
    assert services.invoice_pay_due(invoice_id=paid.pk) is False
    paid.refresh_from_db()
    assert paid.status == Status.COMPTABILISEE


def test_an_a2_invoice_owes_no_late_payment_interest(personas):
    long_ago = timezone.now() - timedelta(days=90)
    invoice_in(personas, Status.COMPTABILISEE, billing_frame="A2", deposited_at=long_ago)
    usual = invoice_in(personas, Status.COMPTABILISEE, deposited_at=long_ago)
    late = late_invoices(
        personas.supplier_principal, today=timezone.localdate(), rates=current_rates()
    )
    assert [i.pk for i in late.invoices] == [usual.pk]


def test_an_a2_invoice_is_shown_already_paid_on_lists_and_detail_pages(personas, client):
    invoice = invoice_in(personas, Status.COMPTABILISEE, billing_frame="A2", number="F-A2")
    client.force_login(personas.supplier_principal)
    for url in (reverse("invoices:sent"), reverse("invoices:detail", args=[invoice.pk])):
        assert "déjà payée" in client.get(url).content.decode(), url
    client.force_login(personas.agent)
    received = client.get(reverse("invoices:received")).content.decode()
    detail = client.get(reverse("invoices:received_detail", args=[invoice.pk])).content.decode()
    assert "déjà payée" in received and "déjà payée" in detail
    assert "Enregistrer la décision" not in detail  # nothing left to decide
    assert "Délai légal de paiement" not in detail


# --- A9 / A12: what the deposit checks ----------------------------------------------------------
@pytest.mark.parametrize(
    ("frame", "validator", "message"),
    [
        ("A9", "", "demande le SIRET de l'entreprise qui valide"),
        ("A12", "", "demande le SIRET de l'entreprise qui valide"),
        ("A9", "99999999999999", "Aucune structure n'est enregistrée sous ce SIRET"),
        ("A9", "acme", "ne peut pas être votre propre structure"),
        ("A9", "state", "structure publique"),
        ("A1", "globex", "laissez ce SIRET vide"),
    ],
)
def test_the_validator_is_required_for_a9_a12_and_refused_for_other_frames(
    personas, frame, validator, message
):
    siret = {
        "acme": personas.acme.identifier,
        "globex": personas.globex.identifier,
        "state": personas.state.identifier,
    }.get(validator, validator)
    invoice = draft(personas, billing_frame=frame, validator_siret=siret)
    with pytest.raises(InvoiceError) as refused:
        services.invoice_deposit(user=personas.supplier_principal, invoice=invoice)
    assert list(refused.value.errors) == ["validator_siret"]
    assert message in refused.value.errors["validator_siret"][0]
    invoice.refresh_from_db()
    assert invoice.status == Status.BROUILLON


def test_the_entry_form_takes_the_validator_and_says_what_is_wrong(personas, client):
    client.force_login(personas.supplier_principal)
    page = client.post(reverse("invoices:create"), entry_form(personas, billing_frame="A12"))
    assert page.status_code == 200
    assert "demande le SIRET" in errors_of(page.content.decode())["validator_siret"]
    assert not Invoice.objects.exclude(status=Status.BROUILLON).exists()
    done = client.post(
        reverse("invoices:create"),
        entry_form(personas, billing_frame="A12", validator_siret=personas.globex.identifier),
    )
    assert done.status_code == 302
    invoice = Invoice.objects.get(number="W-1")
    assert (invoice.status, invoice.validator) == (Status.DEPOSEE, personas.globex)


# --- A9 / A12: the validation step --------------------------------------------------------------
def test_the_routing_puts_an_a9_invoice_to_validation_with_a_due_date_and_an_e_mail(
    personas, settings
):
    settings.INVOICE_VALIDATION_DAYS = 15
    before = timezone.now()
    invoice = _a9(personas)
    assert invoice.status == Status.A_VALIDER_1
    assert invoice.made_available_at is None
    assert before + timedelta(days=15) <= invoice.validation_due_at
    assert invoice.validation_due_at <= timezone.now() + timedelta(days=15)
    assert _steps(invoice)[-2:] == [
        (Status.DEPOSEE, Status.EN_COURS_ACHEMINEMENT),
        (Status.EN_COURS_ACHEMINEMENT, Status.A_VALIDER_1),
    ]
    asked = OutgoingEmail.objects.filter(key__startswith=f"invoice-validators:{invoice.pk}:")
    assert [e.to for e in asked] == [personas.outsider.email]
    assert "à valider" in asked.get().subject
    assert integrity.chain_problems(invoice.history.order_by("id")) == []
    # The recipient does not see it yet.
    assert not selectors.received_invoices_for(personas.agent).filter(pk=invoice.pk).exists()


def test_a_validated_invoice_is_routed_to_the_recipient_as_usual(personas):
    invoice = _a9(personas)
    services.invoice_validate(
        user=personas.outsider, invoice=invoice, expected_status=Status.A_VALIDER_1
    )
    invoice.refresh_from_db()
    assert invoice.status == Status.EN_COURS_ACHEMINEMENT
    invoice = _route(invoice)
    assert invoice.status == Status.MISE_A_DISPOSITION
    assert _steps(invoice)[-4:] == [
        (Status.EN_COURS_ACHEMINEMENT, Status.A_VALIDER_1),
        (Status.A_VALIDER_1, Status.VALIDEE_1),
        (Status.VALIDEE_1, Status.EN_COURS_ACHEMINEMENT),
        (Status.EN_COURS_ACHEMINEMENT, Status.MISE_A_DISPOSITION),
    ]
    validated = invoice.history.get(to_status=Status.VALIDEE_1)
    assert validated.actor == personas.outsider
    assert integrity.chain_problems(invoice.history.order_by("id")) == []


def test_a_refusal_needs_a_reason_and_ends_the_invoice(personas):
    invoice = _a9(personas)
    with pytest.raises(InvoiceError) as refused:
        services.invoice_refuse_validation(user=personas.outsider, invoice=invoice, comment=" ")
    assert list(refused.value.errors) == ["comment"]
    services.invoice_refuse_validation(
        user=personas.outsider, invoice=invoice, comment="Prestation non réalisée en mars."
    )
    invoice.refresh_from_db()
    assert invoice.status == Status.REFUSEE_1
    assert invoice.reform_code == 213
    change = invoice.history.order_by("-id").first()
    assert (change.actor, change.comment) == (personas.outsider, "Prestation non réalisée en mars.")
    told = OutgoingEmail.objects.filter(key__startswith=f"invoice-status:{change.pk}:")
    assert {e.to for e in told} == {personas.supplier_principal.email, "member@acme.test"}
    assert all("Prestation non réalisée en mars." in e.body for e in told)
    with pytest.raises(InvoiceStateError):
        services.invoice_validate(user=personas.outsider, invoice=invoice)


@pytest.mark.parametrize("persona", ["supplier_principal", "agent", "other_agent", "admin"])
def test_only_the_validator_s_members_decide(personas, persona):
    invoice = _a9(personas)
    with pytest.raises(InvoiceAccessDenied):
        services.invoice_validate(user=getattr(personas, persona), invoice=invoice)
    with pytest.raises(InvoiceAccessDenied):
        services.invoice_refuse_validation(
            user=getattr(personas, persona), invoice=invoice, comment="Non."
        )
    invoice.refresh_from_db()
    assert invoice.status == Status.A_VALIDER_1


def test_a_consultation_only_member_of_the_validator_sees_but_does_not_decide(personas, client):
    reader = UserFactory(email="reader@globex.test")
    MembershipFactory(user=reader, structure=personas.globex, can_modify=False)
    invoice = _a9(personas)
    with pytest.raises(InvoiceAccessDenied):
        services.invoice_validate(user=reader, invoice=invoice)
    client.force_login(reader)
    page = client.get(reverse("invoices:to_validate_detail", args=[invoice.pk]))
    assert page.status_code == 200
    assert "Valider la facture" not in page.content.decode()


def test_past_the_due_date_the_sweep_validates_tacitly_and_routes_on(personas):
    invoice = _a9(personas)
    waiting = _a9(personas)
    Invoice.objects.filter(pk=invoice.pk).update(
        validation_due_at=timezone.now() - timedelta(minutes=1)
    )
    assert services.invoices_sweep_validations() == 1
    invoice = _route(invoice)
    assert invoice.status == Status.MISE_A_DISPOSITION
    assert (Status.A_VALIDER_1, Status.ABSENCE_VALIDATION_1_HORS_DELAI) in _steps(invoice)
    lapse = invoice.history.get(to_status=Status.ABSENCE_VALIDATION_1_HORS_DELAI)
    assert (lapse.actor, lapse.actor_system) == (None, "validation")
    waiting.refresh_from_db()
    assert waiting.status == Status.A_VALIDER_1
    assert services.invoices_sweep_validations() == 0


def test_the_supplier_names_another_validator_while_it_waits(personas):
    initech = StructureFactory(name="Initech")
    boss = UserFactory(email="boss@initech.test")
    MembershipFactory(user=boss, structure=initech, role=Membership.Role.PRINCIPAL)
    invoice = _a9(personas)
    Invoice.objects.filter(pk=invoice.pk).update(
        validation_due_at=timezone.now() + timedelta(days=1)
    )
    with pytest.raises(InvoiceAccessDenied):
        services.invoice_change_validator(
            user=personas.outsider, invoice=invoice, validator_siret=initech.identifier
        )
    with pytest.raises(InvoiceError) as same:
        services.invoice_change_validator(
            user=personas.supplier_principal,
            invoice=invoice,
            validator_siret=personas.globex.identifier,
        )
    assert "déjà le valideur" in same.value.errors["validator_siret"][0]
    services.invoice_change_validator(
        user=personas.supplier_principal, invoice=invoice, validator_siret=initech.identifier
    )
    invoice.refresh_from_db()
    assert (invoice.status, invoice.validator) == (Status.A_VALIDER_1, initech)
    assert invoice.validation_due_at > timezone.now() + timedelta(days=14)
    change = invoice.history.order_by("-id").first()
    assert (change.from_status, change.to_status) == (Status.A_VALIDER_1, Status.A_VALIDER_1)
    assert "Initech" in change.comment
    asked = OutgoingEmail.objects.filter(key__startswith=f"invoice-validators:{invoice.pk}:")
    assert boss.email in {e.to for e in asked}
    # Globex no longer decides; Initech does.
    with pytest.raises(InvoiceAccessDenied):
        services.invoice_validate(user=personas.outsider, invoice=invoice)
    services.invoice_validate(user=boss, invoice=invoice)
    with pytest.raises(InvoiceStateError):
        services.invoice_change_validator(
            user=personas.supplier_principal,
            invoice=invoice,
            validator_siret=personas.globex.identifier,
        )


def test_the_reform_codes_of_the_validation_statuses():
    assert reform_code(Status.A_VALIDER_1) == 202
    assert reform_code(Status.VALIDEE_1) == 202
    assert reform_code(Status.ABSENCE_VALIDATION_1_HORS_DELAI) == 202
    assert reform_code(Status.REFUSEE_1) == 213


# --- the validator's pages ----------------------------------------------------------------------
def test_the_validator_s_page_lists_and_decides_only_its_own(personas, client):
    invoice = _a9(personas, number="F-SOUS")
    other = StructureFactory(name="Hooli")
    elsewhere = _a9(personas, number="F-AILLEURS", validator_siret=other.identifier)
    client.force_login(personas.outsider)
    listing = client.get(reverse("invoices:to_validate")).content.decode()
    assert "F-SOUS" in listing and "F-AILLEURS" not in listing
    assert (
        client.get(reverse("invoices:to_validate_detail", args=[elsewhere.pk])).status_code == 404
    )
    empty = client.post(
        reverse("invoices:to_validate_detail", args=[invoice.pk]),
        {"action": "refuse", "comment": "", "expected_status": Status.A_VALIDER_1},
    )
    assert empty.status_code == 400
    assert "comment" in errors_of(empty.content.decode())
    done = client.post(
        reverse("invoices:to_validate_detail", args=[invoice.pk]),
        {"action": "validate", "expected_status": Status.A_VALIDER_1},
    )
    assert done.status_code == 302
    invoice.refresh_from_db()
    assert invoice.status == Status.EN_COURS_ACHEMINEMENT
    again = client.post(
        reverse("invoices:to_validate_detail", args=[invoice.pk]),
        {"action": "validate", "expected_status": Status.A_VALIDER_1},
        follow=True,
    )
    assert "déjà été traitée" in again.content.decode()
    for persona in ("supplier_principal", "agent", "other_agent"):
        client.force_login(getattr(personas, persona))
        url = reverse("invoices:to_validate_detail", args=[invoice.pk])
        assert client.get(url).status_code == 404, persona
        assert "F-SOUS" not in client.get(reverse("invoices:to_validate")).content.decode()


def test_the_supplier_changes_the_validator_from_the_invoice_s_page(personas, client):
    initech = StructureFactory(name="Initech")
    invoice = _a9(personas)
    client.force_login(personas.supplier_principal)
    page = client.get(reverse("invoices:detail", args=[invoice.pk])).content.decode()
    assert "Changer de valideur" in page and "Globex" in page
    wrong = client.post(
        reverse("invoices:change_validator", args=[invoice.pk]),
        {"validator_siret": personas.acme.identifier},
    )
    assert wrong.status_code == 400
    assert "votre propre structure" in errors_of(wrong.content.decode())["validator_siret"]
    done = client.post(
        reverse("invoices:change_validator", args=[invoice.pk]),
        {"validator_siret": initech.identifier},
    )
    assert done.status_code == 302
    invoice.refresh_from_db()
    assert invoice.validator == initech


# --- the frames a recipient accepts ---------------------------------------------------------------
def test_a_recipient_accepts_all_frames_until_it_chooses(personas, client):
    client.force_login(personas.supplier_principal)
    url = reverse("invoices:recipient_services") + f"?siret={personas.state.identifier}"
    assert [f["code"] for f in client.get(url).json()["frames"]] == [
        "A1", "A2", "A3", "A4", "A5", "A9", "A12"
    ]  # fmt: skip
    AcceptedFrames.objects.create(structure=personas.state, frames=["A1", "A9"])
    assert [f["code"] for f in client.get(url).json()["frames"]] == ["A1", "A9"]
    page = client.get(reverse("invoices:create")).content.decode()
    assert 'value="A1"' in page and 'value="A9"' in page and 'value="A2"' not in page


def test_a_frame_the_recipient_does_not_accept_is_refused_in_french(personas, client):
    AcceptedFrames.objects.create(structure=personas.state, frames=["A1"])
    invoice = draft(personas, billing_frame="A2")
    with pytest.raises(InvoiceError) as refused:
        services.invoice_deposit(user=personas.supplier_principal, invoice=invoice)
    (message,) = refused.value.errors["billing_frame"]
    assert "n'accepte pas le cadre de facturation A2" in message
    assert "Cadres acceptés : A1." in message
    client.force_login(personas.supplier_principal)
    page = client.post(reverse("invoices:create"), entry_form(personas, billing_frame="A2"))
    assert "n'accepte pas" in errors_of(page.content.decode())["billing_frame"]
    assert not Invoice.objects.filter(number="W-1").exists()


# --- the API -----------------------------------------------------------------------------------
def _api(client, user, method, url, body=None):  # type: ignore[no-untyped-def]
    from tests.api.conftest import token_for

    auth = {"HTTP_AUTHORIZATION": f"Token {token_for(user)}"}
    if method == "get":
        return client.get(url, **auth)
    return client.post(url, json.dumps(body or {}), content_type="application/json", **auth)


def test_the_api_refuses_an_unaccepted_frame_and_a_missing_validator_as_structured_json(
    personas, client
):
    AcceptedFrames.objects.create(structure=personas.state, frames=["A1", "A9"])
    body = {
        "supplier_siret": personas.acme.identifier,
        "number": "API-1",
        "issue_date": timezone.localdate().isoformat(),
        "recipient_siret": personas.state.identifier,
        "service_code": "FACTURES_PUBLIQUES",
        "iban": "FR7630006000011234567890189",
        "lines": [
            {"description": "Conseil", "quantity": "1", "unit_price": "10", "vat_rate": "20"}
        ],
    }
    url = reverse("api:invoice-list")
    refused = _api(
        client, personas.supplier_principal, "post", url, {**body, "billing_frame": "A2"}
    )
    assert refused.status_code == 400, refused.content
    assert "n'accepte pas" in json.dumps(refused.json(), ensure_ascii=False)
    missing = _api(
        client, personas.supplier_principal, "post", url, {**body, "billing_frame": "A9"}
    )
    assert missing.status_code == 400
    assert "validator_siret" in json.dumps(missing.json())
    assert not Invoice.objects.filter(number="API-1").exclude(status=Status.BROUILLON).exists()


def test_the_api_lets_the_validator_decide_and_the_supplier_change_it(personas, client):
    invoice = _a9(personas)
    url = reverse("api:invoice-validation", args=[invoice.pk])
    assert _api(client, personas.agent, "post", url, {"decision": "validate"}).status_code == 404
    listed = _api(
        client, personas.outsider, "get", reverse("api:invoice-list") + "?direction=to_validate"
    )
    assert [row["id"] for row in listed.json()["results"]] == [invoice.pk]
    assert listed.json()["results"][0]["status"] == Status.A_VALIDER_1
    no_reason = _api(client, personas.outsider, "post", url, {"decision": "refuse"})
    assert no_reason.status_code == 400
    assert "comment" in json.dumps(no_reason.json())
    changed = _api(
        client,
        personas.supplier_principal,
        "post",
        reverse("api:invoice-validator", args=[invoice.pk]),
        {"validator_siret": personas.acme.identifier},
    )
    assert changed.status_code == 400
    done = _api(client, personas.outsider, "post", url, {"decision": "validate"})
    assert done.status_code == 200, done.content
    assert done.json()["status"] == Status.EN_COURS_ACHEMINEMENT
    assert done.json()["validator_siret"] == personas.globex.identifier
    again = _api(client, personas.outsider, "post", url, {"decision": "validate"})
    assert again.status_code == 409


def test_a_structured_upload_in_a_frame_the_recipient_refuses_is_a_structured_json_error(
    personas, client
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.api.conftest import token_for
    from tests.invoices.structured_files import cii_to_the_state

    AcceptedFrames.objects.create(structure=personas.state, frames=["A2"])
    content = cii_to_the_state(seller_siret=personas.acme.siret)  # no BT-23: frame A1
    response = client.post(
        reverse("api:invoice-upload"),
        {
            "supplier_siret": personas.acme.siret,
            "file": SimpleUploadedFile("facture.xml", content, "application/xml"),
        },
        HTTP_AUTHORIZATION=f"Token {token_for(personas.supplier_member)}",
    )
    assert response.status_code == 400, response.content
    (message,) = response.json()["errors"]["billing_frame"]
    assert "n'accepte pas le cadre de facturation A1" in message
    assert not Invoice.objects.exists()


def test_a_validation_request_reaches_digest_readers_but_not_those_who_want_nothing(personas):
    from structures.models import Frequency, NoticePreference

    weekly = UserFactory(email="weekly@globex.test")
    silent = UserFactory(email="silent@globex.test")
    for user, frequency in ((weekly, Frequency.WEEKLY), (silent, Frequency.NONE)):
        membership = MembershipFactory(user=user, structure=personas.globex)
        NoticePreference.objects.create(membership=membership, invoices=frequency)
    invoice = _a9(personas)
    asked = OutgoingEmail.objects.filter(key__startswith=f"invoice-validators:{invoice.pk}:")
    assert {e.to for e in asked} == {personas.outsider.email, weekly.email}


def test_the_supplier_reads_the_validator_s_refusal_on_the_invoice_s_page(personas, client):
    invoice = _a9(personas)
    services.invoice_refuse_validation(
        user=personas.outsider, invoice=invoice, comment="Montant hors du sous-traité."
    )
    client.force_login(personas.supplier_member)
    page = client.get(reverse("invoices:detail", args=[invoice.pk])).content.decode()
    assert "fr-alert--error" in page and "Montant hors du sous-traité." in page
    assert "Changer de valideur" not in page  # only while it waits


def test_a_bulk_payment_skips_the_a2_invoices_one_by_one_with_the_reason(personas):
    """Bulk decisions ask the frame too: an A2 invoice among accounted ones is refused, alone."""
    from invoices.bulk import services as bulk
    from invoices.bulk.models import BulkDecision, BulkDecisionItem

    accounted = [invoice_in(personas, Status.COMPTABILISEE) for _ in range(2)]
    paid = invoice_in(personas, Status.COMPTABILISEE, billing_frame="A2")
    done = bulk.bulk_decision_submit(
        user=personas.agent,
        invoice_ids=[accounted[0].pk, paid.pk, accounted[1].pk],
        target=Status.MISE_EN_PAIEMENT,
    )
    assert done.state == BulkDecision.State.DONE
    statuses = [Invoice.objects.get(pk=i.pk).status for i in (*accounted, paid)]
    assert statuses == [Status.MISE_EN_PAIEMENT] * 2 + [Status.COMPTABILISEE]
    results = list(done.items.order_by("position").values_list("result", "message"))
    Result = BulkDecisionItem.Result
    assert [r for r, _m in results] == [Result.DONE, Result.REFUSED, Result.DONE]
    assert results[1][1] == (
        "Facture du cadre A2, déjà payée : elle n'a pas d'étape « Mise en paiement »."
    )
    assert not paid.history.filter(to_status=Status.MISE_EN_PAIEMENT).exists()


def test_a_validator_whose_establishment_closed_is_refused(personas):
    """SIRENE says the titular company's establishment closed: no one would validate there."""
    personas.globex.is_closed = True
    personas.globex.save(update_fields=["is_closed"])
    invoice = draft(personas, billing_frame="A9", validator_siret=personas.globex.identifier)
    with pytest.raises(InvoiceError) as refused:
        services.invoice_deposit(user=personas.supplier_principal, invoice=invoice)
    assert list(refused.value.errors) == ["validator_siret"]
    assert "est fermé selon le répertoire SIRENE" in refused.value.errors["validator_siret"][0]
    invoice.refresh_from_db()
    assert invoice.status == Status.BROUILLON


def test_a_duplicated_a9_invoice_keeps_its_validator_and_is_routed_to_validation(personas):
    """Duplicating (drafts) copies the titular company too: the copy deposits as it is."""
    source = _a9(personas)
    copy = services.invoice_duplicate(
        user=personas.supplier_principal, invoice=source, number="F-A9-COPIE"
    )
    assert (copy.billing_frame, copy.validator_siret, copy.validator) == (
        "A9",
        personas.globex.identifier,
        personas.globex,
    )
    copy = services.invoice_deposit(user=personas.supplier_principal, invoice=copy)
    assert _route(copy).status == Status.A_VALIDER_1
