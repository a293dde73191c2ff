"""INSEE's legal units (StockUniteLegale) read beside the establishments (StockEtablissement):
real names, public bodies by legal category (4xxx, 7xxx), closures and renames carried to the
structures by each re-import."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from structures.models import SireneEstablishment, SireneLegalUnit, Structure
from structures.sirene import synthetic
from structures.sirene.importer import import_files
from structures.sirene.legal_units import LegalUnit, LegalUnitReader
from structures.sirene.reader import Rejection, is_public_category
from tests.factories import StructureFactory
from tests.utils.services import require_postgresql

pytestmark = pytest.mark.django_db
UNITS = 60
ESTABLISHMENTS = 90


def unit_row(siren: str, **columns: str) -> dict[str, str]:
    row = dict.fromkeys(synthetic.LEGAL_UNIT_HEADER, "")
    row.update(
        siren=siren,
        etatAdministratifUniteLegale="A",
        denominationUniteLegale=f"SOCIETE {siren}",
        categorieJuridiqueUniteLegale="5499",
        nicSiegeUniteLegale="00012",
    )
    row.update(columns)
    return row


def write_units(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, synthetic.LEGAL_UNIT_HEADER, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture
def pair(tmp_path: Path) -> tuple[Path, Path]:
    """INSEE's two files as published: the establishments' without any legal unit's column."""
    units = synthetic.write_legal_units(tmp_path / "StockUniteLegale.csv", UNITS)
    establishments = synthetic.write(
        tmp_path / "StockEtablissement.csv", ESTABLISHMENTS, units=UNITS
    )
    return units, establishments


def test_the_categories_of_public_bodies_are_4xxx_and_7xxx():
    assert is_public_category("7210") and is_public_category("7389")
    assert is_public_category("4110") and is_public_category("4140")
    assert not is_public_category("5499")
    assert not is_public_category("1000")
    assert not is_public_category("")


@pytest.mark.parametrize("order", ["units first", "establishments first"])
def test_establishments_take_their_legal_unit_name_and_category(pair, order):
    units, establishments = pair
    files = [units, establishments] if order == "units first" else [establishments, units]

    summary = import_files(files)

    assert summary.rejected == 0
    assert SireneLegalUnit.objects.count() == UNITS
    assert SireneEstablishment.objects.count() == ESTABLISHMENTS
    # The file has no name column: every name comes from the legal unit.
    assert not SireneEstablishment.objects.filter(name="").exists()
    for establishment in SireneEstablishment.objects.all():
        unit = SireneLegalUnit.objects.get(siren=establishment.siren)
        assert establishment.name == unit.name
        assert establishment.legal_category == unit.legal_category
        assert establishment.is_public_body == unit.is_public_body
    commune = SireneLegalUnit.objects.get(siren=synthetic.siren_for(0))
    assert commune.legal_category == "7210" and commune.is_public_body
    sole_trader = SireneLegalUnit.objects.get(siren=synthetic.siren_for(3))
    assert sole_trader.legal_category == "1000" and not sole_trader.is_public_body
    first, last = sole_trader.name.split()
    assert first in synthetic._FIRST_NAMES and last in synthetic._LAST_NAMES
    ceased = SireneLegalUnit.objects.get(siren=synthetic.siren_for(9))
    assert not ceased.is_active
    assert SireneLegalUnit.objects.get(siren=synthetic.siren_for(5)).acronym == "S5"


def test_an_epic_legal_category_4xxx_is_a_public_body(tmp_path):
    siren = synthetic.siren_for(500)
    path = write_units(tmp_path / "u.csv", [unit_row(siren, categorieJuridiqueUniteLegale="4110")])

    import_files([path])

    assert SireneLegalUnit.objects.get(siren=siren).is_public_body


def test_the_sql_path_stores_what_the_python_reader_reads(tmp_path):
    """The Python reader is the reference of the COPY path (as for the establishments)."""
    good = [synthetic.siren_for(n) for n in range(600, 612)]
    rows = [
        unit_row(good[0]),
        unit_row(good[1], denominationUniteLegale="", nomUniteLegale="MARTIN",
                 prenom1UniteLegale="ANNE"),
        unit_row(good[2], denominationUniteLegale="", nomUniteLegale="MARTIN",
                 nomUsageUniteLegale="DURAND", prenomUsuelUniteLegale="LOU",
                 prenom1UniteLegale="LOUISE"),
        unit_row(good[3], denominationUniteLegale="", nomUniteLegale="SEUL"),
        unit_row(good[4], sigleUniteLegale="ABC", categorieJuridiqueUniteLegale="7389"),
        unit_row(good[5], etatAdministratifUniteLegale="C"),
        unit_row(good[6], denominationUniteLegale="É" * 300),
        unit_row(good[7][:-1] + str((int(good[7][-1]) + 1) % 10)),  # wrong check digit
        unit_row(good[8], etatAdministratifUniteLegale="X"),
        unit_row(good[9], etatAdministratifUniteLegale=""),
        unit_row("12345"),
        unit_row(good[10], denominationUniteLegale="PREMIER NOM"),
        unit_row(good[10], denominationUniteLegale="DERNIER NOM"),  # the last row wins
        unit_row(good[11], categorieJuridiqueUniteLegale="4110"),
    ]  # fmt: skip
    path = write_units(tmp_path / "units.csv", rows)
    expected: dict[str, LegalUnit] = {}
    expected_rejections = []
    with path.open(encoding="utf-8", newline="") as stream:
        for item in LegalUnitReader(stream):
            if isinstance(item, Rejection):
                expected_rejections.append(item)
            else:
                expected[item.siren] = item
    rejections: list[Rejection] = []

    summary = import_files([path], on_rejection=lambda _name, r: rejections.append(r))

    stored = {
        unit.siren: LegalUnit(*(getattr(unit, f) for f in LegalUnit._fields))
        for unit in SireneLegalUnit.objects.all()
    }
    assert stored == expected
    assert rejections == expected_rejections
    assert [r.line for r in rejections] == [9, 10, 11, 12]
    assert summary.rejected == 4
    assert stored[good[1]].name == "ANNE MARTIN"
    assert stored[good[2]].name == "LOU DURAND"
    assert stored[good[3]].name == "SEUL"
    assert stored[good[4]].is_public_body and stored[good[4]].acronym == "ABC"
    assert not stored[good[5]].is_active
    assert len(stored[good[6]].name) == 255
    assert stored[good[10]].name == "DERNIER NOM"
    assert stored[good[11]].is_public_body
    assert "clé de contrôle" in rejections[0].reason
    assert "inconnu" in rejections[1].reason and "valeur manquante" in rejections[2].reason


def test_a_rerun_changes_nothing_and_a_renamed_stock_renames_establishments(pair, tmp_path):
    units, establishments = pair
    import_files([units, establishments])

    again = import_files([units, establishments])
    postgresql = connection.vendor == "postgresql"  # elsewhere "changed" counts what was written
    assert again.changed == 0 or not postgresql

    renamed = synthetic.write_legal_units(tmp_path / "renamed.csv", UNITS, renamed=True)
    summary = import_files([renamed])

    renamed_count = len([n for n in range(UNITS) if n % 3 == 0 and n % 7 != 3])
    assert summary.changed == renamed_count or not postgresql
    for n in (0, 6, 12):
        siren = synthetic.siren_for(n)
        names = set(SireneEstablishment.objects.filter(siren=siren).values_list("name", flat=True))
        assert names == {SireneLegalUnit.objects.get(siren=siren).name}
        assert all(name.endswith("RENOMMEE") for name in names)


def first_siret(unit: int) -> str:
    return "".join(synthetic._unit_siret(-(-unit * ESTABLISHMENTS // UNITS), ESTABLISHMENTS, UNITS))


def structure_of(siret: str, **values: object) -> Structure:
    establishment = SireneEstablishment.objects.get(siret=siret)
    return StructureFactory(identifier=siret, **{"name": establishment.name, **values})


def test_reimports_carry_closures_renames_and_reopenings_to_the_structures(pair, tmp_path):
    units, establishments = pair
    import_files([units, establishments])
    company = structure_of(first_siret(6))
    public = structure_of(first_siret(0), is_public=True, name="Mairie de Synthèse")
    untouched = structure_of(first_siret(1))
    untouched_name = untouched.name

    # INSEE renames the company (legal units) and closes its establishment, and the public one's.
    renamed = synthetic.write_legal_units(tmp_path / "renamed.csv", UNITS, renamed=True)
    closed = {company.identifier: "F", public.identifier: "F"}
    closing = _with_state(establishments, tmp_path / "closing.csv", closed)
    summary = import_files([closing, renamed])

    company.refresh_from_db()
    public.refresh_from_db()
    untouched.refresh_from_db()
    assert company.is_closed and company.name.endswith("RENOMMEE")
    assert public.is_closed and public.name == "Mairie de Synthèse"  # administrators' name kept
    assert not untouched.is_closed and untouched.name == untouched_name
    assert summary.structures_changed == 2

    reopened = _with_state(establishments, tmp_path / "reopened.csv", {})
    import_files([reopened])
    company.refresh_from_db()
    assert not company.is_closed


def _with_state(source: Path, target: Path, states: dict[str, str]) -> Path:
    """A copy of an establishments' file where the given SIRETs have the given state."""
    with source.open(encoding="utf-8", newline="") as stream:
        rows = list(csv.reader(stream))
    header = rows[0]
    siret, state = header.index("siret"), header.index("etatAdministratifEtablissement")
    for row in rows[1:]:
        row[state] = states.get(row[siret], "A")
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    target.write_text(out.getvalue(), encoding="utf-8")
    return target


def test_the_command_takes_both_files_in_any_order(pair):
    units, establishments = pair
    out = io.StringIO()

    call_command("import_sirene", str(establishments), str(units), "--no-progress", stdout=out)

    assert SireneLegalUnit.objects.count() == UNITS
    assert f"Lignes lues : {UNITS + ESTABLISHMENTS}" in out.getvalue()
    assert SireneEstablishment.objects.get(siret=first_siret(0)).is_public_body  # a commune


def test_the_directory_indexes_exist_on_postgresql():
    """One GIN index per shard (the SIREN's last digit), as ``search.directory_index_sql``."""
    require_postgresql()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes "
            "WHERE indexname LIKE 'sirene_legal_unit_words%%' ORDER BY indexname"
        )
        found = dict(cursor.fetchall())
    assert list(found) == [f"sirene_legal_unit_words_{shard}" for shard in "0123456789"]
    for shard, definition in zip("0123456789", found.values(), strict=True):
        assert "chorus_directory_words" in definition
        shard_only = f"WHERE (is_active AND (\"right\"((siren)::text, 1) = '{shard}'::text))"
        assert shard_only in definition


@pytest.mark.django_db(transaction=True)
def test_a_first_load_builds_the_search_index_at_the_end(pair):
    """Outside a transaction (as the command runs), into an empty table: the index is dropped,
    the rows loaded, the index built once; a re-import keeps it."""
    require_postgresql()
    units, establishments = pair
    seen: list[bool] = []

    def index_exists() -> bool:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_indexes WHERE indexname LIKE 'sirene_legal_unit_words_%%'"
            )
            return cursor.fetchone()[0] == 10

    def on_rejection(_name: str, _rejection: Rejection) -> None:
        seen.append(index_exists())

    broken = units.with_name("broken.csv")
    broken.write_text(units.read_text() + "123,A\n".replace(",A", "," * 19 + "A" + "," * 13))
    import_files([broken, establishments], on_rejection=on_rejection)

    assert seen == [False]  # during the first load, no index to maintain
    assert index_exists()
    assert SireneLegalUnit.objects.count() == UNITS
    import_files([units])
    assert index_exists()
