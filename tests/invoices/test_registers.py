"""EJ registers: the CSV reader shared by the command and the page, the load (re-runnable,
nothing half stored), the register pages (scoped to the structure's members, the invoices per
EJ to the agent's services), closing an EJ and what the deposit says of a closed one."""

from __future__ import annotations

import csv
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from invoices import engagements_csv, services
from invoices.models import EngagementImport, EngagementRecord
from invoices.services import InvoiceError, RegisterError
from invoices.workflow import Status
from structures.models import Membership
from tests.factories import MembershipFactory, PublicStructureFactory, UserFactory
from tests.invoices.factories import draft, invoice_in

pytestmark = pytest.mark.django_db

SUPPLIER = "12345678900012"
GOOD = (
    "number;supplier_siret;amount;state\n"
    f"EJ-1;{SUPPLIER};1 200,50;ouvert\n"
    f"EJ-2;{SUPPLIER};;\n"
    "EJ-3;98765432100017;99.99;clos\n"
)


@pytest.fixture
def as_user(client):  # type: ignore[no-untyped-def]
    def login(user):  # type: ignore[no-untyped-def]
        client.force_login(user)
        return client

    return login


def upload(text: str, name: str = "ej.csv", encoding: str = "utf-8") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")


def load(personas, text: str, user=None) -> EngagementImport:  # type: ignore[no-untyped-def]
    """What the page does, then what the worker does (run here in-process)."""
    job = services.engagement_import_receive(
        user=user or personas.agent, recipient=personas.state, upload=upload(text)
    )
    services.engagement_import_run(import_id=job.pk)
    job.refresh_from_db()
    return job


# --- the reader -------------------------------------------------------------------------------
def test_the_reader_names_every_problem_with_its_line_in_french():
    parsed = engagements_csv.parse(
        "numéro;SIRET fournisseur;montant;état\n"
        f"EJ-1;{SUPPLIER};12,5;ouvert\n"
        "EJ-2;123;abc;peut-être\n"
        "\n"
        f"EJ-1;{SUPPLIER};;\n"
        f";{SUPPLIER};-3;\n"
    )
    assert [row.number for row in parsed.rows] == ["EJ-1"]
    assert parsed.rows[0].amount == Decimal("12.5")
    messages = [str(error) for error in parsed.errors]
    assert messages == [
        "Ligne 3 : le SIRET du fournisseur « 123 » doit compter 14 chiffres.",
        "Ligne 3 : le montant « abc » n’est pas un nombre (par exemple 1234,56).",
        "Ligne 3 : l’état « peut-être » est inconnu : ouvert ou clos (OPEN ou CLOSED).",
        "Ligne 5 : l’EJ EJ-1 figure déjà ligne 2.",
        "Ligne 6 : le numéro d’EJ est vide.",
        "Ligne 6 : le montant « -3 » doit être positif, avec deux décimales au plus.",
    ]


def test_the_reader_asks_for_the_two_columns_it_needs():
    parsed = engagements_csv.parse("numero,montant\nEJ-1,12\n")
    assert not parsed.ok and parsed.errors[0].line == 1
    assert "supplier_siret" in parsed.errors[0].message


def test_an_unreadable_csv_line_is_an_error_not_a_crash():
    # The csv module's field limit is process-wide (another module may have raised it).
    previous = csv.field_size_limit(1000)
    try:
        parsed = engagements_csv.parse(f"number;supplier_siret\nEJ-1;{'x' * 2000}\n")
    finally:
        csv.field_size_limit(previous)
    assert [error.line for error in parsed.errors] == [2]
    assert "pas du CSV lisible" in parsed.errors[0].message
    assert not parsed.rows


def test_a_long_wrong_value_is_cut_short_in_its_message():
    parsed = engagements_csv.parse(f"number;supplier_siret\nEJ-1;{'7' * 500}\n")
    assert parsed.errors[0].message == (
        f"le SIRET du fournisseur « {'7' * 40}… » doit compter 14 chiffres."
    )


def test_a_spreadsheets_windows_1252_file_is_read():
    text = engagements_csv.decode(f"number;supplier_siret\nÉJ-1;{SUPPLIER}\n".encode("cp1252"))
    assert engagements_csv.parse(text).rows[0].number == "ÉJ-1"


# --- loading -----------------------------------------------------------------------------------
def test_the_same_file_twice_changes_nothing(personas):
    first = load(personas, GOOD)
    assert first.status == EngagementImport.Status.DONE
    assert (first.created_count, first.updated_count, first.unchanged_count) == (3, 0, 0)
    before = {r.number: (r.state, r.amount, r.updated_at) for r in EngagementRecord.objects.all()}
    assert before["EJ-1"][:2] == ("OPEN", Decimal("1200.50"))
    assert before["EJ-3"][0] == "CLOSED"

    second = load(personas, GOOD)

    assert (second.created_count, second.updated_count, second.unchanged_count) == (0, 0, 3)
    after = {r.number: (r.state, r.amount, r.updated_at) for r in EngagementRecord.objects.all()}
    assert after == before


def test_a_file_without_state_leaves_a_closed_ej_closed(personas):
    load(personas, GOOD)
    record = EngagementRecord.objects.get(number="EJ-2")
    services.engagement_set_state(
        user=personas.agent, recipient=personas.state, record_id=record.pk, state="CLOSED"
    )
    job = load(personas, f"number;supplier_siret;amount\nEJ-2;{SUPPLIER};300\nEJ-9;{SUPPLIER};\n")
    assert (job.created_count, job.updated_count) == (1, 1)
    record.refresh_from_db()
    assert (record.state, record.amount) == ("CLOSED", Decimal("300"))
    assert EngagementRecord.objects.get(number="EJ-9").state == "OPEN"


def test_a_wrong_file_loads_nothing_and_keeps_its_errors_by_line(personas):
    job = load(personas, f"number;supplier_siret\nEJ-1;{SUPPLIER}\nEJ-2;not-a-siret\n")
    assert job.status == EngagementImport.Status.FAILED
    assert job.errors == [
        {
            "line": 3,
            "code": "supplier_siret",
            "params": {"value": "not-a-siret"},
            "message": "le SIRET du fournisseur « not-a-siret » doit compter 14 chiffres.",
        }
    ]
    assert not EngagementRecord.objects.exists()


def test_a_line_for_another_structure_is_refused(personas):
    other = PublicStructureFactory()
    job = load(
        personas,
        "recipient_siret;number;supplier_siret\n"
        f"{personas.state.identifier};EJ-1;{SUPPLIER}\n{other.identifier};EJ-2;{SUPPLIER}\n",
    )
    assert job.status == EngagementImport.Status.FAILED
    assert [error["line"] for error in job.errors] == [3]
    assert not EngagementRecord.objects.exists()


def test_a_run_delivered_again_resumes_and_a_finished_one_does_nothing(personas, settings):
    settings.ENGAGEMENT_CHUNK_SIZE = 2
    text = "number;supplier_siret\n" + "".join(f"EJ-{n};{SUPPLIER}\n" for n in range(5))
    job = services.engagement_import_receive(
        user=personas.agent, recipient=personas.state, upload=upload(text)
    )
    # A worker killed after its first chunk: two rows committed with the progress.
    EngagementImport.objects.filter(pk=job.pk).update(status="RUNNING")
    services.registers._load_chunk(job.pk, engagements_csv.parse(text).rows[:2], 0)
    services.engagement_import_run(import_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.processed_rows, job.created_count) == ("DONE", 5, 5)
    services.engagement_import_run(import_id=job.pk)
    job.refresh_from_db()
    assert (job.created_count, job.unchanged_count) == (5, 0)
    assert EngagementRecord.objects.count() == 5


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "vide"), (b"number\x00;x", "CSV"), (b"x" * 3000, "Mo")],
)
def test_an_unreadable_upload_is_refused_at_once(personas, settings, content, message):
    settings.ENGAGEMENT_FILE_MAX_BYTES = 2048
    with pytest.raises(RegisterError, match=message):
        services.engagement_import_receive(
            user=personas.agent,
            recipient=personas.state,
            upload=SimpleUploadedFile("ej.csv", content),
        )
    assert not EngagementImport.objects.exists()


def test_a_consultation_only_agent_neither_uploads_nor_closes(personas):
    Membership.objects.filter(user=personas.agent).update(can_modify=False)
    with pytest.raises(RegisterError, match="consultation"):
        services.engagement_import_receive(
            user=personas.agent, recipient=personas.state, upload=upload(GOOD)
        )
    record = EngagementRecord.objects.create(
        recipient=personas.state, number="EJ-1", supplier_siret=SUPPLIER
    )
    with pytest.raises(RegisterError, match="consultation"):
        services.engagement_set_state(
            user=personas.agent, recipient=personas.state, record_id=record.pk, state="CLOSED"
        )
    with pytest.raises(RegisterError):
        services.engagement_set_state(
            user=personas.outsider, recipient=personas.state, record_id=record.pk, state="CLOSED"
        )
    record.refresh_from_db()
    assert record.state == "OPEN"


# --- a closed EJ at the deposit -----------------------------------------------------------------
def test_a_closed_ej_refuses_a_new_deposit_with_a_clear_message(personas):
    personas.state.keeps_engagement_register = True
    personas.state.save(update_fields=["keeps_engagement_register"])
    siret = personas.acme.identifier
    EngagementRecord.objects.create(
        recipient=personas.state, number="EJ-CLOS", supplier_siret=siret, state="CLOSED"
    )
    EngagementRecord.objects.create(
        recipient=personas.state, number="EJ-OUVERT", supplier_siret=siret
    )

    invoice = draft(personas, engagement_number="EJ-CLOS")
    with pytest.raises(InvoiceError) as refused:
        services.invoice_deposit(user=personas.supplier_principal, invoice=invoice)
    assert refused.value.errors["engagement_number"] == [
        "L’engagement juridique EJ-CLOS est clos chez ce destinataire : il ne reçoit plus de "
        "facture. Demandez à votre client public le numéro d’un engagement ouvert."
    ]
    invoice.refresh_from_db()
    assert invoice.status == Status.BROUILLON
    ok = draft(personas, engagement_number="EJ-OUVERT")
    assert services.invoice_deposit(user=personas.supplier_principal, invoice=ok).status == (
        Status.DEPOSEE
    )


# --- the pages -----------------------------------------------------------------------------------
def test_the_agent_uploads_a_file_and_follows_its_loading(personas, as_user):
    client = as_user(personas.agent)
    url = reverse("invoices:register", args=[personas.state.pk])
    response = client.post(url, {"file": upload(GOOD)})
    job = EngagementImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "invoices:register_import", args=[personas.state.pk, job.pk]
    )
    page = client.get(response["Location"]).content.decode()
    assert "data-progress-url" in page and "js/task_progress.js" in page
    progress = reverse("invoices:register_import_progress", args=[personas.state.pk, job.pk])
    assert client.get(progress).json() == {
        "status": "PENDING", "done": False, "percent": 0, "processed": 0, "total": 0,
    }  # fmt: skip

    services.engagement_import_run(import_id=job.pk)

    assert client.get(progress).json()["done"] is True
    page = client.get(response["Location"]).content.decode()
    assert "Engagements créés : 3 ; modifiés : 0 ; inchangés : 0." in page
    assert "data-progress-url" not in page


def test_a_wrong_file_page_lists_the_lines_in_french(personas, as_user):
    client = as_user(personas.agent)
    job = load(personas, "number;supplier_siret\nEJ-1;12\n")
    page = client.get(reverse("invoices:register_import", args=[personas.state.pk, job.pk]))
    text = page.content.decode()
    assert "Fichier refusé : rien n’a été chargé" in text
    assert "Ligne 2 : le SIRET du fournisseur « 12 » doit compter 14 chiffres." in text


def test_a_wrong_file_page_speaks_the_readers_language(personas, as_user):
    """The worker judged the file in French; an English agent reads its problems in English,
    and a French colleague the same problems in French."""
    other = PublicStructureFactory()
    job = load(
        personas,
        "recipient_siret;number;supplier_siret;state\n"
        f"{other.identifier};EJ-1;{SUPPLIER};\n;EJ-2;12;peut-être\n",
    )
    url = reverse("invoices:register_import", args=[personas.state.pk, job.pk])
    client = as_user(personas.agent)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the portal turned to English
    text = client.get(url).content.decode()
    assert '<html lang="en"' in text
    assert "Line 2: this line is for the structure with SIRET" in text
    assert "Line 3: the supplier&#x27;s SIRET “12” must have 14 digits." in text
    assert "Line 3: the state “peut-être” is unknown" in text
    assert "doit compter" not in text and "destinée" not in text
    colleague = UserFactory(email="collegue@etat.test")
    MembershipFactory(user=colleague, structure=personas.state)
    del client.cookies[settings.LANGUAGE_COOKIE_NAME]
    text = as_user(colleague).get(url).content.decode()
    assert "Ligne 3 : le SIRET du fournisseur « 12 » doit compter 14 chiffres." in text
    assert "Ligne 2 : cette ligne est destinée à la structure de SIRET" in text


def test_an_upload_refused_before_the_codes_still_shows_its_words(personas, as_user):
    job = load(personas, "number;supplier_siret\nEJ-1;12\n")
    EngagementImport.objects.filter(pk=job.pk).update(
        errors=[{"line": 2, "message": "un problème d’autrefois."}]
    )
    url = reverse("invoices:register_import", args=[personas.state.pk, job.pk])
    assert "Ligne 2 : un problème d’autrefois." in as_user(personas.agent).get(url).content.decode()


def test_the_register_is_searched_by_number_supplier_and_state(personas, as_user):
    load(personas, GOOD)
    client = as_user(personas.agent)
    url = reverse("invoices:register", args=[personas.state.pk])

    def numbers(**query: str) -> list[str]:
        page = client.get(url, query).context["page"]
        return [record.number for record in page]

    assert numbers() == ["EJ-1", "EJ-2", "EJ-3"]
    assert numbers(number="j-3") == ["EJ-3"]
    assert numbers(supplier="987 654") == ["EJ-3"]
    assert numbers(state="CLOSED") == ["EJ-3"]
    EngagementRecord.objects.filter(number="EJ-1").update(supplier_siret=personas.acme.identifier)
    assert numbers(supplier="acm") == ["EJ-1"]


def test_a_register_is_seen_by_its_structures_members_only(personas, as_user, client):
    load(personas, GOOD)
    record = EngagementRecord.objects.get(number="EJ-1")
    other_agent = UserFactory()
    MembershipFactory(user=other_agent, structure=PublicStructureFactory())
    urls = [
        reverse("invoices:register", args=[personas.state.pk]),
        reverse("invoices:register_engagement", args=[personas.state.pk, record.pk]),
        reverse(
            "invoices:register_import", args=[personas.state.pk, EngagementImport.objects.get().pk]
        ),
    ]
    for outsider in (personas.supplier_principal, personas.outsider, other_agent):
        client.force_login(outsider)
        for url in urls:
            assert client.get(url).status_code == 404, (outsider, url)
        response = client.post(
            reverse("invoices:register_engagement_state", args=[personas.state.pk, record.pk]),
            {"state": "CLOSED"},
        )
        assert response.status_code == 404
    record.refresh_from_db()
    assert record.state == "OPEN"
    # A structure's page never shows another structure's EJ.
    client.force_login(personas.agent)
    elsewhere = EngagementRecord.objects.create(
        recipient=other_agent.memberships.get().structure, number="EJ-1", supplier_siret=SUPPLIER
    )
    assert (
        client.get(
            reverse("invoices:register_engagement", args=[personas.state.pk, elsewhere.pk])
        ).status_code
        == 404
    )


def test_the_invoices_of_an_ej_are_those_of_the_agents_services(personas, as_user):
    load(personas, GOOD)
    record = EngagementRecord.objects.get(number="EJ-1")
    invoice_in(personas, Status.MISE_A_DISPOSITION, engagement_number="EJ-1", number="F-MINE")
    invoice_in(
        personas,
        Status.MISE_A_DISPOSITION,
        engagement_number="EJ-1",
        number="F-OTHER",
        service=personas.other_service,
    )
    invoice_in(personas, Status.DEPOSEE, engagement_number="EJ-1", number="F-NOT-YET")
    url = reverse("invoices:register_engagement", args=[personas.state.pk, record.pk])

    page = as_user(personas.agent).get(url)
    assert [i.number for i in page.context["invoices"]] == ["F-MINE"]
    listed = as_user(personas.agent).get(reverse("invoices:register", args=[personas.state.pk]))
    assert {r.number: r.invoice_count for r in listed.context["page"]}["EJ-1"] == 1
    page = as_user(personas.other_agent).get(url)
    assert [i.number for i in page.context["invoices"]] == ["F-OTHER"]


def test_the_agent_closes_an_ej_on_its_page(personas, as_user):
    load(personas, GOOD)
    record = EngagementRecord.objects.get(number="EJ-1")
    client = as_user(personas.agent)
    response = client.post(
        reverse("invoices:register_engagement_state", args=[personas.state.pk, record.pk]),
        {"state": "CLOSED"},
        follow=True,
    )
    assert "Engagement EJ-1 clos : il ne reçoit plus de nouvelle facture." in (
        response.content.decode()
    )
    record.refresh_from_db()
    assert record.state == "CLOSED"
    response = client.post(
        reverse("invoices:register_engagement_state", args=[personas.state.pk, record.pk]),
        {"state": "PERHAPS"},
        follow=True,
    )
    assert response.status_code == 200 and "État d’engagement inconnu." in response.content.decode()


def test_a_refused_upload_shows_its_message_under_the_field(personas, as_user, settings):
    settings.ENGAGEMENT_FILE_MAX_BYTES = 1024
    client = as_user(personas.agent)
    url = reverse("invoices:register", args=[personas.state.pk])
    response = client.post(url, {"file": upload("x" * 2000)})
    assert response.status_code == 400
    assert "Le fichier dépasse 1 Mo" in response.content.decode()
    response = client.post(url, {})
    assert "Choisissez le fichier CSV à charger." in response.content.decode()
    assert not EngagementImport.objects.exists()
