"""The structure's profile and bank accounts (issue 17): checked by python-stdnum, kept by the
principal and secondary managers only, one default, never deleted once an invoice used it,
each change in the audit trail, additions e-mailed to the managers."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from stdnum.fr import tva

from structures import services_profile
from structures.errors import StructureError
from structures.models import BankAccount, Membership, Structure, StructureEvent
from tests.invoices.factories import GOOD_IBAN, draft
from tests.utils.two_factor import log_in_as

pytestmark = pytest.mark.django_db

OTHER_IBAN = "DE89370400440532013000"
BIC = "BNPAFRPPXXX"


def vat_of(structure: Structure) -> str:
    siren = structure.identifier[:9]
    key = (12 + 3 * (int(siren) % 97)) % 97  # the French VAT key of a SIREN
    number = f"FR{key:02d}{siren}"
    assert tva.is_valid(number)
    return number


def make_secondary(personas) -> Membership:  # type: ignore[no-untyped-def]
    member = Membership.objects.get(user=personas.supplier_member)
    member.role = Membership.Role.SECONDARY
    member.save(update_fields=["role"])
    return member


def add(personas, iban=GOOD_IBAN, **values):  # type: ignore[no-untyped-def]
    values.setdefault("label", "Compte courant")
    values.setdefault("by", personas.supplier_principal)
    return services_profile.bank_account_add(structure=personas.acme, iban=iban, **values)


def profile_values(**changes: str) -> dict[str, str]:
    values = {
        "address": "2 rue du Port",
        "postal_code": "44000",
        "city": "Nantes",
        "vat_number": "",
        "contact_name": "Service comptable",
        "contact_email": "compta@acme.test",
        "contact_phone": "+33 2 40 00 00 00",
    }
    return {**values, **changes}


# --- The profile ----------------------------------------------------------------------------
def test_a_manager_changes_the_profile_and_the_audit_trail_names_the_fields(personas):
    vat = vat_of(personas.acme)
    spaced = f"{vat[:4]} {vat[4:7]} {vat[7:]}".lower()
    services_profile.structure_profile_update(
        structure=personas.acme, by=personas.supplier_principal, **profile_values(vat_number=spaced)
    )
    acme = Structure.objects.get(pk=personas.acme.pk)
    assert acme.vat_number == vat and acme.contact_email == "compta@acme.test"
    event = StructureEvent.objects.get(structure=acme)
    assert event.action == "PROFILE_UPDATED" and event.user == personas.supplier_principal
    assert "vat_number" in event.detail and "contact_phone" in event.detail
    assert "numéro de TVA intracommunautaire" in event.detail_display
    # The same values again: nothing changed, nothing recorded.
    services_profile.structure_profile_update(
        structure=acme, by=personas.supplier_principal, **profile_values(vat_number=vat)
    )
    assert StructureEvent.objects.filter(structure=acme).count() == 1


@pytest.mark.parametrize(
    ("vat", "words"),
    [
        ("FR00123456789", "n’est pas valide"),
        ("XX123", "n’est pas valide"),
        ("FR４０303265045", "n’est pas valide"),
        ("FR40303265045", "n’est pas celui du SIREN"),  # a real number, of another company
    ],
)
def test_a_wrong_vat_number_is_refused_and_nothing_is_stored(personas, vat, words):
    with pytest.raises(ValidationError) as caught:
        services_profile.structure_profile_update(
            structure=personas.acme,
            by=personas.supplier_principal,
            **profile_values(vat_number=vat),
        )
    assert words in " ".join(caught.value.message_dict["vat_number"])
    acme = Structure.objects.get(pk=personas.acme.pk)
    assert acme.vat_number == "" and acme.contact_email == ""
    assert not StructureEvent.objects.exists()


def test_a_foreign_eu_vat_number_is_accepted(personas):
    services_profile.structure_profile_update(
        structure=personas.acme,
        by=personas.supplier_principal,
        **profile_values(vat_number="DE 136 695 976"),
    )
    assert Structure.objects.get(pk=personas.acme.pk).vat_number == "DE136695976"


@pytest.mark.parametrize("who", ["supplier_member", "pending_requester", "outsider", "admin"])
def test_only_the_managers_keep_the_profile_and_the_accounts(personas, who):
    user = getattr(personas, who)
    with pytest.raises(StructureError, match="Seuls les gestionnaires"):
        services_profile.structure_profile_update(
            structure=personas.acme, by=user, **profile_values()
        )
    with pytest.raises(StructureError, match="Seuls les gestionnaires"):
        add(personas, by=user)
    assert not BankAccount.objects.exists() and not StructureEvent.objects.exists()


def test_a_secondary_manager_keeps_the_profile_and_the_accounts(personas):
    make_secondary(personas)
    services_profile.structure_profile_update(
        structure=personas.acme, by=personas.supplier_member, **profile_values()
    )
    account = add(personas, by=personas.supplier_member)
    assert account.created_by == personas.supplier_member and account.is_default


# --- Bank accounts --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("iban", "bic", "field"),
    [
        ("FR7630006000011234567890180", "", "iban"),  # wrong check digits
        ("FR76３0006000011234567890189", "", "iban"),  # full-width digit
        ("", "", "iban"),
        (GOOD_IBAN, "BNPA", "bic"),
        (GOOD_IBAN, "BNPAFRPPXXXX", "bic"),
    ],
)
def test_a_wrong_iban_or_bic_is_refused_on_its_field(personas, iban, bic, field):
    with pytest.raises(ValidationError) as caught:
        add(personas, iban=iban, bic=bic)
    assert field in caught.value.message_dict
    assert not BankAccount.objects.exists()


def test_accounts_are_stored_compact_and_the_first_one_is_the_default(
    personas, mailoutbox, django_capture_on_commit_callbacks
):
    make_secondary(personas)
    spaced = " ".join(GOOD_IBAN[i : i + 4] for i in range(0, len(GOOD_IBAN), 4)).lower()
    with django_capture_on_commit_callbacks(execute=True):
        first = add(personas, iban=spaced, bic="bnpa frpp xxx")
    assert (first.iban, first.bic, first.is_default) == (GOOD_IBAN, BIC, True)
    second = add(personas, iban=OTHER_IBAN, label="Agence")
    assert not second.is_default
    with pytest.raises(ValidationError, match="déjà enregistré"):
        add(personas, iban=GOOD_IBAN)
    # Both managers are told of the new account, with its IBAN.
    assert sorted(m.to[0] for m in mailoutbox) == sorted(
        [personas.supplier_principal.contact_email, personas.supplier_member.contact_email]
    )
    assert all("Nouveau compte bancaire" in m.subject for m in mailoutbox)
    assert all("FR76 3000 6000 0112 3456 7890 189" in m.body for m in mailoutbox)


def test_one_default_at_a_time_and_a_deactivated_default_passes_it_on(personas):
    first = add(personas)
    second = add(personas, iban=OTHER_IBAN, label="Agence")
    services_profile.bank_account_set_default(
        structure=personas.acme, by=personas.supplier_principal, account_id=second.pk
    )
    assert list(BankAccount.objects.filter(is_default=True).values_list("pk", flat=True)) == [
        second.pk
    ]
    services_profile.bank_account_set_active(
        structure=personas.acme,
        by=personas.supplier_principal,
        account_id=second.pk,
        active=False,
    )
    second.refresh_from_db()
    first.refresh_from_db()
    assert not second.is_active and not second.is_default and first.is_default
    with pytest.raises(StructureError, match="Réactivez"):
        services_profile.bank_account_set_default(
            structure=personas.acme, by=personas.supplier_principal, account_id=second.pk
        )
    actions = list(
        StructureEvent.objects.filter(structure=personas.acme)
        .order_by("at", "pk")
        .values_list("action", flat=True)
    )
    assert actions == ["ACCOUNT_ADDED", "ACCOUNT_ADDED", "ACCOUNT_DEFAULT", "ACCOUNT_DEACTIVATED"]


def test_the_database_keeps_one_default_per_structure(personas):
    from django.db import IntegrityError, transaction

    add(personas)
    with pytest.raises(IntegrityError), transaction.atomic():
        BankAccount.objects.create(
            structure=personas.acme,
            label="B",
            iban=OTHER_IBAN,
            is_default=True,
            created_by=personas.supplier_principal,
        )


def test_an_unused_account_is_deleted_a_used_one_only_deactivated(personas):
    unused = add(personas, iban=OTHER_IBAN, label="Faute de frappe")
    used = add(personas, label="Compte courant")
    draft(personas, iban=GOOD_IBAN)
    services_profile.bank_account_delete(
        structure=personas.acme, by=personas.supplier_principal, account_id=unused.pk
    )
    assert not BankAccount.objects.filter(pk=unused.pk).exists()
    with pytest.raises(StructureError, match="ne peut pas être supprimé"):
        services_profile.bank_account_delete(
            structure=personas.acme, by=personas.supplier_principal, account_id=used.pk
        )
    assert BankAccount.objects.filter(pk=used.pk).exists()
    assert StructureEvent.objects.filter(action="ACCOUNT_DELETED").count() == 1


def test_another_structure_s_account_is_never_touched(personas):
    globex_account = services_profile.bank_account_add(
        structure=personas.globex, by=personas.outsider, label="Globex", iban=GOOD_IBAN
    )
    for act in (
        services_profile.bank_account_set_default,
        services_profile.bank_account_delete,
    ):
        with pytest.raises(StructureError, match="n’est pas celui de la structure"):
            act(
                structure=personas.acme,
                by=personas.supplier_principal,
                account_id=globex_account.pk,
            )
    assert BankAccount.objects.get(pk=globex_account.pk).is_active


# --- The page -------------------------------------------------------------------------------
def test_a_member_reads_the_profile_a_manager_changes_it(client, personas):
    add(personas)
    log_in_as(client, personas.supplier_member)
    url = reverse("structures:profile", args=[personas.acme.pk])
    page = client.get(url).content.decode()
    assert "FR76 3000 6000 0112 3456 7890 189" in page
    assert "Ajouter le compte" not in page and "Enregistrer le profil" not in page
    client.post(url, profile_values())
    assert Structure.objects.get(pk=personas.acme.pk).contact_email == ""
    log_in_as(client, personas.supplier_principal)
    response = client.post(url, profile_values(), follow=True)
    assert "Profil de la structure enregistré." in response.content.decode()
    assert Structure.objects.get(pk=personas.acme.pk).contact_email == "compta@acme.test"


def test_a_wrong_iban_typed_in_the_page_is_said_next_to_its_field(client, personas):
    log_in_as(client, personas.supplier_principal)
    response = client.post(
        reverse("structures:account_add", args=[personas.acme.pk]),
        {"label": "Compte", "iban": "FR76 0000", "bic": ""},
    )
    assert response.status_code == 400
    assert "Cet IBAN n’est pas valide" in response.content.decode()
    assert not BankAccount.objects.exists()


def test_the_page_adds_deactivates_and_deletes_accounts(client, personas):
    log_in_as(client, personas.supplier_principal)
    client.post(
        reverse("structures:account_add", args=[personas.acme.pk]),
        {"label": "Compte courant", "iban": GOOD_IBAN, "bic": BIC},
    )
    account = BankAccount.objects.get()
    action = reverse("structures:account_action", args=[personas.acme.pk])
    client.post(action, {"account": account.pk, "action": "deactivate"})
    assert not BankAccount.objects.get().is_active
    client.post(action, {"account": account.pk, "action": "reactivate"})
    assert BankAccount.objects.get().is_default
    response = client.post(action, {"account": account.pk, "action": "delete"}, follow=True)
    assert "Compte supprimé." in response.content.decode()
    assert not BankAccount.objects.exists()


@pytest.mark.parametrize("who", ["outsider", "pending_requester", "agent"])
def test_outsiders_see_nor_change_a_structure_s_accounts(client, personas, who):
    account = add(personas)
    log_in_as(client, getattr(personas, who))
    assert client.get(reverse("structures:profile", args=[personas.acme.pk])).status_code == 404
    response = client.post(
        reverse("structures:account_action", args=[personas.acme.pk]),
        {"account": account.pk, "action": "delete"},
    )
    assert response.status_code == 404 and BankAccount.objects.filter(pk=account.pk).exists()


def test_a_public_structure_has_no_profile_page_here(client, personas):
    log_in_as(client, personas.agent)
    assert client.get(reverse("structures:profile", args=[personas.state.pk])).status_code == 404


def test_the_profile_page_costs_the_same_queries_with_one_or_many_accounts(client, personas):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    log_in_as(client, personas.supplier_principal)
    url = reverse("structures:profile", args=[personas.acme.pk])
    add(personas)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    baseline = count()
    for n, iban in enumerate([OTHER_IBAN, "FR1420041010050500013M02606", "GB82WEST12345698765432"]):
        add(personas, iban=iban, label=f"Compte {n}")
    draft(personas, iban=OTHER_IBAN)
    assert count() == baseline


@pytest.mark.parametrize("label", ["Compte\u202eruoc", "Compte\u200b", "Compte\x07"])
def test_a_label_hiding_a_character_is_refused(personas, label):
    with pytest.raises(ValidationError) as caught:
        add(personas, label=label)
    assert "caractère invisible ou de contrôle" in " ".join(caught.value.message_dict["label"])
    assert not BankAccount.objects.exists()
