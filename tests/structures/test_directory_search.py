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


def test_the_search_leaves_its_planner_settings_behind(directory):
    """enable_seqscan and work_mem are set for the search only."""
    require_postgresql()
    with connection.cursor() as cursor:
        cursor.execute("SHOW work_mem")
        (before,) = cursor.fetchone()
    assert names("informatique") and names("société bretonne") and names("informat")
    with connection.cursor() as cursor:
        cursor.execute("SHOW enable_seqscan")
        assert cursor.fetchone()[0] == "on"
        cursor.execute("SHOW work_mem")
        assert cursor.fetchone()[0] == before


def test_companies_of_every_shard_are_found(directory):
    """The index is cut by the SIREN's last digit: every shard is read while the first ones
    hold fewer matches than the candidates."""
    require_postgresql()
    units = [company(100 + n, f"ATELIER ZORGLUB {n}") for n in range(19)]
    assert {unit.siren[-1] for unit in units} == set("0123456789")
    assert names("zorglub") == {unit.name for unit in units}
    assert names("zorgl") == {unit.name for unit in units}  # the beginning of a word too


def _plan(words: list[str], *, limit: int) -> str:
    from structures import search

    sql = search.directory_candidates(words, prefixes=False, limit=limit)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) {sql.sql}", sql.params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_each_shard_is_read_through_its_own_index_and_only_while_candidates_lack(directory):
    require_postgresql()
    for n in range(30):
        company(200 + n, f"BOULANGERIE QUIMPEROISE {n}")
    every = _plan(["quimperoise"], limit=200)
    for shard in "0123456789":
        assert f"sirene_legal_unit_words_{shard}" in every
    assert "never executed" not in every  # 30 matches: every shard read for 200 candidates
    enough = _plan(["quimperoise"], limit=2)
    assert "never executed" in enough  # two candidates: the first shards' are enough


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
