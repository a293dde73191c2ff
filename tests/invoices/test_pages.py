"""The invoice pages: what each persona sees and does, errors next to their fields, 404 for
anyone outside, downloads that check access, and lists whose query count does not grow."""

from __future__ import annotations

import csv
import html
import io
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from invoices import services
from invoices.models import Attachment, Invoice, RejectionReason
from invoices.workflow import Status
from tests.factories import MembershipFactory, StructureFactory, UserFactory
from tests.invoices.factories import (
    deposited,
    draft,
    errors_of,
    invoice_in,
    pdf_bytes,
    rendered,
    upload,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_user(client):  # type: ignore[no-untyped-def]
    def login(user):  # type: ignore[no-untyped-def]
        client.force_login(user)
        return client

    return login


def _entry_post(**overrides: str) -> dict[str, str]:
    data = {
        "supplier": "",
        "number": "F-WEB-1",
        "issue_date": "2026-01-15",
        "billing_frame": "A1",
        "invoice_type": "FACTURE",
        "recipient_siret": "110 002 011 000 44",
        "service_code": "FACTURES_PUBLIQUES",
        "currency": "EUR",
        "vat_regime": "DEBITS",
        "payment_method": "VIREMENT",
        "iban": "FR76 3000 6000 0112 3456 7890 189",
        "bic": "AGRIFRPP",
        "lines-TOTAL_FORMS": "2",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "1000",
        "lines-0-description": "Audit",
        "lines-0-quantity": "3",
        "lines-0-unit": "DAY",
        "lines-0-unit_price": "0,335",
        "lines-0-vat_rate": "20",
        "lines-1-description": "Déplacement",
        "lines-1-quantity": "1",
        "lines-1-unit": "C62",
        "lines-1-unit_price": "100",
        "lines-1-vat_rate": "5.5",
        "action": "submit",
    }
    data.update(overrides)
    return data


# --- entry -------------------------------------------------------------------------------------
def test_the_entry_page_defaults_the_recipient_to_the_state(personas, as_user):
    response = as_user(personas.supplier_principal).get(reverse("invoices:create"))
    assert response.status_code == 200
    assert 'value="11000201100044"' in response.content.decode()
    assert "invoice_entry.js" in response.content.decode()


def test_a_typed_invoice_is_validated_and_sent(personas, as_user):
    client = as_user(personas.supplier_principal)
    response = client.post(
        reverse("invoices:create"), _entry_post(supplier=str(personas.acme.pk)), follow=True
    )
    invoice = Invoice.objects.get(number="F-WEB-1")
    assert response.redirect_chain[-1][0] == reverse("invoices:detail", args=[invoice.pk])
    assert invoice.status == Status.DEPOSEE
    assert (invoice.total_excl_tax, invoice.total_vat) == (Decimal("101.01"), Decimal("5.70"))
    assert invoice.iban == "FR7630006000011234567890189"
    assert [li.description for li in invoice.lines.all()] == ["Audit", "Déplacement"]


def test_a_draft_is_saved_incomplete_and_taken_up_again(personas, as_user):
    client = as_user(personas.supplier_member)
    data = _entry_post(supplier=str(personas.acme.pk), action="draft", number="")
    response = client.post(reverse("invoices:create"), data)
    invoice = Invoice.objects.get()
    assert response.url == reverse("invoices:edit", args=[invoice.pk])
    assert invoice.status == Status.BROUILLON
    page = client.get(response.url).content.decode()
    assert "Audit" in page and "Déplacement" in page


def test_refused_checks_are_shown_next_to_their_fields_and_nothing_is_saved(personas, as_user):
    client = as_user(personas.supplier_principal)
    data = _entry_post(
        supplier=str(personas.acme.pk), service_code="INCONNU", **{"lines-0-vat_rate": "20"}
    )
    data["iban"] = "FR00 1234"
    response = client.post(reverse("invoices:create"), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="id_service_code-error"' in page
    assert 'aria-describedby="id_service_code-error"' in page
    assert 'id="id_iban-error"' in page
    assert not Invoice.objects.exists()


def test_a_line_error_is_shown_on_its_line(personas, as_user):
    client = as_user(personas.supplier_principal)
    data = _entry_post(supplier=str(personas.acme.pk), **{"lines-1-quantity": "0"})
    page = client.post(reverse("invoices:create"), data).content.decode()
    assert 'id="id_lines-1-quantity-error"' in page
    assert not Invoice.objects.exists()


def test_removed_lines_are_not_part_of_the_invoice(personas, as_user):
    client = as_user(personas.supplier_principal)
    data = _entry_post(supplier=str(personas.acme.pk), **{"lines-1-DELETE": "on"})
    client.post(reverse("invoices:create"), data)
    assert Invoice.objects.get().lines.count() == 1


def test_a_user_without_a_structure_is_told_how_to_get_one(personas, as_user):
    response = as_user(personas.pending_requester).get(reverse("invoices:create"))
    assert "mandat de facturation" in response.content.decode()


def test_the_supplier_field_only_offers_the_user_s_structures(personas, as_user):
    client = as_user(personas.supplier_principal)
    response = client.post(
        reverse("invoices:create"), _entry_post(supplier=str(personas.globex.pk))
    )
    assert 'id="id_supplier-error"' in response.content.decode()
    assert not Invoice.objects.exists()


def test_the_recipient_endpoint_lists_active_services_and_rules(personas, as_user):
    personas.other_service.is_active = False
    personas.other_service.save()
    client = as_user(personas.supplier_principal)
    data = client.get(reverse("invoices:recipient_services"), {"siret": "11000201100044"}).json()
    codes = [s["code"] for s in data["services"]]
    assert data["found"] and data["service_code_required"]
    assert "FACTURES_PUBLIQUES" in codes and "SFACT_MIN_INT" not in codes
    assert client.get(reverse("invoices:recipient_services"), {"siret": "1"}).json() == {
        "found": False
    }


# --- PDF deposit -------------------------------------------------------------------------------
def _upload_post(personas, file, **overrides):  # type: ignore[no-untyped-def]
    data = _entry_post(supplier=str(personas.acme.pk))
    data.update(
        {"total_excl_tax": "100", "total_vat": "20", "total_incl_tax": "120", "main_file": file}
    )
    data.update(overrides)
    return data


def test_a_pdf_deposit_through_the_page(personas, as_user):
    client = as_user(personas.supplier_principal)
    response = client.post(
        reverse("invoices:upload"),
        _upload_post(personas, upload("signee.pdf", pdf_bytes(signed="flags"))),
    )
    invoice = Invoice.objects.get()
    assert response.url == reverse("invoices:detail", args=[invoice.pk])
    page = client.get(response.url).content.decode()
    assert "PDF signé" in page and "signee.pdf" in page


def test_a_bad_pdf_is_refused_next_to_the_file_field(personas, as_user):
    client = as_user(personas.supplier_principal)
    bad = upload("facture.pdf", b"GIF89a not a pdf")
    page = client.post(reverse("invoices:upload"), _upload_post(personas, bad)).content.decode()
    assert 'id="id_main_file-error"' in page and "pas un PDF" in page
    assert not Invoice.objects.exists()
    assert not Attachment.objects.exists()


def test_a_pdf_deposit_reports_every_error_in_one_round_under_its_field(personas, as_user):
    """A badly typed amount does not hide the deposit's checks on the rest: the unknown
    recipient and the bad BIC are said in the same round, each under its field."""
    client = as_user(personas.supplier_principal)
    post = _upload_post(
        personas,
        upload("facture.pdf", pdf_bytes()),
        total_vat="vingt",
        recipient_siret="999 999 999 00001",
        bic="PASUNBIC",
    )
    page = client.post(reverse("invoices:upload"), post).content.decode()
    errors = errors_of(page)
    assert errors["total_vat"] == "Saisissez un nombre."
    assert errors["recipient_siret"] == "Aucune structure n'est enregistrée sous ce SIRET."
    assert errors["bic"] == "Ce BIC n'est pas valide."
    # The amounts cannot be compared while one is unread: no word on them but the format's.
    assert "total_incl_tax" not in errors and "prepaid_amount" not in errors
    assert not Invoice.objects.exists() and not Attachment.objects.exists()


def test_a_pdf_deposit_without_its_file_still_checks_the_header(personas, as_user):
    client = as_user(personas.supplier_principal)
    post = _upload_post(personas, "", total_incl_tax="130", service_code="")
    errors = errors_of(client.post(reverse("invoices:upload"), post).content.decode())
    assert "main_file" in errors
    assert errors["total_incl_tax"] == "Le total TTC doit être égal au total HT plus la TVA."
    assert "service_code" in errors  # the State requires a service code
    assert not Invoice.objects.exists()


# --- supplier follow-up --------------------------------------------------------------------------
def test_the_detail_shows_the_timeline_the_deadline_and_the_documents(personas, as_user):
    invoice = deposited(personas)
    page = as_user(personas.supplier_member).get(reverse("invoices:detail", args=[invoice.pk]))
    html = page.content.decode()
    assert "Historique" in html and "Déposée" in html
    assert "Délai légal de paiement" in html and "jours restants : 30" in html
    assert "Accusé de dépôt" in html


def test_a_rejection_shows_its_reason_and_can_be_acknowledged(personas, as_user):
    invoice = invoice_in(personas, Status.MISE_A_DISPOSITION)
    from invoices import services

    services.invoice_process(
        user=personas.agent,
        invoice=invoice,
        target=Status.REJETEE,
        reason=RejectionReason.objects.get(code="MONTANT_ERRONE"),
        comment="Le montant HT ne correspond pas au devis.",
    )
    client = as_user(personas.supplier_principal)
    html = client.get(reverse("invoices:detail", args=[invoice.pk])).content.decode()
    assert "Montant erroné" in html and "ne correspond pas au devis" in html
    response = client.post(reverse("invoices:acknowledge", args=[invoice.pk]), follow=True)
    assert "Rejet pris en compte" in response.content.decode()
    invoice.refresh_from_db()
    assert invoice.rejection_acknowledged
    again = client.post(reverse("invoices:acknowledge", args=[invoice.pk]), follow=True)
    assert again.status_code == 200
    assert "déjà été traitée" in again.content.decode()


def test_correct_and_resend_through_the_page(personas, as_user):
    invoice = invoice_in(personas, Status.A_RECYCLER, deposit_mode="DEPOT_PDF_WEB")
    client = as_user(personas.supplier_principal)
    url = reverse("invoices:recycle", args=[invoice.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "recipient_siret": "11000201100044",
            "service_code": "SFACT_MIN_EDU",
            "engagement_number": "",
        },
    )
    assert response.url == reverse("invoices:detail", args=[invoice.pk])
    invoice.refresh_from_db()
    assert (invoice.status, invoice.service_code) == (Status.DEPOSEE, "SFACT_MIN_EDU")


def test_complete_through_the_page(personas, as_user):
    invoice = invoice_in(personas, Status.SUSPENDUE, deposit_mode="DEPOT_PDF_WEB")
    client = as_user(personas.supplier_member)
    url = reverse("invoices:complete", args=[invoice.pk])
    page = client.post(url, {"comment": ""}).content.decode()
    assert 'id="id_comment-error"' in page
    client.post(url, {"comment": "Bon de livraison joint", "attachments": [upload("bl.pdf")]})
    invoice.refresh_from_db()
    assert invoice.status == Status.COMPLETEE


def test_the_csv_export_lists_the_filtered_invoices(personas, as_user):
    deposited(personas, number="F-A")
    invoice_in(personas, Status.REJETEE, number="F-B")
    client = as_user(personas.supplier_principal)
    response = client.get(reverse("invoices:sent_export"), {"status": "REJETEE"})
    assert response["Content-Disposition"].startswith("attachment;")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert [row[0] for row in rows[1:]] == ["F-B"]
    assert rows[1][14] == "REJETEE"


def test_the_list_filters_and_counts(personas, as_user):
    deposited(personas, number="F-A")
    invoice_in(personas, Status.REJETEE, number="F-B")
    client = as_user(personas.supplier_principal)
    html = client.get(reverse("invoices:sent"), {"status": "REJETEE"}).content.decode()
    assert "F-B" in html and "F-A</a>" not in html
    assert "Rejetée : 1" in html and "Déposée : 1" in html


def _list_queries(client, url: str) -> int:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_supplier_list_s_query_count_does_not_grow_with_the_invoices(personas, as_user):
    client = as_user(personas.supplier_principal)
    invoice_in(personas, Status.DEPOSEE)
    url = reverse("invoices:sent")
    few = _list_queries(client, url)
    for status in list(Status)[:10] * 2:
        invoice_in(personas, status, service=personas.other_service)
    draft(personas)
    assert _list_queries(client, url) == few


def test_the_agent_list_s_query_count_does_not_grow_with_the_invoices(personas, as_user):
    client = as_user(personas.agent)
    invoice_in(personas, Status.MISE_A_DISPOSITION)
    url = reverse("invoices:received")
    few = _list_queries(client, url)
    for status in [Status.MISE_A_DISPOSITION, Status.COMPTABILISEE, Status.REJETEE] * 8:
        invoice_in(personas, status)
    assert _list_queries(client, url) == few


def _paginator_counts(client, url: str, params: dict | None = None) -> tuple[str, int]:  # type: ignore[no-untyped-def]
    """The page, and how many of its queries were the paginator's own COUNT."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return response.content.decode(), sum('AS "__count"' in q["sql"] for q in queries)


def test_an_unfiltered_list_takes_its_total_from_the_status_counts(personas, as_user):
    for status in [Status.DEPOSEE, Status.REJETEE, Status.MISE_A_DISPOSITION] * 9:
        invoice_in(personas, status)
    invoice_in(personas, Status.DEPOSEE, supplier=StructureFactory(name="Autre"))  # not theirs
    client = as_user(personas.supplier_principal)
    url = reverse("invoices:sent")
    html, counted = _paginator_counts(client, url, {"sort": "number"})
    assert "Factures trouvées : 27" in html and counted == 0
    assert "1 sur 2" in html
    html, counted = _paginator_counts(client, url, {"status": "REJETEE"})
    assert "Factures trouvées : 9" in html and counted == 1


def test_the_agent_list_counts_both_parts_of_their_scope(personas, as_user):
    invoice_in(personas, Status.MISE_A_DISPOSITION)
    invoice_in(personas, Status.REJETEE)
    invoice_in(personas, Status.MISE_A_DISPOSITION, service=None, number="F-NO-SERVICE")
    invoice_in(personas, Status.MISE_A_DISPOSITION, service=personas.other_service)  # not theirs
    invoice_in(personas, Status.DEPOSEE)  # not made available yet
    # An agent of the State scoped to no service: its services' and its own invoices.
    whole = UserFactory()
    MembershipFactory(user=whole, structure=personas.state)
    client = as_user(whole)
    url = reverse("invoices:received")
    html, counted = _paginator_counts(client, url)
    assert "Factures trouvées : 4" in html and counted == 0
    assert "F-NO-SERVICE" in html
    assert "Mise à disposition du destinataire : 3" in html and "Rejetée : 1" in html
    html, counted = _paginator_counts(client, url, {"status": "REJETEE"})
    assert "Factures trouvées : 1" in html and counted == 1
    # The agent scoped to one service: that service's only.
    html, counted = _paginator_counts(as_user(personas.agent), url)
    assert "Factures trouvées : 2" in html and counted == 0
    assert "F-NO-SERVICE" not in html


# --- agent ---------------------------------------------------------------------------------------
def test_the_agent_sees_only_invoices_that_reached_their_services(personas, as_user):
    mine = invoice_in(personas, Status.MISE_A_DISPOSITION, number="F-MINE")
    invoice_in(
        personas, Status.MISE_A_DISPOSITION, service=personas.other_service, number="F-OTHER"
    )
    invoice_in(personas, Status.EN_COURS_ACHEMINEMENT, number="F-ROUTING")
    html = as_user(personas.agent).get(reverse("invoices:received")).content.decode()
    assert "F-MINE" in html and "F-OTHER" not in html and "F-ROUTING" not in html
    detail = as_user(personas.agent).get(reverse("invoices:received_detail", args=[mine.pk]))
    assert "Traiter la facture" in detail.content.decode()


def test_the_agent_rejects_with_a_reason_and_a_comment(personas, as_user):
    invoice = invoice_in(personas, Status.MISE_A_DISPOSITION)
    client = as_user(personas.agent)
    url = reverse("invoices:received_detail", args=[invoice.pk])
    page = client.post(url, {"target": "REJETEE", "expected_status": "MISE_A_DISPOSITION"})
    html = page.content.decode()
    assert 'id="id_reason-error"' in html and 'id="id_comment-error"' in html
    reason = RejectionReason.objects.get(code="DOUBLE_FACTURATION")
    response = client.post(
        url,
        {
            "target": "REJETEE",
            "expected_status": "MISE_A_DISPOSITION",
            "reason": str(reason.pk),
            "comment": "Déjà payée",
        },
        follow=True,
    )
    assert "Décision enregistrée" in response.content.decode()
    invoice.refresh_from_db()
    assert invoice.status == Status.REJETEE


def test_a_decision_on_an_invoice_already_processed_is_a_message_not_an_error(personas, as_user):
    invoice = invoice_in(personas, Status.COMPTABILISEE)
    client = as_user(personas.agent)
    response = client.post(
        reverse("invoices:received_detail", args=[invoice.pk]),
        {"target": "MISE_EN_PAIEMENT", "expected_status": "MISE_A_DISPOSITION"},
        follow=True,
    )
    assert response.status_code == 200
    assert "déjà été traitée" in response.content.decode()
    invoice.refresh_from_db()
    assert invoice.status == Status.COMPTABILISEE


def test_a_decision_not_allowed_in_the_status_is_refused(personas, as_user):
    invoice = invoice_in(personas, Status.COMPTABILISEE)
    response = as_user(personas.agent).post(
        reverse("invoices:received_detail", args=[invoice.pk]),
        {"target": "REJETEE", "expected_status": "COMPTABILISEE", "comment": "x"},
    )
    assert response.status_code == 200  # the form offers only what the status allows
    invoice.refresh_from_db()
    assert invoice.status == Status.COMPTABILISEE


# --- downloads and access ----------------------------------------------------------------------
def test_a_download_is_an_attachment_never_sniffed(personas, as_user):
    invoice = deposited(personas)
    certificate = services.invoice_certificate(invoice)
    response = as_user(personas.supplier_member).get(
        reverse("invoices:download", args=[certificate.pk])
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_the_agent_downloads_the_files_of_a_received_invoice(personas, as_user):
    invoice = deposited(personas)
    Invoice.objects.filter(pk=invoice.pk).update(made_available_at=invoice.deposited_at)
    rendering = rendered(invoice)
    client = as_user(personas.agent)
    assert client.get(reverse("invoices:download", args=[rendering.pk])).status_code == 200
    preview = client.get(reverse("invoices:preview", args=[rendering.pk]))
    assert preview["Content-Disposition"].startswith("inline;")
    assert preview["X-Frame-Options"] == "SAMEORIGIN"


def _urls(invoice: Invoice) -> list[tuple[str, str]]:
    attachment = invoice.attachments.first()
    return [
        ("get", reverse("invoices:detail", args=[invoice.pk])),
        ("get", reverse("invoices:edit", args=[invoice.pk])),
        ("get", reverse("invoices:recycle", args=[invoice.pk])),
        ("get", reverse("invoices:complete", args=[invoice.pk])),
        ("post", reverse("invoices:acknowledge", args=[invoice.pk])),
        ("get", reverse("invoices:received_detail", args=[invoice.pk])),
        ("post", reverse("invoices:received_detail", args=[invoice.pk])),
        ("get", reverse("invoices:download", args=[attachment.pk])),
        ("get", reverse("invoices:preview", args=[attachment.pk])),
    ]


@pytest.mark.parametrize("persona", ["outsider", "pending_requester", "other_agent"])
def test_outsiders_get_404_everywhere(personas, as_user, persona):
    invoice = deposited(personas)
    Invoice.objects.filter(pk=invoice.pk).update(made_available_at=invoice.deposited_at)
    client = as_user(getattr(personas, persona))
    for method, url in _urls(invoice):
        assert getattr(client, method)(url).status_code == 404, url


def test_the_supplier_does_not_reach_the_agent_pages_and_the_agent_not_the_supplier_s(
    personas, as_user
):
    invoice = invoice_in(personas, Status.MISE_A_DISPOSITION)
    supplier = as_user(personas.supplier_principal)
    assert supplier.get(reverse("invoices:received_detail", args=[invoice.pk])).status_code == 404
    agent = as_user(personas.agent)
    assert agent.get(reverse("invoices:detail", args=[invoice.pk])).status_code == 404


def test_anonymous_visitors_are_sent_to_the_login_page(client, personas):
    invoice = deposited(personas)
    for url in [reverse("invoices:sent"), reverse("invoices:detail", args=[invoice.pk])]:
        response = client.get(url)
        assert response.status_code == 302 and "connexion" in response.url


def test_the_csv_export_defuses_cells_that_look_like_formulas(personas, as_user):
    personas.acme.name = '=HYPERLINK("http://evil")'
    personas.acme.save()
    deposited(personas)
    response = as_user(personas.supplier_principal).get(reverse("invoices:sent_export"))
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[1][3].startswith("'=")


def test_the_invoice_s_comment_is_shown_to_the_supplier_and_to_the_agent(personas, as_user):
    invoice = invoice_in(
        personas, Status.MISE_A_DISPOSITION, comment="Livré le 3 mars <lot A>\nMerci & à bientôt"
    )
    shown = "Livré le 3 mars &lt;lot A&gt;<br>Merci &amp; à bientôt"
    for user, url in (
        (personas.supplier_member, reverse("invoices:detail", args=[invoice.pk])),
        (personas.agent, reverse("invoices:received_detail", args=[invoice.pk])),
    ):
        page = as_user(user).get(url).content.decode()
        assert "Commentaire du fournisseur" in page
        assert shown in page


def test_a_rejection_reads_as_english_in_english(personas, as_user):
    from invoices.services import invoice_process

    invoice = invoice_in(personas, Status.MISE_A_DISPOSITION)
    reason = next(
        r for r in RejectionReason.objects.filter(is_active=True) if "REJETEE" in r.allowed_statuses
    )
    invoice_process(
        user=personas.agent,
        invoice=invoice,
        target=Status.REJETEE,
        reason=reason,
        comment="Montant faux",
        expected_status=Status.MISE_A_DISPOSITION,
    )
    client = as_user(personas.supplier_member)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = html.unescape(client.get(reverse("invoices:detail", args=[invoice.pk])).content.decode())
    assert f"Rejected: {reason.label_en or reason.label_fr}" in page
    assert "Rejected :" not in page and "Rejected\u00a0:" not in page
    assert "110 002 011 00044" in page


def test_a_refused_upload_says_to_choose_the_file_again(personas, as_user):
    client = as_user(personas.supplier_principal)
    bad = upload("facture.pdf", b"GIF89a not a pdf")
    page = html.unescape(
        client.post(reverse("invoices:upload"), _upload_post(personas, bad)).content.decode()
    )
    assert "choisissez-le à nouveau avant de renvoyer le formulaire" in page
    good = upload("facture.pdf", pdf_bytes())
    page = html.unescape(
        client.post(
            reverse("invoices:upload"), _upload_post(personas, good, recipient_siret="")
        ).content.decode()
    )
    assert page.count("choisissez-le à nouveau") == 1  # under the file, not the empty fields
