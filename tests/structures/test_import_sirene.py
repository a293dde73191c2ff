"""``import_sirene``: INSEE's format, malformed rows, reruns, compression, memory."""

from __future__ import annotations

import gzip
import io
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from structures.models import SireneEstablishment
from structures.sirene import synthetic
from structures.sirene.importer import import_files
from tests.factories import valid_siret
from tests.structures.factories import stock_row, write_stock

pytestmark = pytest.mark.django_db

SAMPLE = Path(__file__).resolve().parents[2] / "structures" / "data" / "sirene_sample.csv"
STATE = "11000201100044"


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_sirene", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_the_sample_file_loads_the_state_companies_and_a_closed_establishment():
    out, _err = run(str(SAMPLE))
    assert "Lignes lues : 29" in out and "rejetées : 0" in out
    state = SireneEstablishment.objects.get(siret=STATE)
    assert state.is_public_body and state.legal_category == "7110"
    assert state.address == "139 RUE DE BERCY" and state.city == "PARIS 12"
    assert SireneEstablishment.objects.filter(is_active=False).count() >= 1
    assert not SireneEstablishment.objects.get(siret="81234567600017").is_public_body


def test_addresses_spell_out_street_types_and_repetition_indexes(tmp_path):
    siret = valid_siret(1)
    write_stock(
        tmp_path / "s.csv",
        [
            stock_row(
                siret,
                numeroVoieEtablissement="12",
                indiceRepetitionEtablissement="B",
                typeVoieEtablissement="BD",
                libelleVoieEtablissement="DES LILAS",
                complementAdresseEtablissement="BATIMENT C",
            )
        ],
    )
    run(str(tmp_path / "s.csv"))
    assert SireneEstablishment.objects.get(siret=siret).address == (
        "BATIMENT C, 12 BIS BOULEVARD DES LILAS"
    )


def test_a_sole_trader_is_named_after_the_person_and_a_shop_after_its_sign(tmp_path):
    person, shop = valid_siret(1), valid_siret(2)
    write_stock(
        tmp_path / "s.csv",
        [
            stock_row(
                person,
                denominationUniteLegale="",
                nomUniteLegale="MOREAU",
                prenom1UniteLegale="ANNE",
            ),
            stock_row(shop, denominationUniteLegale="", enseigne1Etablissement="AU BON PAIN"),
        ],
    )
    run(str(tmp_path / "s.csv"))
    assert SireneEstablishment.objects.get(siret=person).name == "ANNE MOREAU"
    assert SireneEstablishment.objects.get(siret=shop).name == "AU BON PAIN"


def test_malformed_rows_are_reported_with_their_line_and_the_rest_is_imported(tmp_path):
    good = [valid_siret(n) for n in range(1, 5)]
    bad_checksum = good[0][:-1] + str((int(good[0][-1]) + 1) % 10)
    path = write_stock(
        tmp_path / "s.csv",
        [
            stock_row(good[0]),  # line 2
            stock_row(bad_checksum),  # line 3
            stock_row(good[1], siren=valid_siret(9)[:9]),  # line 4: siren + nic is another number
            stock_row(good[2], etatAdministratifEtablissement=""),  # line 5
            stock_row(good[3], etatAdministratifEtablissement="X"),  # line 6
            stock_row("1234", siren="123", nic="4"),  # line 7
        ],
    )
    with path.open("a", encoding="utf-8") as stream:
        stream.write("123,456\n")  # line 8: two columns only
    out, err = run(str(path))
    assert "Lignes lues : 7" in out and "importées : 1" in out and "rejetées : 6" in out
    assert f"s.csv, ligne 3 : SIRET {bad_checksum} : clé de contrôle invalide" in err
    assert "ligne 4 : le SIRET" in err and "n'est pas le SIREN" in err
    assert "ligne 5 : valeur manquante : etatAdministratifEtablissement" in err
    assert "ligne 6 : état administratif « X » inconnu" in err
    assert "ligne 7 : SIRET « 1234 » : 4 chiffres au lieu de 14" in err
    assert f"ligne 8 : 2 colonnes au lieu de {len(synthetic.HEADER)}" in err
    assert list(SireneEstablishment.objects.values_list("siret", flat=True)) == [good[0]]


def test_a_rerun_updates_and_never_duplicates(tmp_path):
    sirets = [valid_siret(n) for n in range(1, 4)]
    path = write_stock(tmp_path / "s.csv", [stock_row(s) for s in sirets])
    run(str(path))
    write_stock(
        path,
        [stock_row(sirets[0], etatAdministratifEtablissement="F", denominationUniteLegale="NEW")]
        + [stock_row(s) for s in sirets[1:]],
    )
    out, _err = run(str(path))
    assert SireneEstablishment.objects.count() == 3
    closed = SireneEstablishment.objects.get(siret=sirets[0])
    assert closed.name == "NEW" and not closed.is_active
    if connection.vendor == "postgresql":  # only the changed row is written again there
        assert "dont 1 nouvelles ou modifiées" in out


def test_a_siret_twice_in_one_file_is_stored_once_with_the_last_values(tmp_path):
    siret = valid_siret(1)
    path = write_stock(
        tmp_path / "s.csv",
        [
            stock_row(siret, denominationUniteLegale="FIRST"),
            stock_row(siret, denominationUniteLegale="LAST"),
        ],
    )
    run(str(path))
    assert SireneEstablishment.objects.get(siret=siret).name == "LAST"


def test_a_file_without_the_legal_unit_columns_keeps_the_known_category(tmp_path):
    siret = valid_siret(1)
    run(
        str(
            write_stock(
                tmp_path / "joined.csv", [stock_row(siret, categorieJuridiqueUniteLegale="7210")]
            )
        )
    )
    plain = write_stock(
        tmp_path / "plain.csv",
        [stock_row(siret, denominationUsuelleEtablissement="MAIRIE")],
        header=synthetic.ESTABLISHMENT_COLUMNS,
    )
    run(str(plain))
    establishment = SireneEstablishment.objects.get(siret=siret)
    assert establishment.is_public_body and establishment.legal_category == "7210"
    assert establishment.name == "MAIRIE"


def test_gzip_and_zip_files_are_recognised_by_their_content(tmp_path):
    plain = write_stock(tmp_path / "s.csv", [stock_row(valid_siret(1))])
    packed = tmp_path / "stock.data"  # no telling extension
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    run(str(packed))
    archive = tmp_path / "StockEtablissement_utf8.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr(
            "StockEtablissement_utf8.csv",
            write_stock(tmp_path / "t.csv", [stock_row(valid_siret(2))]).read_text(),
        )
    run(str(archive))
    assert SireneEstablishment.objects.count() == 2


def test_several_files_and_small_batches(tmp_path):
    first = synthetic.write(tmp_path / "a.csv.gz", 250)
    second = write_stock(tmp_path / "b.csv", [stock_row(valid_siret(1))])
    out, err = run(str(first), str(second), "--batch-size", "7")
    assert "Lignes lues : 251" in out
    assert SireneEstablishment.objects.count() == 251
    assert "lignes/s" in err  # the progress line


def test_a_file_without_the_required_columns_stops_the_command(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("siren,nic\n123456789,00012\n")
    with pytest.raises(CommandError, match="siret, etatAdministratifEtablissement"):
        run(str(path))
    with pytest.raises(CommandError):
        run(str(tmp_path / "missing.csv"))
    with pytest.raises(CommandError):
        run(str(SAMPLE), "--batch-size", "0")


def test_only_the_first_rejected_rows_are_printed(tmp_path):
    rows = [stock_row(valid_siret(n)[:-1] + "X") for n in range(1, 6)]
    out, err = run(
        str(write_stock(tmp_path / "s.csv", rows)), "--max-errors-shown", "2", "--no-progress"
    )
    assert err.count("ligne ") == 2 and "comptées sans être affichées" in err
    assert "rejetées : 5" in out


def _peak_bytes(path: Path) -> int:
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        summary = import_files([path], batch_size=2000)
        assert summary.imported
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_stays_flat_from_ten_thousand_to_a_hundred_thousand_rows(tmp_path):
    small = synthetic.write(tmp_path / "10k.csv", 10_000)
    large = synthetic.write(tmp_path / "100k.csv.gz", 100_000)
    small_peak = _peak_bytes(small)
    large_peak = _peak_bytes(large)
    assert SireneEstablishment.objects.count() == 100_000
    # Ten times the rows; a reader that kept them would peak near ten times higher.
    print(f"peak: {small_peak} bytes for 10,000 rows, {large_peak} for 100,000")
    assert large_peak < 1.5 * small_peak, (small_peak, large_peak)
