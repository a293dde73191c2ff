"""PostgreSQL's import path: COPY into a staging table, checks and transformation in SQL.

The Python reader (``StockReader``) is the reference: the SQL path must store the same
records and report the same rejections, with the same line numbers.
"""

from __future__ import annotations

import io
import itertools
from pathlib import Path

import pytest

from structures.models import SireneEstablishment
from structures.sirene import staging
from structures.sirene.importer import ImportSummary, import_files
from structures.sirene.reader import Record, Rejection, StockReader, open_stock_file
from structures.sirene.synthetic import HEADER
from tests.factories import valid_siret
from tests.structures.factories import stock_row, write_stock
from tests.utils.services import require_postgresql

pytestmark = pytest.mark.django_db
NO_STREET = {
    "numeroVoieEtablissement": "",
    "typeVoieEtablissement": "",
    "libelleVoieEtablissement": "",
}


def varied_rows() -> list[dict[str, str]]:
    """Every branch of the reader's checks and transformation, good rows and bad."""
    good = [valid_siret(n) for n in range(1, 40)]
    bad_key = good[0][:-1] + str((int(good[0][-1]) + 1) % 10)
    # La Poste's SIRETs: some pass their digit sum; 35600000000048, the head office, is Luhn's.
    la_poste = [f"356000000{n:05d}" for n in range(40, 60)]
    return [
        stock_row(good[0]),
        stock_row(bad_key),
        stock_row(good[1], siren=valid_siret(9)[:9]),
        stock_row(good[2], etatAdministratifEtablissement=""),
        stock_row(good[3], etatAdministratifEtablissement="X"),
        stock_row("1234", siren="123", nic="4"),
        stock_row(good[4][:9] + "A" + good[4][10:], siren=good[4][:9], nic="A" + good[4][10:]),
        stock_row(good[5], etatAdministratifEtablissement="F"),
        stock_row(
            good[6], denominationUniteLegale="", nomUniteLegale="MARTIN", prenom1UniteLegale="ANNE"
        ),
        stock_row(good[7], denominationUniteLegale="", nomUniteLegale="DURAND"),
        stock_row(good[8], denominationUniteLegale="", denominationUsuelleEtablissement="CHEZ LOU"),
        stock_row(good[9], denominationUniteLegale="", enseigne1Etablissement="AU BON PAIN"),
        stock_row(good[10], denominationUniteLegale="É" * 300, libelleCommuneEtablissement="Y" * 9),
        stock_row(good[21], libelleCommuneEtablissement="Y" * 120),
        stock_row(good[11], indiceRepetitionEtablissement="B", typeVoieEtablissement="AV"),
        stock_row(good[12], indiceRepetitionEtablissement="Z", typeVoieEtablissement="XYZ"),
        stock_row(good[13], **NO_STREET),
        stock_row(good[14], complementAdresseEtablissement="BATIMENT C"),
        stock_row(good[15], complementAdresseEtablissement="ZA NORD", **NO_STREET),
        stock_row(good[16], categorieJuridiqueUniteLegale="7210"),
        stock_row(good[17], categorieJuridiqueUniteLegale=""),
        stock_row(good[18], codePostalEtablissement="750011234567"),
        stock_row(good[19], denominationUniteLegale='LA "GRANDE" MAISON, SARL'),
        stock_row(good[20], denominationUniteLegale="FIRST"),
        stock_row(good[20], denominationUniteLegale="LAST"),  # the last row of a SIRET wins
        *(stock_row(siret) for siret in la_poste),
    ]  # fmt: skip


def reference(path: Path) -> tuple[dict[str, tuple], list[Rejection]]:
    """What the Python reader makes of the file: the records by SIRET (last wins), rejections."""
    records: dict[str, tuple] = {}
    rejections = []
    with open_stock_file(path) as stream:
        for item in StockReader(stream):
            if isinstance(item, Record):
                records[item.siret] = tuple(item)
            else:
                rejections.append(item)
    return records, rejections


def stored() -> dict[str, tuple]:
    fields = [*Record._fields]
    return {row[0]: tuple(row) for row in SireneEstablishment.objects.values_list(*fields)}


def staged_import(path: Path, *, rows: int) -> tuple[ImportSummary, list[Rejection], int]:
    """Through the SQL path only; returns the summary, the rejections, and how many chunks
    went through the Python reader instead."""
    summary, rejections, python_chunks = ImportSummary(), [], []
    with path.open("rb") as stream:
        header_line, reader = staging.read_header(stream)
        staging.StagingImport(
            name=path.name,
            header_line=header_line,
            reader=reader,
            summary=summary,
            progress=None,
            on_rejection=lambda _name, rejection: rejections.append(rejection),
            fallback=lambda reader, offset: python_chunks.append(offset),
        ).run(stream, rows=rows)
    return summary, rejections, len(python_chunks)


@pytest.mark.parametrize("rows", [1, 7, 1000])
def test_sql_stores_the_records_and_reports_the_rejections_the_python_reader_makes(tmp_path, rows):
    require_postgresql()
    path = write_stock(tmp_path / "s.csv", varied_rows())
    records, rejections = reference(path)

    summary, reported, python_chunks = staged_import(path, rows=rows)

    assert python_chunks == 0
    assert stored() == records
    assert reported == rejections
    assert len(rejections) >= 7 and any(siret.startswith("356000000") for siret in records)
    assert summary.read == len(varied_rows()) and summary.rejected == len(rejections)
    # Like the Python path's batches, a chunk counts a SIRET once; two chunks count it twice.
    assert len(records) <= summary.imported == summary.changed <= len(records) + 1


def test_a_file_without_the_legal_unit_columns_is_transformed_alike(tmp_path):
    require_postgresql()
    header = [name for name in HEADER if not name.endswith("UniteLegale")]
    rows = [stock_row(valid_siret(n), enseigne1Etablissement=f"ENSEIGNE {n}") for n in range(1, 6)]
    path = write_stock(tmp_path / "s.csv", rows, header=header)
    records, _rejections = reference(path)

    staged_import(path, rows=2)

    assert stored() == records


def test_a_quoted_line_break_sends_its_chunk_through_python_with_the_right_line_numbers(
    tmp_path,
):
    require_postgresql()
    good = [valid_siret(n) for n in range(1, 7)]
    bad = good[4][:-1] + str((int(good[4][-1]) + 1) % 10)
    rows = [stock_row(siret) for siret in good[:4]] + [stock_row(bad), stock_row(good[5])]
    rows[1]["complementAdresseEtablissement"] = "BATIMENT A\nPORTE 2"  # lines 3 and 4
    path = write_stock(tmp_path / "s.csv", rows)
    records, rejections = reference(path)
    assert [r.line for r in rejections] == [7]
    reported: list[Rejection] = []

    summary = import_files(
        [path], batch_size=2, on_rejection=lambda _name, rejection: reported.append(rejection)
    )

    assert reported == rejections
    assert stored() == records
    assert (summary.read, summary.imported, summary.rejected) == (6, 5, 1)


def test_chunks_end_on_row_boundaries_and_number_the_file_lines():
    lines = [b"x" * 300 for _ in range(9)]
    lines[4] = b'"' + b"y" * 150 + b"\n" + b"z" * 150 + b'",q'  # one row on two lines
    data = b"\n".join(lines) + b"\n\n\n"

    parts = list(staging.chunks(io.BytesIO(data), rows=2, first_line=2))

    assert len(parts) > 2
    assert b"".join(p.data for p in parts) == data.rstrip(b"\n") + b"\n"
    assert all(p.data.endswith(b"\n") and p.data.count(b'"') % 2 == 0 for p in parts)
    assert parts[0].first_line == 2
    for before, after in itertools.pairwise(parts):
        assert after.first_line == before.first_line + before.lines
    assert sum(p.lines for p in parts) == 10


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_two_connections_keep_the_file_order(tmp_path):
    require_postgresql()
    sirets = [valid_siret(n) for n in range(1, 200)]
    rows = [stock_row(siret, denominationUniteLegale="OLD") for siret in sirets]
    rows[150] = stock_row(sirets[3], denominationUniteLegale="NEW")  # the same SIRET, later
    for n in range(10, 200, 40):
        rows[n]["etatAdministratifEtablissement"] = "?"
    path = write_stock(tmp_path / "s.csv", rows)
    records, rejections = reference(path)
    reported: list[Rejection] = []

    summary = import_files(
        [path], batch_size=7, on_rejection=lambda _name, rejection: reported.append(rejection)
    )

    assert reported == rejections and [r.line for r in reported] == sorted(r.line for r in reported)
    assert stored() == records and records[sirets[3]][2] == "NEW"
    assert summary.read == len(rows)
