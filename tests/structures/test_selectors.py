"""Reads: the deposit gate that invoices call, the search to join, "Mes structures"."""

from __future__ import annotations

import factory
import pytest

from structures.models import MandateSignature, Membership
from structures.selectors import (
    can_deposit_for,
    deposit_refusal_reason,
    memberships_of,
    structure_search,
)
from tests.factories import MembershipFactory, PublicStructureFactory, StructureFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_members_of_a_structure_with_a_signed_mandate_may_deposit(personas):
    assert can_deposit_for(personas.supplier_principal, personas.acme)
    assert can_deposit_for(personas.supplier_member, personas.acme)
    assert deposit_refusal_reason(personas.supplier_member, personas.acme) is None


@pytest.mark.parametrize("who", ["pending_requester", "outsider", "agent", "admin"])
def test_non_members_may_not_deposit(personas, who):
    reason = deposit_refusal_reason(getattr(personas, who), personas.acme)
    assert reason == "Vous n’êtes pas rattaché à cette structure."
    assert not can_deposit_for(getattr(personas, who), personas.acme)


def test_a_consultation_only_member_may_not_deposit(personas):
    Membership.objects.filter(user=personas.supplier_member).update(can_modify=False)
    assert "consultation seulement" in deposit_refusal_reason(
        personas.supplier_member, personas.acme
    )


def test_nobody_deposits_before_the_mandate_is_signed(personas):
    MandateSignature.objects.filter(structure=personas.acme).delete()
    for user in (personas.supplier_principal, personas.supplier_member):
        assert "mandat de facturation" in deposit_refusal_reason(user, personas.acme)
        assert not can_deposit_for(user, personas.acme)


def test_an_inactive_structure_takes_no_deposit(personas):
    personas.acme.is_active = False
    personas.acme.save()
    assert deposit_refusal_reason(personas.supplier_principal, personas.acme) == (
        "Cette structure est inactive."
    )


def test_the_search_takes_three_digits_of_a_siret_or_the_exact_name(personas):
    acme = personas.acme
    found = list(structure_search(acme.identifier[:3]))
    assert acme in found and all(s.identifier.startswith(acme.identifier[:3]) for s in found)
    assert acme in structure_search(acme.identifier[:5])
    spaced = f"{acme.identifier[:3]} {acme.identifier[3:9]}"
    assert acme in structure_search(spaced)
    assert list(structure_search(acme.identifier[:2])) == []
    assert list(structure_search("aCmE")) == [acme]
    assert list(structure_search("   ")) == []
    assert personas.state in structure_search("110 002 011 000 44")
    assert personas.state in structure_search("110 002 011 00044")


def test_the_search_finds_any_word_of_the_name_accents_and_case_aside(personas):
    company = StructureFactory(name="Société Bretonne d’Informatique Générale")
    StructureFactory(name="Boulangerie Martin")
    assert list(structure_search("informatique")) == [company]
    assert list(structure_search("GENERALE societe")) == [company]  # every word, any order
    assert list(structure_search("bretonne, informatiq")) == [company]
    assert list(structure_search("informatique martin")) == []
    assert company in structure_search(company.identifier[:9])  # its SIREN
    assert company in structure_search(f"{company.identifier[:3]} {company.identifier[3:9]}")
    assert list(structure_search("%")) == []
    assert list(structure_search("_")) == []


def test_the_search_skips_inactive_structures():
    hidden = StructureFactory(name="Dormante", is_active=False)
    assert list(structure_search("dormante")) == []
    assert list(structure_search(hidden.identifier)) == []


def test_my_structures_list_every_membership_with_mandate_and_pending_requests(personas):
    rows = {m.structure_id: m for m in memberships_of(personas.supplier_principal)}
    acme = rows[personas.acme.pk]
    assert acme.mandate_is_signed and acme.pending_count == 1 and acme.is_principal
    pending = list(memberships_of(personas.pending_requester))
    assert [(m.structure, m.status) for m in pending] == [(personas.acme, "PENDING")]
    public = PublicStructureFactory()
    MembershipFactory(user=personas.supplier_principal, structure=public, status="REFUSED")
    assert len(memberships_of(personas.supplier_principal)) == 2
    assert memberships_of(UserFactory()).count() == 0


def test_the_word_search_is_answered_from_its_index_on_postgresql(personas):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the trigram index is PostgreSQL's; SQLite scans")
    query = structure_search("informatique").query
    sql, params = query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "structure_name_search" in plan, plan


def test_the_word_search_puts_the_names_closest_to_the_words_first():
    """Not the alphabet: the name that is the word itself, then the shortest around it."""
    long_name = StructureFactory(name="Atelier Informatique Bretonne")
    exact = StructureFactory(name="Informatique")
    shorter = StructureFactory(name="Informatique Générale")
    assert list(structure_search("INFORMATIQUE")) == [exact, shorter, long_name]
    twins = [StructureFactory(name="Zinc Menuiserie"), StructureFactory(name="Alto Menuiserie")]
    assert list(structure_search("menuiserie")) == sorted(twins, key=lambda s: s.name)  # ties


def test_the_word_search_keeps_the_20_closest_of_many_matches():
    StructureFactory.create_batch(22, name=factory.Sequence(lambda n: f"Conseil Audit {n}"))
    closest = StructureFactory(name="Conseil")
    found = list(structure_search("conseil"))
    assert len(found) == 20 and found[0] == closest


def test_sqlite_s_trigram_distance_is_pg_trgm_s():
    from django.db import connection

    from structures.search import trigram_distance

    if connection.vendor != "postgresql":
        pytest.skip("compared with pg_trgm")
    pairs = [
        ("informatique", "societe bretonne d'informatique generale"),
        ("batiment numerique", "numerique batiment conseil 12"),
        ("audit", "audit"),
        ("x", "plomberie"),
        ("conseil 2026", "conseil-2026 a b"),
    ]
    with connection.cursor() as cursor:
        for first, second in pairs:
            cursor.execute("SELECT %s <-> %s", [first, second])
            assert trigram_distance(first, second) == pytest.approx(cursor.fetchone()[0], abs=1e-6)


def test_the_word_search_takes_its_20_from_the_index_in_distance_order(personas):
    """The index yields the closest names first (a nearest-first scan, "Order By" in the plan),
    so the LIMIT stops it: no sort of every match."""
    from django.db import connection, transaction

    if connection.vendor != "postgresql":
        pytest.skip("the trigram index is PostgreSQL's; SQLite sorts the matches")
    sql, params = structure_search("informatique").query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Index Scan using structure_name_search" in plan, plan
    assert "Order By: (chorus_search_text" in plan, plan
