"""Reading INSEE's establishment stock file (``StockEtablissement``) one row at a time.

The file is CSV with INSEE's column names in the first line, UTF-8, possibly gzip- or
zip-compressed (detected by the magic bytes, not the file name). The reader keeps nothing but
the current row: memory does not depend on the file's size. Each row becomes either a
``Record`` (what ``SireneEstablishment`` stores) or a ``Rejection`` (line number and reason).

The row loop is the hot path of a 40-million-row import: it looks columns up by position,
checks the SIRET with ``is_valid_fast`` and builds tuples, nothing more.
"""

from __future__ import annotations

import csv
import gzip
import io
import sys
import zipfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from functools import partial
from operator import itemgetter
from pathlib import Path
from typing import IO, NamedTuple, TextIO

from django.utils.translation import gettext as _

from structures.siret import is_valid_fast

# A row of the real file can hold long free-text fields; the csv module's default limit
# (128 KiB) would stop the import on one bad quote, so the limit is raised and the row rejected.
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))

REQUIRED_COLUMNS = ("siren", "nic", "siret", "etatAdministratifEtablissement")
LEGAL_CATEGORY_COLUMN = "categorieJuridiqueUniteLegale"
OPTIONAL_COLUMNS = (
    "denominationUniteLegale",
    "nomUniteLegale",
    "prenom1UniteLegale",
    "denominationUsuelleEtablissement",
    "enseigne1Etablissement",
    "complementAdresseEtablissement",
    "numeroVoieEtablissement",
    "indiceRepetitionEtablissement",
    "typeVoieEtablissement",
    "libelleVoieEtablissement",
    "codePostalEtablissement",
    "libelleCommuneEtablissement",
    LEGAL_CATEGORY_COLUMN,
)

# Public bodies, by the first digit of INSEE's legal category (categorieJuridiqueUniteLegale):
# 4 — personne morale de droit public soumise au droit commercial (EPIC, Banque de France…);
# 7 — personne morale et organisme soumis au droit administratif (State, local authorities,
# public hospitals, universities…). The one place that decides it; ``staging`` writes it in SQL.
PUBLIC_CATEGORY_FIRST_DIGITS = frozenset({"4", "7"})


def is_public_category(category: str) -> bool:
    """Whether a legal category (``7210``, ``4110``…) is that of a public body."""
    return category[:1] in PUBLIC_CATEGORY_FIRST_DIGITS


def public_category_sql(category: str) -> str:
    """``is_public_category`` in SQL, on a text expression."""
    digits = ", ".join(f"'{d}'" for d in sorted(PUBLIC_CATEGORY_FIRST_DIGITS))
    return f"left({category}, 1) IN ({digits})"


# INSEE's street-type codes, written out as La Poste writes them (upper case, like the street).
STREET_TYPES = {
    "ALL": "ALLEE",
    "AV": "AVENUE",
    "BD": "BOULEVARD",
    "CAR": "CARREFOUR",
    "CHE": "CHEMIN",
    "CHS": "CHAUSSEE",
    "CITE": "CITE",
    "COR": "CORNICHE",
    "CRS": "COURS",
    "DOM": "DOMAINE",
    "DSC": "DESCENTE",
    "ECA": "ECART",
    "ESP": "ESPLANADE",
    "FG": "FAUBOURG",
    "GR": "GRANDE RUE",
    "HAM": "HAMEAU",
    "HLE": "HALLE",
    "IMP": "IMPASSE",
    "LD": "LIEU-DIT",
    "LOT": "LOTISSEMENT",
    "MAR": "MARCHE",
    "MTE": "MONTEE",
    "PARC": "PARC",
    "PAS": "PASSAGE",
    "PASS": "PASSAGE",
    "PL": "PLACE",
    "PLN": "PLAINE",
    "PLT": "PLATEAU",
    "PRO": "PROMENADE",
    "PRV": "PARVIS",
    "QUA": "QUARTIER",
    "QUAI": "QUAI",
    "RES": "RESIDENCE",
    "RLE": "RUELLE",
    "ROC": "ROCADE",
    "RPT": "ROND-POINT",
    "RTE": "ROUTE",
    "RUE": "RUE",
    "SEN": "SENTIER",
    "SQ": "SQUARE",
    "TPL": "TERRE-PLEIN",
    "TRA": "TRAVERSE",
    "VLA": "VILLA",
    "VLGE": "VILLAGE",
}
REPETITION_INDEXES = {"B": "BIS", "T": "TER", "Q": "QUATER", "C": "QUINQUIES"}


class Record(NamedTuple):
    """One establishment, in the order of ``loader.COLUMNS``."""

    siret: str
    siren: str
    name: str
    address: str
    postal_code: str
    city: str
    is_active: bool
    legal_category: str
    is_public_body: bool


class Rejection(NamedTuple):
    line: int
    reason: str


class StockFileError(Exception):
    """The file cannot be read at all (not CSV, required columns missing…)."""


@contextmanager
def open_stock_bytes(path: str | Path) -> Iterator[IO[bytes]]:
    """The file's bytes, decompressed on the fly when it is gzip or zip."""
    path = Path(path)
    with path.open("rb") as raw:
        magic = raw.read(4)
    with ExitStack() as stack:
        if magic[:2] == b"\x1f\x8b":
            yield stack.enter_context(gzip.open(path, "rb"))
        elif magic == b"PK\x03\x04":
            yield stack.enter_context(_zip_member(stack.enter_context(zipfile.ZipFile(path))))
        else:
            yield stack.enter_context(path.open("rb"))


@contextmanager
def open_stock_file(path: str | Path) -> Iterator[TextIO]:
    """A text stream over the file, decompressed on the fly when it is gzip or zip."""
    with open_stock_bytes(path) as binary:
        # utf-8-sig drops a byte-order mark; a stray invalid byte becomes U+FFFD, not a crash.
        yield io.TextIOWrapper(binary, encoding="utf-8-sig", errors="replace", newline="")


def _zip_member(archive: zipfile.ZipFile) -> IO[bytes]:
    members = [m for m in archive.infolist() if not m.is_dir()]
    if len(members) != 1:
        raise StockFileError(_("L'archive doit contenir un seul fichier CSV."))
    return archive.open(members[0])


def display_name(
    legal_name: str, last_name: str, first_name: str, usual_name: str, sign: str
) -> str:
    """The company name (raison sociale) first; a sole trader's name; then the shop's names."""
    if legal_name:
        return legal_name
    if last_name:
        return f"{first_name} {last_name}" if first_name else last_name
    return usual_name or sign


class StockReader:
    """Iterates over the rows of an open stock file: ``Record`` or ``Rejection`` for each."""

    def __init__(self, stream: TextIO) -> None:
        self._reader = csv.reader(stream)
        try:
            header = next(self._reader)
        except StopIteration:
            raise StockFileError(_("Le fichier est vide.")) from None
        except csv.Error as exc:
            raise StockFileError(str(exc)) from None
        self.header = [name.strip() for name in header]
        missing = [name for name in REQUIRED_COLUMNS if name not in self.header]
        if missing:
            raise StockFileError(
                _("Colonnes obligatoires absentes de l'en-tête : %(columns)s")
                % {"columns": ", ".join(missing)}
            )
        self.has_legal_category = LEGAL_CATEGORY_COLUMN in self.header

    def __iter__(self) -> Iterator[Record | Rejection]:
        """The hot loop: one C call fetches the fields, one expression accepts the row; any
        doubt goes to ``_rejection`` (rare), which finds the precise reason."""
        reader = self._reader
        width = len(self.header)
        # An absent optional column reads as the empty string at index ``width`` (appended).
        fields = itemgetter(
            *(self.header.index(name) for name in REQUIRED_COLUMNS),
            *(self.header.index(n) if n in self.header else width for n in OPTIONAL_COLUMNS),
        )
        street_types, repetitions = STREET_TYPES.get, REPETITION_INDEXES.get
        record = partial(tuple.__new__, Record)
        public = PUBLIC_CATEGORY_FIRST_DIGITS
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield Rejection(reader.line_num, _("CSV illisible : %(error)s") % {"error": exc})
                continue
            if len(row) != width:
                if row:  # a blank line is no row
                    message = _("%(found)d colonnes au lieu de %(expected)d")
                    yield Rejection(
                        reader.line_num, message % {"found": len(row), "expected": width}
                    )
                continue
            row.append("")
            (siren, nic, siret, state, legal, last, first, usual, sign, extra, number, repetition,
             street_type, street, postal, city, category) = fields(row)  # fmt: skip
            if (
                (state != "A" and state != "F")
                or len(siren) != 9
                or siret != siren + nic
                or not is_valid_fast(siret)
            ):
                yield self._rejection(reader.line_num, row)
                continue
            # 12, B, AV, DES LILAS -> 12 BIS AVENUE DES LILAS
            line = " ".join(
                filter(None, (number, repetitions(repetition, repetition),
                              street_types(street_type, street_type), street))
            )  # fmt: skip
            yield record(
                (
                    siret,
                    siren,
                    (legal or display_name(legal, last, first, usual, sign))[:255],
                    (f"{extra}, {line}" if extra and line else extra or line)[:255],
                    postal[:10],
                    city[:100],
                    state == "A",
                    category[:4],
                    category[:1] in public,
                )
            )

    def _rejection(self, line: int, row: list[str]) -> Rejection:
        """Why a row of the right width was not accepted, in the order a reader checks it."""
        values = {name: row[self.header.index(name)] for name in REQUIRED_COLUMNS}
        return Rejection(line, rejection_reason(values))


def rejection_reason(values: dict[str, str]) -> str:
    """Why a row with these required values (``REQUIRED_COLUMNS``) was not accepted; also
    words the rejections of the SQL path (``staging``)."""
    missing = [name for name, value in values.items() if not value]
    if missing:
        return _("valeur manquante : %(columns)s") % {"columns": ", ".join(missing)}
    siret, siren, nic = values["siret"], values["siren"], values["nic"]
    if not is_valid_fast(siret):
        return _siret_reason(siret)
    if siret != siren + nic or len(siren) != 9:
        message = _("le SIRET %(siret)s n'est pas le SIREN %(siren)s suivi du NIC %(nic)s")
        return message % {"siret": siret, "siren": siren, "nic": nic}
    message = _("état administratif « %(state)s » inconnu (A ou F attendu)")
    return message % {"state": values["etatAdministratifEtablissement"]}


def _siret_reason(siret: str) -> str:
    if not siret.isascii() or not siret.isdigit():
        return _("SIRET « %(siret)s » : des caractères autres que des chiffres") % {"siret": siret}
    if len(siret) != 14:
        return _("SIRET « %(siret)s » : %(count)d chiffres au lieu de 14") % {
            "siret": siret,
            "count": len(siret),
        }
    return _("SIRET %(siret)s : clé de contrôle invalide") % {"siret": siret}
