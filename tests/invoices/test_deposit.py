"""Drafts and deposits: each check of the deposit, the certificate, and the DOUBLON rule."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.storage import default_storage
from pypdf import PdfReader

from invoices import services
from invoices.models import Attachment, Invoice, StatusChange
from invoices.services import InvoiceError
from invoices.workflow import Status
from structures.models import Membership
from tests.factories import (
    MembershipFactory,
    PublicStructureFactory,
    ServiceFactory,
    StructureFactory,
    UserFactory,
)
from tests.invoices.factories import deposited, draft, header, line, rendered, today

pytestmark = pytest.mark.django_db


def _deposit_errors(personas, invoice, user=None) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    with pytest.raises(InvoiceError) as caught:
        services.invoice_deposit(user=user or personas.supplier_principal, invoice=invoice)
    invoice.refresh_from_db()
    assert invoice.status == Status.BROUILLON
    assert not invoice.attachments.exists()
    assert not invoice.history.filter(to_status=Status.DEPOSEE).exists()
    return caught.value.errors


# --- drafts ------------------------------------------------------------------------------------
def test_a_draft_may_be_incomplete(personas):
    invoice = draft(personas, number="", issue_date=None, recipient_siret="", lines=[])
    assert invoice.status == Status.BROUILLON
    assert invoice.recipient is None
    assert [c.to_status for c in invoice.history.all()] == [Status.BROUILLON]


def test_a_draft_stores_its_lines_and_totals_computed_by_the_server(personas):
    invoice = draft(
        personas,
        lines=[
            line(quantity=Decimal("3"), unit_price=Decimal("0.335"), vat_rate=Decimal("20")),
            line(quantity=Decimal("1"), unit_price=Decimal("100"), vat_rate=Decimal("5.5")),
        ],
    )
    assert [li.net_amount for li in invoice.lines.all()] == [Decimal("1.01"), Decimal("100.00")]
    assert (invoice.total_excl_tax, invoice.total_vat, invoice.total_incl_tax) == (
        Decimal("101.01"),
        Decimal("5.70"),  # 0.20 + 5.50
        Decimal("106.71"),
    )


def test_saving_a_draft_again_replaces_its_lines(personas):
    invoice = draft(personas, lines=[line(), line()])
    services.invoice_save_draft(
        user=personas.supplier_member,
        supplier=personas.acme,
        data=header(number="F-NEW"),
        lines=[line(description="Seule ligne")],
        invoice=invoice,
    )
    invoice.refresh_from_db()
    assert invoice.number == "F-NEW"
    assert [li.description for li in invoice.lines.all()] == ["Seule ligne"]


@pytest.mark.parametrize("who", ["pending_requester", "outsider"])
def test_only_members_who_may_modify_save_drafts(personas, who):
    with pytest.raises(InvoiceError) as caught:
        draft(personas, user=getattr(personas, who))
    assert "supplier" in caught.value.errors
    assert not Invoice.objects.exists()


def test_a_value_too_long_for_its_field_is_refused_next_to_the_field(personas):
    with pytest.raises(InvoiceError) as caught:
        draft(personas, number="N" * 21, engagement_number="E" * 51)
    assert set(caught.value.errors) == {"number", "engagement_number"}


# --- deposit -----------------------------------------------------------------------------------
def test_deposit_moves_the_draft_to_deposee_with_history_and_documents(personas):
    invoice = deposited(personas)
    assert invoice.status == Status.DEPOSEE
    assert invoice.deposited_at is not None
    change = invoice.history.get(to_status=Status.DEPOSEE)
    assert (change.from_status, change.actor) == (Status.BROUILLON, personas.supplier_principal)
    kinds = sorted(invoice.attachments.values_list("kind", flat=True))
    # A typed invoice is deposited as its CII; its certificate and Factur-X PDF come right after,
    # from tasks.
    assert kinds == [Attachment.Kind.GENERATED_XML]
    for attachment in invoice.attachments.all():
        content = default_storage.open(attachment.file.name).read()
        assert hashlib.sha256(content).hexdigest() == attachment.sha256
        assert len(content) == attachment.size
        assert attachment.status_change == change


def test_the_deposit_renders_no_pdf_and_leaves_the_certificate_to_the_routings_follow_up(
    personas, django_capture_on_commit_callbacks, monkeypatch
):
    from invoices import pdf, tasks

    def no_pdf_here(*args: object, **kwargs: object) -> bytes:
        raise AssertionError("a PDF was rendered inside the deposit")

    monkeypatch.setattr(pdf, "render_certificate_pdf", no_pdf_here)
    asked: list[tuple[str, tuple]] = []
    for name in ("route_batch", "after_routing", "render_certificate", "notify_status_change"):
        monkeypatch.setattr(
            getattr(tasks, name),
            "apply_async",
            lambda a=(), _n=name, **k: asked.append((_n, tuple(a))),
        )
    with django_capture_on_commit_callbacks(execute=True):
        invoice = deposited(personas)
    assert [name for name, _args in asked] == ["notify_status_change", "route_batch"]
    assert not invoice.attachments.filter(kind=Attachment.Kind.CERTIFICATE).exists()
    assert len(invoice.deposit_sha256) == 64  # the digest needs no PDF

    with django_capture_on_commit_callbacks(execute=True):
        tasks.route_batch()  # the batch that claims the deposit asks for its renderings
    [(_keys, deposits)] = [args for name, args in asked if name == "after_routing"]
    assert deposits == [invoice.pk]
    missing = services.deposits_renderings(invoice_ids=deposits)
    assert missing.certificates == [invoice.history.get(to_status=Status.DEPOSEE).pk]


def test_the_certificate_task_renders_once_and_a_download_finds_it(personas):
    from invoices import tasks

    invoice = deposited(personas)
    deposit = invoice.history.get(to_status=Status.DEPOSEE)
    first = tasks.render_certificate(deposit.pk)
    assert tasks.render_certificate(deposit.pk) == first  # delivered twice: one file
    assert services.invoice_certificate(invoice).pk == first
    assert invoice.attachments.filter(kind=Attachment.Kind.CERTIFICATE).count() == 1


def test_the_certificate_states_the_time_and_the_hash_of_what_was_deposited(personas):
    invoice = deposited(personas)
    rendering = invoice.attachments.get(kind=Attachment.Kind.GENERATED_XML)
    manifest = f"{rendering.sha256}  {rendering.original_name}\n"
    assert invoice.deposit_sha256 == hashlib.sha256(manifest.encode()).hexdigest()
    certificate = services.invoice_certificate(invoice)
    assert certificate.status_change == invoice.history.get(to_status=Status.DEPOSEE)
    reader = PdfReader(default_storage.open(certificate.file.name))
    text = "".join(page.extract_text() for page in reader.pages).replace("\n", "")
    assert invoice.deposit_sha256 in text
    assert rendering.sha256 in text
    assert invoice.number in text


def test_the_rendered_invoice_is_a_pdf_a_3b_factur_x(personas):
    rendering = rendered(deposited(personas))
    root = PdfReader(default_storage.open(rendering.file.name)).trailer["/Root"]
    metadata = root["/Metadata"].get_object().get_data()
    assert b"<pdfaid:part>3</pdfaid:part>" in metadata
    assert b"<pdfaid:conformance>B</pdfaid:conformance>" in metadata
    assert b"<fx:ConformanceLevel>EN 16931</fx:ConformanceLevel>" in metadata
    assert root["/OutputIntents"][0].get_object()["/DestOutputProfile"]


def test_a_deposited_invoice_cannot_be_deposited_or_edited_again(personas):
    invoice = deposited(personas)
    with pytest.raises(services.InvoiceStateError):
        services.invoice_deposit(user=personas.supplier_principal, invoice=invoice)
    with pytest.raises(services.InvoiceStateError):
        services.invoice_save_draft(
            user=personas.supplier_principal,
            supplier=personas.acme,
            data=header(),
            lines=[line()],
            invoice=invoice,
        )


def test_submit_saves_and_deposits_at_once_and_leaves_nothing_when_refused(personas):
    invoice = services.invoice_submit(
        user=personas.supplier_member, supplier=personas.acme, data=header(), lines=[line()]
    )
    assert invoice.status == Status.DEPOSEE
    with pytest.raises(InvoiceError):
        services.invoice_submit(
            user=personas.supplier_member,
            supplier=personas.acme,
            data=header(service_code="NOPE"),
            lines=[line()],
        )
    assert Invoice.objects.count() == 1


# --- each check, next to its field -------------------------------------------------------------
def _inactive_recipient_siret() -> str:
    return PublicStructureFactory(is_active=False).identifier


def _private_siret() -> str:
    return StructureFactory().identifier


def _public_without_services() -> str:
    return PublicStructureFactory(service_code_required=False).identifier


CASES = [
    ({"number": ""}, "number"),
    ({"issue_date": None}, "issue_date"),
    ({"issue_date": today() + timedelta(days=1)}, "issue_date"),
    ({"invoice_type": "AVOIR"}, "original_invoice_number"),
    ({"recipient_siret": ""}, "recipient_siret"),
    ({"recipient_siret": "40483304800022"}, "recipient_siret"),
    ({"recipient_siret": _private_siret}, "recipient_siret"),
    ({"recipient_siret": _inactive_recipient_siret}, "recipient_siret"),
    ({"service_code": "INCONNU"}, "service_code"),
    ({"service_code": ""}, "service_code"),
    ({"service_code": "SFACT_MIN_ECO"}, "engagement_number"),
    ({"vat_regime": "EXONERE"}, "vat_exemption_reason"),
    ({"vat_regime": "SANS_TVA"}, "vat_regime"),
    ({"iban": ""}, "iban"),
    ({"iban": "FR7630006000011234567890188"}, "iban"),
    ({"bic": "NOTABIC!"}, "bic"),
]


@pytest.mark.parametrize(
    ("overrides", "field"), CASES, ids=[f"{c[1]}-{i}" for i, c in enumerate(CASES)]
)
def test_each_deposit_check_is_reported_next_to_its_field(personas, overrides, field):
    values = {k: v() if callable(v) else v for k, v in overrides.items()}
    if values.get("recipient_siret") and values["recipient_siret"] != "40483304800022":
        values.setdefault("service_code", "")
    invoice = draft(personas, **values)
    errors = _deposit_errors(personas, invoice)
    assert field in errors, errors
    assert all(isinstance(m, str) and m for m in errors[field])


def test_an_inactive_service_is_refused(personas):
    personas.service.is_active = False
    personas.service.save()
    assert "service_code" in _deposit_errors(personas, draft(personas))


def test_a_service_of_another_recipient_is_refused(personas):
    other = ServiceFactory(code="AILLEURS")
    errors = _deposit_errors(personas, draft(personas, service_code=other.code))
    assert "service_code" in errors


def test_a_recipient_requiring_an_engagement_or_a_service_needs_one_of_them(personas):
    siret = PublicStructureFactory(engagement_or_service_required=True).identifier
    errors = _deposit_errors(personas, draft(personas, recipient_siret=siret, service_code=""))
    assert {"service_code", "engagement_number"} <= set(errors)
    ok = draft(personas, recipient_siret=siret, service_code="", engagement_number="EJ-7")
    assert services.invoice_deposit(user=personas.supplier_principal, invoice=ok).status == (
        Status.DEPOSEE
    )


def test_a_recipient_requiring_an_engagement_refuses_an_invoice_without_one(personas):
    personas.state.engagement_required = True
    personas.state.save()
    assert "engagement_number" in _deposit_errors(personas, draft(personas))


@pytest.mark.parametrize(
    ("bad_line", "field"),
    [
        ({"quantity": Decimal("0")}, "lines.0.quantity"),
        ({"unit_price": Decimal("-1")}, "lines.0.unit_price"),
        ({"discount": Decimal("1000")}, "lines.0.discount"),
        ({"vat_rate": Decimal("19.6")}, "lines.0.vat_rate"),
        ({"vat_rate": Decimal("7")}, "lines.0.vat_rate"),
    ],
)
def test_each_line_check_names_the_line_and_its_field(personas, bad_line, field):
    errors = _deposit_errors(personas, draft(personas, lines=[line(**bad_line)]))
    assert field in errors


def test_an_invoice_without_lines_is_refused(personas):
    assert "lines" in _deposit_errors(personas, draft(personas, lines=[]))


def test_an_exempt_invoice_with_a_reason_and_no_vat_is_accepted(personas):
    invoice = draft(
        personas,
        vat_regime="EXONERE",
        vat_exemption_reason="Article 261 du CGI",
        lines=[line(vat_rate=Decimal("0"))],
    )
    assert services.invoice_deposit(user=personas.supplier_principal, invoice=invoice).status == (
        Status.DEPOSEE
    )


def test_a_credit_note_with_its_original_number_is_accepted(personas):
    original = deposited(personas)
    invoice = draft(personas, invoice_type="AVOIR", original_invoice_number=original.number)
    assert services.invoice_deposit(user=personas.supplier_principal, invoice=invoice).status == (
        Status.DEPOSEE
    )


@pytest.mark.parametrize("who", ["pending_requester", "outsider", "agent", "admin"])
def test_only_an_approved_member_who_may_modify_deposits(personas, who):
    errors = _deposit_errors(personas, draft(personas), user=getattr(personas, who))
    assert "supplier" in errors


def test_a_member_with_consultation_rights_only_cannot_deposit(personas):
    Membership.objects.filter(user=personas.supplier_member).update(can_modify=False)
    errors = _deposit_errors(personas, draft(personas), user=personas.supplier_member)
    assert "supplier" in errors


def test_the_mandate_must_be_signed_before_a_deposit(personas):
    company = StructureFactory(name="Sans mandat")
    user = UserFactory()
    MembershipFactory(user=user, structure=company, role=Membership.Role.PRINCIPAL)
    invoice = draft(personas, user=user, supplier=company)
    errors = _deposit_errors(personas, invoice, user=user)
    assert any("mandat" in m for m in errors["supplier"])


# --- DOUBLON -----------------------------------------------------------------------------------
def test_the_same_number_twice_in_a_year_is_refused(personas):
    deposited(personas, number="F-2026-1")
    errors = _deposit_errors(personas, draft(personas, number="F-2026-1"))
    assert "number" in errors


def test_the_same_number_in_another_year_or_for_another_supplier_is_accepted(personas):
    first = deposited(personas, number="F-1")
    last_year = today().replace(year=today().year - 1)
    again = draft(personas, number="F-1", issue_date=last_year)
    assert services.invoice_deposit(user=personas.supplier_principal, invoice=again)
    other = draft(personas, user=personas.outsider, supplier=personas.globex, number="F-1")
    assert services.invoice_deposit(user=personas.outsider, invoice=other)
    assert first.status == Status.DEPOSEE


def test_drafts_with_the_same_number_do_not_block_each_other(personas):
    draft(personas, number="F-9")
    second = draft(personas, number="F-9")
    assert services.invoice_deposit(user=personas.supplier_principal, invoice=second)


def test_the_database_refuses_a_duplicate_even_if_a_check_were_skipped(personas):
    from django.db import IntegrityError, transaction

    first = deposited(personas, number="F-DB")
    second = draft(personas, number="F-DB")
    with pytest.raises(IntegrityError), transaction.atomic():
        Invoice.objects.filter(pk=second.pk).update(status=Status.DEPOSEE)
    assert first.pk != second.pk


def test_history_rows_are_never_rewritten_or_deleted(personas):
    change = deposited(personas).history.first()
    with pytest.raises(ValueError):
        change.comment = "changé"
        change.save()
    with pytest.raises(ValueError):
        change.delete()
    assert StatusChange.objects.filter(pk=change.pk, comment="").exists()
