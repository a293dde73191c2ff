"""Finding one's company in the SIRENE directory (the legal units), not only among the
structures: any word of the name or acronym, accents and case aside, the SIREN or SIRET with
or without spaces; the page offers to create the structure of a company that has none."""

from __future__ import annotations

import pytest
from django.db import connection
from django.urls import reverse

from structures.models import SireneLegalUnit
from structures.selectors import directory_hits, directory_search
from tests.factories import StructureFactory, UserFactory, valid_siret
from tests.structures.factories import SireneEstablishmentFactory
from tests.utils.services import require_postgresql
from tests.utils.two_factor import log_in_as

pytestmark = pytest.mark.django_db


def company(n: int, name: str, **values: object) -> SireneLegalUnit:
    """A legal unit and its head office (NIC 00012... the factory's SIRET of ``n``)."""
    siret = valid_siret(n)
    office = SireneEstablishmentFactory(siret=siret, name=name, **values.pop("office", {}))
    return SireneLegalUnit.objects.create(
        siren=siret[:9], name=name, head_office_nic=office.siret[9:], **values
    )


@pytest.fixture
def directory() -> dict[str, SireneLegalUnit]:
    return {
        "informatique": company(1, "SOCIÉTÉ BRETONNE D'INFORMATIQUE", acronym="SBI"),
        "électricité": company(2, "ÉLECTRICITÉ GÉNÉRALE DU NORD"),
        "person": company(3, "ANNE MARTIN"),
        "ceased": company(4, "INFORMATIQUE DISPARUE", is_active=False),
        "commune": company(5, "COMMUNE DE SYNTHESE", legal_category="7210", is_public_body=True),
        "closed office": company(6, "INFORMATIQUE DU SUD", office={"is_active": False}),
    }


def names(query: str) -> set[str]:
    return {unit.name for unit in directory_search(query)}


def test_any_word_of_the_name_accents_and_case_aside(directory):
    assert names("informatique") == {"SOCIÉTÉ BRETONNE D'INFORMATIQUE", "INFORMATIQUE DU SUD"}
    assert names("Electricite") == {"ÉLECTRICITÉ GÉNÉRALE DU NORD"}
    assert names("générale nord") == {"ÉLECTRICITÉ GÉNÉRALE DU NORD"}
    assert names("société bretonne") == {"SOCIÉTÉ BRETONNE D'INFORMATIQUE"}
    assert names("martin") == {"ANNE MARTIN"}
    assert names("informatique nord") == set()  # every word must be there


def test_the_beginning_of_a_word_and_the_acronym_find_it(directory):
    assert names("informat") == {"SOCIÉTÉ BRETONNE D'INFORMATIQUE", "INFORMATIQUE DU SUD"}
    assert names("sbi") == {"SOCIÉTÉ BRETONNE D'INFORMATIQUE"}


def test_a_ceased_company_is_not_found(directory):
    assert "INFORMATIQUE DISPARUE" not in names("disparue informatique")


def test_the_siren_or_siret_with_or_without_spaces(directory):
    siren = directory["électricité"].siren
    siret = siren + directory["électricité"].head_office_nic
    spaced = f"{siren[:3]} {siren[3:6]} {siren[6:]}"
    for query in (siren, spaced, siret, f"{spaced} {siret[9:]}"):
        assert names(query) == {"ÉLECTRICITÉ GÉNÉRALE DU NORD"}, query
    assert names(siren[:5]) == set()


def test_nothing_for_nothing(directory):
    assert directory_search("  ") == [] and directory_search("!!") == []


def test_the_hits_say_what_the_user_can_do(directory):
    structure = StructureFactory(
        identifier=directory["électricité"].siren + directory["électricité"].head_office_nic
    )
    hits = {hit.unit.name: hit for hit in directory_hits("informatique")}
    assert hits["SOCIÉTÉ BRETONNE D'INFORMATIQUE"].creatable
    assert not hits["INFORMATIQUE DU SUD"].creatable  # its head office is closed
    electricity = directory_hits("électricité")[0]
    assert electricity.structure == structure and not electricity.creatable
    assert not directory_hits("commune synthese")[0].creatable  # a public body


def test_a_single_word_reads_a_bounded_sample_of_its_matches(directory):
    """gin_fuzzy_search_limit is set for one word only, and only for the search."""
    require_postgresql()
    from structures.selectors import DIRECTORY_SAMPLE

    assert names("informatique")
    with connection.cursor() as cursor:
        cursor.execute("SHOW gin_fuzzy_search_limit")
        assert cursor.fetchone()[0] == "0"  # SET LOCAL: gone with the search's savepoint
    assert DIRECTORY_SAMPLE >= 10 * 200


def test_on_postgresql_the_search_uses_the_directory_index(directory):
    require_postgresql()
    from structures import search

    query = SireneLegalUnit.objects.filter(is_active=True).filter(
        search.directory_match(["informatique"])
    )
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        sql, params = query.query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "sirene_legal_unit_words" in plan


def test_the_search_page_offers_to_create_the_structure_of_a_company_without_one(client, directory):
    existing = StructureFactory(
        identifier=directory["électricité"].siren + directory["électricité"].head_office_nic,
        name="ÉLECTRICITÉ GÉNÉRALE DU NORD",
    )
    log_in_as(client, UserFactory())

    page = client.get(reverse("structures:search"), {"q": "informatique"}).content.decode()

    office = directory["informatique"].siren + directory["informatique"].head_office_nic
    assert "Dans le répertoire SIRENE" in page
    assert "SOCIÉTÉ BRETONNE D&#x27;INFORMATIQUE (SBI)" in page
    assert f"{reverse('structures:create')}?siret={office}" in page
    assert "Siège fermé" in page  # INFORMATIQUE DU SUD
    assert "DISPARUE" not in page

    page = client.get(reverse("structures:search"), {"q": "electricite nord"}).content.decode()
    assert f"?q={existing.identifier}" in page  # its structure exists: join it
    assert f"?siret={existing.identifier}" not in page

    page = client.get(reverse("structures:search"), {"q": "commune"}).content.decode()
    assert "Personne morale de droit public" in page


def test_the_search_page_says_when_the_directory_has_nothing(client, directory):
    log_in_as(client, UserFactory())
    page = client.get(reverse("structures:search"), {"q": "zzzz"}).content.decode()
    assert "Aucune entreprise active du répertoire SIRENE" in page
