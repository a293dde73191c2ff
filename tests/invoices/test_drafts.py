"""Drafts (issue 17 item 1): deleted while never deposited, by who may deposit for the
structure; any invoice duplicated into a new draft; the sent list sets drafts apart ("À
envoyer"); a draft older than 30 days is pointed out on the supplier's dashboard."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from invoices import services
from invoices.models import Attachment, DepositMode, Invoice, InvoiceLine, SealedRemoval
from invoices.services import InvoiceAccessDenied, InvoiceError, InvoiceStateError
from invoices.services.seals import seal_create
from invoices.workflow import Status
from structures.models import Membership
from support.models import Ticket
from tests.factories import MembershipFactory, UserFactory
from tests.invoices.conftest import stored_files
from tests.invoices.factories import (
    deposited,
    draft,
    header,
    invoice_in,
    line,
    pdf_bytes,
    stored_bytes,
    upload,
)

pytestmark = pytest.mark.django_db


def draft_with_file(personas, **values) -> Invoice:  # type: ignore[no-untyped-def]
    """A typed draft of Acme with an additional document."""
    document = services.check_upload(
        upload("bon-de-livraison.pdf", pdf_bytes(pages=2)), field="attachments", must_be_pdf=False
    )
    return services.invoice_save_draft(
        user=personas.supplier_principal,
        supplier=personas.acme,
        data=header(**values),
        lines=[line(), line(description="Déplacement", unit_price=Decimal("80"))],
        new_files=[document],
    )


def consultant(personas):  # type: ignore[no-untyped-def]
    """An approved member of Acme who may only look (no right to modify)."""
    user = UserFactory(email="consultant@acme.test")
    MembershipFactory(user=user, structure=personas.acme, can_modify=False)
    return user


# --- deleting a draft ----------------------------------------------------------------------------
def test_a_draft_is_deleted_whole_files_included(
    personas, media_root, django_capture_on_commit_callbacks
):
    invoice = draft_with_file(personas)
    assert len(stored_files(media_root)) == 1

    with django_capture_on_commit_callbacks(execute=True):
        services.invoice_delete_draft(user=personas.supplier_member, invoice=invoice)

    assert not Invoice.objects.filter(pk=invoice.pk).exists()
    assert not InvoiceLine.objects.filter(invoice_id=invoice.pk).exists()
    assert not Attachment.objects.filter(invoice_id=invoice.pk).exists()
    assert stored_files(media_root) == []


@pytest.mark.parametrize("who", ["pending_requester", "outsider", "agent", "admin"])
def test_only_who_may_deposit_for_the_structure_deletes_a_draft(personas, who):
    invoice = draft(personas)
    with pytest.raises(InvoiceAccessDenied):
        services.invoice_delete_draft(user=getattr(personas, who), invoice=invoice)
    assert Invoice.objects.filter(pk=invoice.pk).exists()


def test_a_member_who_only_consults_does_not_delete_a_draft(personas):
    invoice = draft(personas)
    with pytest.raises(InvoiceAccessDenied):
        services.invoice_delete_draft(user=consultant(personas), invoice=invoice)


@pytest.mark.parametrize("status", [Status.DEPOSEE, Status.MISE_A_DISPOSITION, Status.REJETEE])
def test_an_invoice_once_deposited_is_never_deleted(personas, status):
    invoice = invoice_in(personas, status)
    with pytest.raises(InvoiceStateError) as refused:
        services.invoice_delete_draft(user=personas.supplier_principal, invoice=invoice)
    assert "ne peut pas être supprimée" in refused.value.messages[0]
    assert Invoice.objects.filter(pk=invoice.pk).exists()


def test_a_sealed_draft_s_deletion_keeps_the_audit_trail_verifiable(
    personas, django_capture_on_commit_callbacks
):
    invoice = draft_with_file(personas)
    deposited(personas)
    assert seal_create() is not None  # covers the draft's history row and file
    with django_capture_on_commit_callbacks(execute=True):
        services.invoice_delete_draft(user=personas.supplier_principal, invoice=invoice)
    assert seal_create() is not None  # covers the removal records

    out = StringIO()
    call_command("verify_integrity", stdout=out, stderr=StringIO())

    removed = SealedRemoval.objects.filter(invoice_id=invoice.pk)
    assert sorted(removed.values_list("kind", flat=True)) == ["FILE", "HISTORY"]
    assert removed.first().reason == f"draft deleted by user {personas.supplier_principal.pk}"
    assert "Integrity verified" in out.getvalue()


def test_a_question_about_a_deleted_draft_keeps_its_copy(personas):
    invoice = draft(personas, number="Q-1")
    ticket = Ticket.objects.create(
        title="Question",
        description="?",
        category="FACTURE",
        subcategory="x",
        sender=personas.supplier_principal,
        invoice=invoice,
        invoice_number="Q-1",
    )
    services.invoice_delete_draft(user=personas.supplier_principal, invoice=invoice)
    ticket.refresh_from_db()
    assert (ticket.invoice, ticket.invoice_number) == (None, "Q-1")


def test_the_confirmation_page_then_the_deletion(client, personas):
    invoice = draft(personas, number="BR-SUPPR")
    client.force_login(personas.supplier_member)
    url = reverse("invoices:delete", args=[invoice.pk])

    page = client.get(url)
    assert page.status_code == 200
    assert "La suppression est définitive" in page.content.decode()
    assert Invoice.objects.filter(pk=invoice.pk).exists()  # a GET deletes nothing

    response = client.post(url, follow=True)
    assert response.redirect_chain[-1][0] == reverse("invoices:sent") + "?vue=brouillons"
    assert "Brouillon supprimé." in response.content.decode()
    assert not Invoice.objects.filter(pk=invoice.pk).exists()


def test_the_detail_and_edit_pages_offer_the_deletion_of_a_draft_only(client, personas):
    unsent = draft(personas)
    sent = deposited(personas)
    client.force_login(personas.supplier_principal)
    delete_unsent = reverse("invoices:delete", args=[unsent.pk])

    assert (
        delete_unsent in client.get(reverse("invoices:detail", args=[unsent.pk])).content.decode()
    )
    assert delete_unsent in client.get(reverse("invoices:edit", args=[unsent.pk])).content.decode()
    sent_page = client.get(reverse("invoices:detail", args=[sent.pk])).content.decode()
    assert reverse("invoices:delete", args=[sent.pk]) not in sent_page


def test_the_page_refuses_a_deposited_invoice_and_other_people(client, personas):
    sent = deposited(personas)
    unsent = draft(personas)
    client.force_login(personas.supplier_principal)

    response = client.post(reverse("invoices:delete", args=[sent.pk]), follow=True)
    assert "Une facture déposée ne peut pas être supprimée." in response.content.decode()
    assert Invoice.objects.filter(pk=sent.pk).exists()

    for user in (personas.outsider, personas.agent, consultant(personas)):
        client.force_login(user)
        assert client.post(reverse("invoices:delete", args=[unsent.pk])).status_code == 404
    assert Invoice.objects.filter(pk=unsent.pk).exists()


# --- duplicating an invoice -----------------------------------------------------------------
def test_a_typed_invoice_is_copied_into_a_new_draft_with_its_lines_and_documents(
    personas, media_root
):
    source = draft_with_file(personas, number="F-SOURCE", comment="Commande 12")
    source = services.invoice_deposit(user=personas.supplier_principal, invoice=source)

    copy = services.invoice_duplicate(
        user=personas.supplier_member, invoice=source, number=" F-COPIE "
    )

    assert (copy.status, copy.deposit_mode, copy.number) == (
        Status.BROUILLON,
        DepositMode.SAISIE_WEB,
        "F-COPIE",
    )
    assert copy.issue_date == timezone.localdate() and copy.created_by == personas.supplier_member
    assert (copy.recipient, copy.service, copy.iban, copy.comment) == (
        source.recipient,
        source.service,
        source.iban,
        "Commande 12",
    )
    fields = ("description", "quantity", "unit_price", "vat_rate", "discount", "unit")
    assert list(copy.lines.values_list(*fields)) == list(source.lines.values_list(*fields))
    assert copy.total_incl_tax == source.total_incl_tax
    # Only the supplier's document comes along, as a file of its own; not the certificate
    # nor the CII of the old deposit.
    copied = copy.attachments.get()
    original = source.attachments.get(kind=Attachment.Kind.ADDITIONAL)
    assert (copied.kind, copied.original_name, copied.sha256) == (
        Attachment.Kind.ADDITIONAL,
        "bon-de-livraison.pdf",
        original.sha256,
    )
    assert copied.file.name != original.file.name
    assert stored_bytes(copied) == stored_bytes(original)


def test_a_deposited_pdf_is_not_copied_its_header_is(personas):
    source = services.invoice_upload_pdf(
        user=personas.supplier_principal,
        supplier=personas.acme,
        data=header(
            total_excl_tax=Decimal("100"), total_vat=Decimal("20"), total_incl_tax=Decimal("120")
        ),
        main_file=upload(),
    )

    copy = services.invoice_duplicate(user=personas.supplier_principal, invoice=source, number="N")

    assert copy.is_typed and copy.is_draft
    assert copy.attachments.count() == 0 and copy.lines.count() == 0
    assert copy.recipient_siret == source.recipient_siret


@pytest.mark.parametrize(
    ("number", "said"),
    [
        ("", "Indiquez le numéro de la nouvelle facture."),
        ("SAME", "Ce numéro de facture a déjà été utilisé cette année"),
        ("USED", "Ce numéro de facture a déjà été utilisé cette année"),
    ],
)
def test_the_copy_needs_a_new_number(personas, number, said):
    source = deposited(personas, number="SAME")
    deposited(personas, number="USED")
    before = Invoice.objects.count()
    with pytest.raises(InvoiceError) as refused:
        services.invoice_duplicate(user=personas.supplier_principal, invoice=source, number=number)
    assert refused.value.errors["number"][0].startswith(said)
    assert Invoice.objects.count() == before


def test_only_who_may_deposit_for_the_structure_duplicates(personas):
    source = deposited(personas)
    for user in (personas.outsider, personas.agent, consultant(personas)):
        with pytest.raises(InvoiceAccessDenied):
            services.invoice_duplicate(user=user, invoice=source, number="X-1")


def test_the_duplicate_page_asks_the_number_then_opens_the_copy(client, personas):
    source = deposited(personas, number="F-PAGE")
    client.force_login(personas.supplier_principal)
    url = reverse("invoices:duplicate", args=[source.pk])

    assert 'name="number"' in client.get(url).content.decode()
    refused = client.post(url, {"number": "F-PAGE"}).content.decode()
    assert "déjà été utilisé cette année" in refused

    response = client.post(url, {"number": "F-PAGE-2"})
    copy = Invoice.objects.get(number="F-PAGE-2")
    assert response["Location"] == reverse("invoices:edit", args=[copy.pk])
    assert (
        reverse("invoices:duplicate", args=[source.pk])
        in client.get(reverse("invoices:detail", args=[source.pk])).content.decode()
    )


def test_the_duplicate_page_is_not_found_for_others(client, personas):
    source = deposited(personas)
    for user in (personas.outsider, personas.agent, consultant(personas)):
        client.force_login(user)
        assert client.post(
            reverse("invoices:duplicate", args=[source.pk]), {"number": "X"}
        ).status_code in (404,)
    assert Invoice.objects.count() == 1


# --- the list: drafts apart -----------------------------------------------------------------
def _rows(page: str) -> str:
    return page.split("<tbody>")[1].split("</tbody>")[0]


def test_the_list_shows_the_deposited_invoices_and_counts_the_drafts_apart(client, personas):
    deposited(personas, number="F-SENT")
    draft(personas, number="F-UNSENT-1")
    draft(personas, number="F-UNSENT-2")
    client.force_login(personas.supplier_principal)

    page = client.get(reverse("invoices:sent")).content.decode()

    assert "Déposées (1)" in page and "À envoyer — brouillons (2)" in page
    assert "F-SENT" in _rows(page) and "F-UNSENT" not in _rows(page)
    assert "2 brouillons ne sont pas encore envoyés." in page

    drafts = client.get(reverse("invoices:sent"), {"vue": "brouillons"}).content.decode()
    assert "F-UNSENT-1" in _rows(drafts) and "F-UNSENT-2" in _rows(drafts)
    assert "F-SENT" not in _rows(drafts)
    assert "Brouillons à envoyer : 2" in drafts


def test_with_drafts_only_the_list_opens_on_them(client, personas):
    draft(personas, number="F-ONLY")
    client.force_login(personas.supplier_principal)

    page = client.get(reverse("invoices:sent")).content.decode()

    assert "F-ONLY" in _rows(page) and 'aria-current="page" data-tab="brouillons"' in page


def test_the_dashboard_s_link_to_the_drafts_opens_their_tab(client, personas):
    deposited(personas, number="F-LINK-SENT")
    draft(personas, number="F-LINK-DRAFT")
    client.force_login(personas.supplier_principal)

    page = client.get(reverse("invoices:sent"), {"status": "BROUILLON"}).content.decode()

    assert "F-LINK-DRAFT" in _rows(page) and "F-LINK-SENT" not in _rows(page)
    assert "fr-error-text" not in page


def test_the_drafts_tab_points_out_those_older_than_30_days(client, personas):
    old = draft(personas, number="F-OLD")
    Invoice.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=31))
    draft(personas, number="F-NEW")
    client.force_login(personas.supplier_principal)

    page = client.get(reverse("invoices:sent"), {"vue": "brouillons"}).content.decode()

    assert "1 brouillon a plus de 30 jours." in page


def test_the_export_follows_the_tab(client, personas):
    deposited(personas, number="F-CSV-SENT")
    draft(personas, number="F-CSV-DRAFT")
    client.force_login(personas.supplier_principal)

    def exported(**params: str) -> str:
        response = client.get(reverse("invoices:sent_export"), params)
        return b"".join(response.streaming_content).decode()

    assert "F-CSV-SENT" in exported() and "F-CSV-DRAFT" not in exported()
    drafts = exported(vue="brouillons")
    assert "F-CSV-DRAFT" in drafts and "F-CSV-SENT" not in drafts


def test_the_tabs_never_show_another_structure_s_invoices(client, personas):
    theirs = draft(personas, user=personas.outsider, supplier=personas.globex, number="G-DRAFT")
    assert theirs.pk
    client.force_login(personas.supplier_principal)
    draft(personas, number="F-MINE")

    page = client.get(reverse("invoices:sent"), {"vue": "brouillons"}).content.decode()

    assert "F-MINE" in page and "G-DRAFT" not in page and "brouillons (1)" in page


# --- the dashboard -----------------------------------------------------------------------------
def test_the_dashboard_points_out_a_draft_older_than_30_days(client, personas):
    old = draft(personas, number="F-FORGOTTEN")
    Invoice.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=45))
    draft(personas, number="F-RECENT")
    theirs = draft(personas, user=personas.outsider, supplier=personas.globex, number="G-OLD")
    Invoice.objects.filter(pk=theirs.pk).update(created_at=timezone.now() - timedelta(days=45))
    client.force_login(personas.supplier_member)

    page = client.get(reverse("dashboards:supplier")).content.decode()

    assert "1 brouillon attend depuis plus de 30 jours" in page
    assert reverse("invoices:detail", args=[old.pk]) in page
    assert "F-RECENT" not in page and "G-OLD" not in page


def test_the_dashboard_says_nothing_of_recent_drafts(client, personas):
    draft(personas)
    deposited(personas)
    client.force_login(personas.supplier_principal)

    page = client.get(reverse("dashboards:supplier")).content.decode()

    assert "data-old-drafts" not in page


def test_membership_roles_used_here_are_the_personas(personas):
    # The personas' member may modify: the rights above are those of the house.
    member = Membership.objects.get(user=personas.supplier_member)
    assert member.can_modify and member.status == Membership.Status.APPROVED


def test_the_dashboard_s_figures_forget_a_deleted_draft(personas):
    from dashboards import selectors as dashboard_selectors
    from dashboards import summaries

    draft(personas)
    doomed = draft(personas)
    # On PostgreSQL the figures come from the summary rows the triggers keep (SQLite counts).
    assert summaries.enabled() == (connection.vendor == "postgresql")

    services.invoice_delete_draft(user=personas.supplier_principal, invoice=doomed)

    by_status = dashboard_selectors.sent_by_status(personas.supplier_principal)
    assert by_status == {Status.BROUILLON: 1}
