"""GET endpoints, for every persona: own data, others' data (404), anonymous (401)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from invoices import services
from invoices.models import EngagementRecord, RejectionReason
from invoices.workflow import Status
from tests.api.conftest import CheckedClient
from tests.factories import PublicStructureFactory, ServiceFactory
from tests.invoices.factories import deposited, draft, invoice_in

pytestmark = pytest.mark.django_db
STATE = "11000201100044"


# --- anonymous: 401 everywhere -----------------------------------------------------------------
@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/me/",
        "/api/v1/structures/",
        f"/api/v1/structures/{STATE}/",
        f"/api/v1/structures/{STATE}/services/",
        f"/api/v1/structures/{STATE}/engagements/",
        "/api/v1/rejection-reasons/",
        "/api/v1/invoices/",
        "/api/v1/invoices/1/",
        "/api/v1/invoices/1/history/",
        "/api/v1/invoices/1/pdf/",
        "/api/v1/invoices/1/certificate/",
        "/api/v1/invoices/1/attachments/1/",
    ],
)
def test_anonymous_calls_are_401_with_the_error_shape(anonymous, path):
    response = anonymous.get(path)

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert response.headers["WWW-Authenticate"] == "Token"


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/invoices/",
        "/api/v1/invoices/upload/",
        "/api/v1/invoices/1/submit/",
        "/api/v1/invoices/1/recycle/",
        "/api/v1/invoices/1/complete/",
        "/api/v1/invoices/1/acknowledge-rejection/",
        "/api/v1/invoices/1/process/",
    ],
)
def test_anonymous_writes_are_401(anonymous, path):
    assert anonymous.post(path, {}, format="json").status_code == 401


# --- me ----------------------------------------------------------------------------------------
def test_me_shows_the_user_with_memberships_and_services(personas, client_for):
    body = client_for(personas.agent).get("/api/v1/me/").json()

    assert body["email"] == "agent@etat.test"
    [membership] = body["memberships"]
    assert membership["siret"] == STATE and membership["is_public"] is True
    assert membership["status"] == "APPROVED" and membership["role"] == "MEMBER"
    assert membership["services"] == [{"code": "FACTURES_PUBLIQUES", "name": personas.service.name}]


def test_me_shows_a_pending_request_as_pending(personas, client_for):
    body = client_for(personas.pending_requester).get("/api/v1/me/").json()

    assert [m["status"] for m in body["memberships"]] == ["PENDING"]


# --- structures --------------------------------------------------------------------------------
def test_structures_are_searched_by_siret_prefix_and_by_name(personas, client_for):
    client = client_for(personas.outsider)

    by_siret = client.get("/api/v1/structures/", {"siret": "110 002"}).json()
    by_name = client.get("/api/v1/structures/", {"name": "acm"}).json()
    public = client.get("/api/v1/structures/", {"is_public": "true"}).json()

    assert [s["siret"] for s in by_siret["results"]] == [STATE]
    assert [s["name"] for s in by_name["results"]] == ["Acme"]
    assert {s["is_public"] for s in public["results"]} == {True}


def test_a_search_by_too_few_digits_is_refused(personas, client_for):
    response = client_for(personas.outsider).get("/api/v1/structures/", {"siret": "11"})

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["siret"]


def test_a_structure_and_its_open_services(personas, client_for):
    client = client_for(personas.supplier_member)
    state = personas.state
    ServiceFactory(structure=state, code="FERME", is_active=False)

    structure = client.get(f"/api/v1/structures/{STATE}/").json()
    services_ = client.get(f"/api/v1/structures/{STATE}/services/").json()

    assert structure["name"] == state.name and structure["service_code_required"] is True
    codes = [s["code"] for s in services_["results"]]
    assert "FACTURES_PUBLIQUES" in codes and "FERME" not in codes


def test_an_unknown_or_inactive_structure_is_404(personas, client_for):
    closed = PublicStructureFactory(is_active=False)
    client = client_for(personas.supplier_member)

    assert client.get("/api/v1/structures/00000000000000/").status_code == 404
    assert client.get(f"/api/v1/structures/{closed.identifier}/").status_code == 404
    assert client.get("/api/v1/structures/123/").status_code == 404


def test_a_supplier_sees_the_open_engagements_held_for_its_own_structures(personas, client_for):
    acme, globex = personas.acme.identifier, personas.globex.identifier
    EngagementRecord.objects.create(recipient=personas.state, number="EJ-1", supplier_siret=acme)
    EngagementRecord.objects.create(
        recipient=personas.state, number="EJ-2", supplier_siret=acme, state="CLOSED"
    )
    EngagementRecord.objects.create(
        recipient=personas.state, number="EJ-3", supplier_siret=globex, amount=Decimal("10")
    )
    url = f"/api/v1/structures/{STATE}/engagements/"

    mine = client_for(personas.supplier_member).get(url).json()
    theirs = client_for(personas.supplier_member).get(url, {"supplier_siret": globex})
    outsider = client_for(personas.outsider).get(url).json()

    assert [(e["number"], e["amount"]) for e in mine["results"]] == [("EJ-1", None)]
    assert theirs.status_code == 400 and list(theirs.json()["errors"]) == ["supplier_siret"]
    assert [(e["number"], e["amount"]) for e in outsider["results"]] == [("EJ-3", "10.00")]


def test_the_reason_catalogue_is_listed_in_the_callers_language(personas, client_for):
    client = client_for(personas.agent)

    french = client.get("/api/v1/rejection-reasons/", {"page_size": 200}).json()
    english = client.get("/api/v1/rejection-reasons/", HTTP_ACCEPT_LANGUAGE="en").json()

    codes = {r["code"]: r for r in french["results"]}
    assert (
        "SE_EJ_INCORRECT" in codes and "A_RECYCLER" in codes["SE_EJ_INCORRECT"]["allowed_statuses"]
    )
    assert english["results"][0]["label"] == english["results"][0]["label_en"]
    assert french["results"][0]["label"] == french["results"][0]["label_fr"]


# --- invoices: who sees what -------------------------------------------------------------------
def test_suppliers_see_their_sent_invoices_and_outsiders_see_none(personas, client_for):
    invoice = invoice_in(personas, Status.MISE_A_DISPOSITION)

    member = client_for(personas.supplier_member)
    outsider = client_for(personas.outsider)

    assert [i["id"] for i in member.get("/api/v1/invoices/").json()["results"]] == [invoice.pk]
    assert member.get(f"/api/v1/invoices/{invoice.pk}/").json()["number"] == invoice.number
    assert outsider.get("/api/v1/invoices/").json()["count"] == 0
    assert outsider.get(f"/api/v1/invoices/{invoice.pk}/").status_code == 404
    assert outsider.get(f"/api/v1/invoices/{invoice.pk}/history/").status_code == 404


def test_agents_see_invoices_made_available_to_their_service_only(personas, client_for):
    available = invoice_in(personas, Status.MISE_A_DISPOSITION)
    routing = invoice_in(personas, Status.EN_COURS_ACHEMINEMENT)
    other = invoice_in(personas, Status.MISE_A_DISPOSITION, service=personas.other_service)
    agent = client_for(personas.agent)

    received = agent.get("/api/v1/invoices/", {"direction": "received"}).json()

    assert [i["id"] for i in received["results"]] == [available.pk]
    assert agent.get(f"/api/v1/invoices/{routing.pk}/").status_code == 404
    assert agent.get(f"/api/v1/invoices/{other.pk}/").status_code == 404
    assert agent.get("/api/v1/invoices/", {"direction": "sent"}).json()["count"] == 0
    other_agent = client_for(personas.other_agent).get("/api/v1/invoices/").json()
    assert [i["id"] for i in other_agent["results"]] == [other.pk]


def test_the_list_filters_and_orders(personas, client_for):
    cheap = invoice_in(personas, Status.MISE_A_DISPOSITION, total_incl_tax=Decimal("10.00"))
    dear = invoice_in(
        personas, Status.REJETEE, total_incl_tax=Decimal("900.00"), engagement_number="EJ-9"
    )
    client = client_for(personas.supplier_principal)

    def ids(**params: str) -> list[int]:
        response = client.get("/api/v1/invoices/", params)
        assert response.status_code == 200, response.json()
        return [i["id"] for i in response.json()["results"]]

    assert ids(status="REJETEE") == [dear.pk]
    assert ids(status="REJETEE,MISE_A_DISPOSITION", ordering="total_incl_tax") == [
        cheap.pk,
        dear.pk,
    ]
    assert ids(ordering="-total_incl_tax") == [dear.pk, cheap.pk]
    assert ids(amount_min="100", amount_max="1000") == [dear.pk]
    assert ids(engagement_number="EJ-9") == [dear.pk]
    assert ids(number=cheap.number) == [cheap.pk]
    assert ids(recipient_siret=STATE, service_code="FACTURES_PUBLIQUES", direction="sent") == [
        dear.pk,
        cheap.pk,
    ]
    today = cheap.issue_date.isoformat()
    assert len(ids(issued_from=today, issued_to=today, deposited_from=today)) == 2
    assert ids(issued_to="2000-01-01") == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "PAYEE"}, "status"),
        ({"issued_from": "2026-02-30"}, "issued_from"),
        ({"amount_min": "1e999999"}, "amount_min"),
        ({"amount_max": "abc"}, "amount_max"),
        ({"ordering": "password"}, "ordering"),
        ({"direction": "sideways"}, "direction"),
        ({"page": "999"}, "page"),
        ({"page": "-1"}, "page"),
    ],
)
def test_wrong_list_parameters_are_400_naming_the_parameter(personas, client_for, params, field):
    response = client_for(personas.supplier_member).get("/api/v1/invoices/", params)

    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]


def test_pages_are_bounded_and_linked(personas, client_for):
    for _ in range(3):
        invoice_in(personas, Status.MISE_A_DISPOSITION)
    client = client_for(personas.supplier_member)

    first = client.get("/api/v1/invoices/", {"page_size": 2}).json()
    second = client.get("/api/v1/invoices/", {"page_size": 2, "page": 2}).json()

    assert first["count"] == 3 and len(first["results"]) == 2
    assert first["next"].endswith("page=2&page_size=2")
    assert len(second["results"]) == 1 and second["next"] is None


@pytest.mark.parametrize(
    "path",
    ["/api/v1/invoices/", "/api/v1/rejection-reasons/", f"/api/v1/structures/{STATE}/services/"],
)
def test_the_number_of_queries_of_a_list_does_not_grow_with_the_page(personas, client_for, path):
    client = client_for(personas.agent)
    invoice_in(personas, Status.MISE_A_DISPOSITION)
    client.get(path)  # the token's first use is recorded once; count afterwards

    with CaptureQueriesContext(connection) as one:
        client.get(path, {"page_size": 1})
    for _ in range(5):
        invoice_in(personas, Status.MISE_A_DISPOSITION)
        ServiceFactory(structure=personas.state)
    with CaptureQueriesContext(connection) as many:
        response = client.get(path, {"page_size": 200})

    assert len(response.json()["results"]) > 1
    assert len(many) == len(one)


def test_the_history_query_count_does_not_grow_with_the_history(personas, client_for):
    invoice = deposited(personas)
    client = client_for(personas.supplier_member)
    url = f"/api/v1/invoices/{invoice.pk}/history/"
    client.get(url)

    with CaptureQueriesContext(connection) as before:
        client.get(url)
    services.invoice_route(invoice_id=invoice.pk, expected_status=Status.DEPOSEE)
    services.invoice_route(invoice_id=invoice.pk, expected_status=Status.EN_COURS_ACHEMINEMENT)
    with CaptureQueriesContext(connection) as after:
        body = client.get(url).json()

    assert [h["status"] for h in body["results"]] == [
        "BROUILLON",
        "DEPOSEE",
        "EN_COURS_ACHEMINEMENT",
        "MISE_A_DISPOSITION",
    ]
    assert len(after) == len(before)


def test_the_detail_shows_lines_totals_breakdown_and_files(personas, client_for):
    invoice = deposited(personas)

    body = client_for(personas.supplier_member).get(f"/api/v1/invoices/{invoice.pk}/").json()

    assert body["status"] == "DEPOSEE"
    assert body["supplier_siret"] == personas.acme.identifier and body["recipient_siret"] == STATE
    assert (body["total_excl_tax"], body["total_vat"], body["total_incl_tax"]) == (
        "300.00",
        "60.00",
        "360.00",
    )
    assert body["vat_breakdown"] == [{"rate": "20.00", "base": "300.00", "amount": "60.00"}]
    assert [line["net_amount"] for line in body["lines"]] == ["300.00"]
    assert body["certificate_sha256"] == invoice.deposit_sha256
    # A typed invoice is deposited as its CII; the certificate and the Factur-X PDF are rendered
    # after the commit.
    assert [a["kind"] for a in body["attachments"]] == ["GENERATED_XML"]


def test_history_names_the_actor_and_the_reason(personas, client_for):
    invoice = invoice_in(personas, Status.MISE_A_DISPOSITION)
    from invoices.models import RejectionReason

    services.invoice_process(
        user=personas.agent,
        invoice=invoice,
        target=Status.REJETEE,
        reason=RejectionReason.objects.get(code="MONTANT_ERRONE"),
        comment="Le montant ne correspond pas.",
    )

    body = client_for(personas.supplier_member).get(f"/api/v1/invoices/{invoice.pk}/history/")

    [entry] = body.json()["results"]
    assert entry["status"] == "REJETEE" and entry["from_status"] == "MISE_A_DISPOSITION"
    assert entry["actor"] == personas.agent.get_full_name() and entry["actor_type"] == "user"
    assert (entry["reason_code"], entry["reason_label"]) == ("MONTANT_ERRONE", "Montant erroné")
    assert entry["comment"] == "Le montant ne correspond pas."


def test_the_invoice_and_each_step_carry_the_reform_lifecycle_code(personas, client_for):
    invoice = invoice_in(personas, Status.MISE_A_DISPOSITION, made_available_at=timezone.now())
    services.invoice_process(
        user=personas.agent,
        invoice=invoice,
        target=Status.SUSPENDUE,
        reason=RejectionReason.objects.get(code="MONTANT_ERRONE"),
        comment="Pièce manquante.",
    )
    client = client_for(personas.supplier_member)

    detail = client.get(f"/api/v1/invoices/{invoice.pk}/").json()
    [step] = client.get(f"/api/v1/invoices/{invoice.pk}/history/").json()["results"]

    assert detail["reform_code"] == 208
    assert (step["status"], step["reform_code"]) == ("SUSPENDUE", 208)


# --- downloads ---------------------------------------------------------------------------------
def test_the_pdf_the_certificate_and_each_file_download_with_their_digest(personas, client_for):
    invoice = deposited(personas)
    client = client_for(personas.supplier_member)

    pdf = client.get(f"/api/v1/invoices/{invoice.pk}/pdf/")
    certificate = client.get(
        f"/api/v1/invoices/{invoice.pk}/certificate/", HTTP_ACCEPT="application/pdf"
    )
    third = client.get(f"/api/v1/invoices/{invoice.pk}/attachments/3/")

    assert pdf.status_code == 200 and pdf.headers["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content).startswith(b"%PDF-")
    assert "accuse-depot" in certificate.headers["Content-Disposition"]
    # Asked before the workers rendered them, the PDF and the certificate were made then, in
    # that order: the second and third files now.
    assert third.headers["X-Content-SHA256"] == certificate.headers["X-Content-SHA256"]
    rendered = client.get(f"/api/v1/invoices/{invoice.pk}/attachments/2/")
    assert rendered.status_code == 200 and rendered.headers["Content-Type"] == "application/pdf"
    assert client.get(f"/api/v1/invoices/{invoice.pk}/attachments/4/").status_code == 404
    assert client.get(f"/api/v1/invoices/{invoice.pk}/attachments/0/").status_code == 404


def test_downloads_of_another_structures_invoice_are_404_in_json(personas, client_for):
    invoice = deposited(personas)
    outsider = client_for(personas.outsider)

    for path in ("pdf", "certificate", "attachments/1"):
        response = outsider.get(
            f"/api/v1/invoices/{invoice.pk}/{path}/", HTTP_ACCEPT="application/pdf"
        )
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"


def test_a_draft_has_no_pdf_yet(personas, client_for):
    invoice = draft(personas)

    response = client_for(personas.supplier_member).get(f"/api/v1/invoices/{invoice.pk}/pdf/")

    assert response.status_code == 404


def test_an_agent_downloads_a_received_invoice(personas, client_for):
    invoice = deposited(personas)
    services.invoice_route(invoice_id=invoice.pk, expected_status=Status.DEPOSEE)
    services.invoice_route(invoice_id=invoice.pk, expected_status=Status.EN_COURS_ACHEMINEMENT)

    assert client_for(personas.agent).get(f"/api/v1/invoices/{invoice.pk}/pdf/").status_code == 200
    assert (
        client_for(personas.other_agent).get(f"/api/v1/invoices/{invoice.pk}/pdf/").status_code
        == 404
    )


def test_session_users_may_call_the_api_too(personas):
    client = CheckedClient()
    client.force_login(personas.supplier_member)

    assert client.get("/api/v1/me/").status_code == 200
