"""Credit notes (*avoirs*, issue 17 item 5): each refers to a deposited invoice of its supplier
structure and recipient — chosen in a list on the pages, by number through the API, by BT-25
in a file — and credits no more than what is left of it; both invoices show each other."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from einvoice.data import TYPE_CREDIT_NOTE
from einvoice.parse import parse_file
from invoices import services
from invoices.models import Invoice
from invoices.services import InvoiceError, StructuredFileRefused
from invoices.workflow import Status
from tests.einvoice.samples import line as file_line
from tests.factories import PublicStructureFactory
from tests.invoices.factories import (
    certified_xml,
    deposited,
    draft,
    entry_form,
    errors_of,
    invoice_in,
    line,
    stored_bytes,
)
from tests.invoices.structured_files import facturx_to_the_state

pytestmark = pytest.mark.django_db
D = Decimal
FIELD = "original_invoice_number"


def credit_note(personas, original: Invoice | None = None, *, amount: str = "100", **values):  # type: ignore[no-untyped-def]
    """A draft credit note of Acme to the State: one line of ``amount`` HT at 20 %."""
    if original is not None:
        values.setdefault("original_invoice_number", original.number)
    return draft(
        personas,
        invoice_type="AVOIR",
        lines=[line(description="Avoir", quantity=D("1"), unit_price=D(amount))],
        **values,
    )


def deposit_errors(personas, invoice: Invoice) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    with pytest.raises(InvoiceError) as refused:
        services.invoice_deposit(user=personas.supplier_principal, invoice=invoice)
    return refused.value.errors


# --- the service -----------------------------------------------------------------------------
def test_a_credit_note_given_by_number_is_linked_to_its_invoice(personas):
    original = deposited(personas)  # 2 × 150 HT, 360 TTC

    note = services.invoice_deposit(
        user=personas.supplier_principal, invoice=credit_note(personas, original)
    )

    assert note.status == Status.DEPOSEE
    assert note.credited_invoice == original
    assert list(original.credit_notes.all()) == [note]


def test_a_credit_note_chosen_by_id_takes_its_invoice_s_number(personas):
    original = deposited(personas)
    note = credit_note(personas, credited_invoice_id=original.pk, original_invoice_number="")

    assert (note.credited_invoice, note.original_invoice_number) == (original, original.number)


def test_a_credit_note_without_its_invoice_is_refused(personas):
    errors = deposit_errors(personas, credit_note(personas))
    assert errors[FIELD] == ["Un avoir doit indiquer le numéro de la facture d'origine."]


def test_an_unknown_number_is_refused_under_the_field(personas):
    deposited(personas, number="F-REAL")
    errors = deposit_errors(personas, credit_note(personas, original_invoice_number="F-NOPE"))
    assert errors[FIELD] == [
        "Aucune facture déposée par votre structure ne porte le numéro F-NOPE."
    ]


def test_a_draft_is_not_an_invoice_to_credit(personas):
    unsent = draft(personas, number="F-DRAFT")
    note = credit_note(personas, original_invoice_number="F-DRAFT")
    assert note.credited_invoice is None
    assert "F-DRAFT" in deposit_errors(personas, note)[FIELD][0]
    assert unsent.credit_notes.count() == 0


def test_another_structure_s_invoice_is_never_found(personas):
    theirs = draft(personas, user=personas.outsider, supplier=personas.globex, number="G-1")
    theirs = services.invoice_deposit(user=personas.outsider, invoice=theirs)

    by_number = credit_note(personas, original_invoice_number="G-1")
    by_id = credit_note(personas, credited_invoice_id=theirs.pk)

    assert by_number.credited_invoice is None and by_id.credited_invoice is None
    assert "G-1" in deposit_errors(personas, by_number)[FIELD][0]
    assert deposit_errors(personas, by_id)[FIELD] == [
        "Un avoir doit indiquer le numéro de la facture d'origine."
    ]


def test_a_credit_note_of_a_credit_note_is_refused(personas):
    original = deposited(personas)
    first = services.invoice_deposit(
        user=personas.supplier_principal, invoice=credit_note(personas, original, amount="10")
    )
    errors = deposit_errors(personas, credit_note(personas, first, amount="1"))
    assert errors[FIELD] == [
        f"La pièce {first.number} est elle-même un avoir : indiquez la facture d'origine."
    ]


def test_the_invoice_of_another_recipient_is_refused(personas):
    town = PublicStructureFactory()
    elsewhere = invoice_in(personas, Status.MISE_A_DISPOSITION, recipient=town, service=None)
    errors = deposit_errors(personas, credit_note(personas, elsewhere))
    assert errors[FIELD] == [
        f"La facture {elsewhere.number} a été adressée à un autre destinataire : un avoir va "
        "au destinataire de sa facture d'origine."
    ]


def test_a_credit_note_above_the_invoice_s_total_is_refused(personas):
    original = deposited(personas)  # 360,00 € TTC
    errors = deposit_errors(personas, credit_note(personas, original, amount="301"))  # 361,20
    assert errors[FIELD] == [
        f"Le montant de l'avoir (361,20\u00a0€ TTC) dépasse ce qui reste à créditer sur la "
        f"facture {original.number} : 360,00\u00a0€ (son total, moins les avoirs déjà déposés)."
    ]


def test_what_is_left_to_credit_counts_the_earlier_credit_notes_but_not_the_rejected(personas):
    original = deposited(personas)  # 360 TTC
    first = services.invoice_deposit(
        user=personas.supplier_principal, invoice=credit_note(personas, original, amount="200")
    )  # 240 TTC: 120 left
    credit_note(personas, original, amount="100")  # a draft credits nothing

    assert (
        "120,00"
        in deposit_errors(personas, credit_note(personas, original, amount="101"))[FIELD][0]
    )
    Invoice.objects.filter(pk=first.pk).update(status=Status.REJETEE)
    whole = services.invoice_deposit(
        user=personas.supplier_principal, invoice=credit_note(personas, original, amount="300")
    )
    assert whole.status == Status.DEPOSEE  # the rejected one credited nothing


def test_the_cii_written_for_a_credit_note_carries_bt_25(personas):
    original = deposited(personas, number="F-2026-0007")
    note = services.invoice_deposit(
        user=personas.supplier_principal, invoice=credit_note(personas, original)
    )

    data = parse_file(stored_bytes(certified_xml(note)), "avoir.xml")

    assert (data.type_code, data.preceding_invoice) == (TYPE_CREDIT_NOTE, "F-2026-0007")
    assert data.preceding_invoice_date == original.issue_date  # BT-26, from the invoice linked


# --- a structured credit note: BT-25 matched the same way ---------------------------------------
def structured_credit_note(personas, preceding: str, amount: str = "43.50") -> bytes:  # type: ignore[no-untyped-def]
    return facturx_to_the_state(
        seller_siret=personas.acme.siret,
        number="AV-2026-0003",
        type_code=TYPE_CREDIT_NOTE,
        preceding_invoice=preceding,
        lines=(file_line("1", "1", amount, name="Avoir sur prestation"),),
    )


def test_a_structured_credit_note_is_linked_by_its_bt_25(personas):
    original = deposited(personas, number="F-2026-0042")

    note = services.invoice_deposit_structured_file(
        user=personas.supplier_principal,
        supplier=personas.acme,
        content=structured_credit_note(personas, "F-2026-0042"),
        filename="avoir.pdf",
    )

    assert (note.invoice_type, note.credited_invoice) == ("AVOIR", original)


@pytest.mark.parametrize(
    ("preceding", "amount", "said"),
    [
        ("F-ABSENT", "43.50", "ne porte le numéro F-ABSENT"),
        ("F-2026-0042", "400", "dépasse ce qui reste à créditer"),
    ],
)
def test_a_structured_credit_note_that_does_not_fit_is_refused_on_bt_25(
    personas, preceding, amount, said
):
    deposited(personas, number="F-2026-0042")  # 360 TTC
    with pytest.raises(StructuredFileRefused) as refused:
        services.invoice_deposit_structured_file(
            user=personas.supplier_principal,
            supplier=personas.acme,
            content=structured_credit_note(personas, preceding, amount),
            filename="avoir.pdf",
        )
    problems = [p for p in refused.value.preview.problems if p.field == FIELD]
    assert [p.business_term for p in problems] == ["BT-25"]
    assert said in problems[0].message
    assert Invoice.objects.filter(number="AV-2026-0003").count() == 0


# --- the pages ---------------------------------------------------------------------------------
def test_the_entry_form_lists_the_structure_s_deposited_invoices_only(client, personas):
    original = deposited(personas, number="F-LISTED")
    draft(personas, number="F-UNSENT")
    services.invoice_deposit(
        user=personas.supplier_principal, invoice=credit_note(personas, original, number="AV-1")
    )
    theirs = draft(personas, user=personas.outsider, supplier=personas.globex, number="G-HIDDEN")
    services.invoice_deposit(user=personas.outsider, invoice=theirs)
    client.force_login(personas.supplier_principal)

    page = client.get(reverse("invoices:create")).content.decode()

    assert f'value="{original.pk}"' in page and "F-LISTED" in page
    assert "F-UNSENT" not in page and "AV-1 —" not in page and "G-HIDDEN" not in page


def test_the_entry_form_deposits_the_credit_note_chosen_in_the_list(client, personas):
    original = deposited(personas)
    client.force_login(personas.supplier_principal)
    form = entry_form(
        personas,
        number="AV-WEB",
        invoice_type="AVOIR",
        original_invoice_number=str(original.pk),
    )

    response = client.post(reverse("invoices:create"), form)

    note = Invoice.objects.get(number="AV-WEB")
    assert response.status_code == 302 and note.status == Status.DEPOSEE
    assert (note.credited_invoice, note.original_invoice_number) == (original, original.number)


def test_the_entry_form_says_under_the_list_what_does_not_fit(client, personas):
    original = deposited(personas)  # 360 TTC
    client.force_login(personas.supplier_principal)
    form = entry_form(
        personas,
        number="AV-BIG",
        invoice_type="AVOIR",
        original_invoice_number=str(original.pk),
        **{"lines-0-unit_price": "1000"},
    )

    page = client.post(reverse("invoices:create"), form).content.decode()

    assert "dépasse ce qui reste à créditer" in errors_of(page)[FIELD]
    assert not Invoice.objects.filter(number="AV-BIG").exists()


def test_a_plain_pdf_credit_note_chooses_its_invoice_in_the_same_list(client, personas):
    from tests.invoices.factories import upload

    original = deposited(personas)
    client.force_login(personas.supplier_principal)
    form = entry_form(
        personas,
        number="AV-PDF",
        invoice_type="AVOIR",
        original_invoice_number=str(original.pk),
        total_excl_tax="100",
        total_vat="20",
        total_incl_tax="120",
        main_file=upload("avoir.pdf"),
    )

    assert f'value="{original.pk}"' in client.get(reverse("invoices:upload")).content.decode()
    response = client.post(reverse("invoices:upload"), form)

    note = Invoice.objects.get(number="AV-PDF")
    assert response.status_code == 302
    assert (note.status, note.credited_invoice) == (Status.DEPOSEE, original)


def test_both_supplier_pages_link_the_invoice_and_its_credit_note(client, personas):
    original = deposited(personas, number="F-ORIG")
    note = services.invoice_deposit(
        user=personas.supplier_principal,
        invoice=credit_note(personas, original, number="AV-ORIG"),
    )
    client.force_login(personas.supplier_member)

    note_page = client.get(reverse("invoices:detail", args=[note.pk])).content.decode()
    original_page = client.get(reverse("invoices:detail", args=[original.pk])).content.decode()

    assert reverse("invoices:detail", args=[original.pk]) + '">F-ORIG</a>' in note_page
    assert reverse("invoices:detail", args=[note.pk]) + '">AV-ORIG</a>' in original_page


def test_both_agent_pages_link_them_among_what_the_agent_receives(client, personas):
    original = invoice_in(personas, Status.MISE_A_DISPOSITION, number="F-RECU")
    note = invoice_in(
        personas,
        Status.MISE_A_DISPOSITION,
        number="AV-RECU",
        invoice_type="AVOIR",
        original_invoice_number="F-RECU",
        credited_invoice=original,
    )
    client.force_login(personas.agent)

    note_page = client.get(reverse("invoices:received_detail", args=[note.pk])).content.decode()
    original_page = client.get(
        reverse("invoices:received_detail", args=[original.pk])
    ).content.decode()

    assert reverse("invoices:received_detail", args=[original.pk]) + '">F-RECU' in note_page
    assert reverse("invoices:received_detail", args=[note.pk]) + '">AV-RECU' in original_page
    # Another service's agent receives neither: not found, nothing shown.
    client.force_login(personas.other_agent)
    assert client.get(reverse("invoices:received_detail", args=[note.pk])).status_code == 404


def test_an_agent_is_not_shown_a_credit_note_sent_to_another_service(client, personas):
    original = invoice_in(personas, Status.MISE_A_DISPOSITION, number="F-SE1")
    invoice_in(
        personas,
        Status.MISE_A_DISPOSITION,
        number="AV-SE2",
        invoice_type="AVOIR",
        original_invoice_number="F-SE1",
        credited_invoice=original,
        service=personas.other_service,
    )
    client.force_login(personas.agent)

    page = client.get(reverse("invoices:received_detail", args=[original.pk])).content.decode()

    assert "AV-SE2" not in page


def test_the_migration_links_the_credit_notes_already_deposited(personas):
    from importlib import import_module

    from django.apps import apps

    original = invoice_in(personas, Status.MISE_A_DISPOSITION, number="F-OLD")
    note = invoice_in(
        personas,
        Status.MISE_A_DISPOSITION,
        number="AV-OLD",
        invoice_type="AVOIR",
        original_invoice_number="F-OLD",
    )
    migration = import_module("invoices.migrations.0009_invoice_credited_invoice")

    migration.link_credit_notes(apps, None)

    note.refresh_from_db()
    assert note.credited_invoice == original


def test_the_agents_e_mail_says_it_is_a_credit_note_and_on_which_invoice(personas):
    from django.core import mail

    from invoices import notifications

    original = invoice_in(personas, Status.MISE_A_DISPOSITION, number="F-MAIL")
    note = invoice_in(
        personas,
        Status.MISE_A_DISPOSITION,
        number="AV-MAIL",
        invoice_type="AVOIR",
        original_invoice_number="F-MAIL",
        credited_invoice=original,
    )

    assert notifications.send_to_agents(note.pk) == 1

    message = mail.outbox[0]
    assert message.subject.startswith("Avoir AV-MAIL de Acme")
    assert "C’est un avoir sur la facture F-MAIL." in message.body
    assert "C’est un avoir sur la facture F-MAIL." in message.alternatives[0][0]
