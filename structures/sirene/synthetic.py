"""Made-up stock files in INSEE's exact layout, for tests and throughput measurements.

``python -m structures.sirene.synthetic 1000000 var/sirene-1M.csv.gz`` writes one; every SIRET
is valid and unique, some establishments are closed, some rows can be deliberately broken.
"""

from __future__ import annotations

import csv
import gzip
import random
import sys
from collections.abc import Iterator
from pathlib import Path

from stdnum import luhn

# The columns of INSEE's StockEtablissement file, in its order, then the legal unit's columns
# that a joined extract carries.
ESTABLISHMENT_COLUMNS = [
    "siren",
    "nic",
    "siret",
    "statutDiffusionEtablissement",
    "dateCreationEtablissement",
    "trancheEffectifsEtablissement",
    "anneeEffectifsEtablissement",
    "activitePrincipaleRegistreMetiersEtablissement",
    "dateDernierTraitementEtablissement",
    "etablissementSiege",
    "nombrePeriodesEtablissement",
    "complementAdresseEtablissement",
    "numeroVoieEtablissement",
    "indiceRepetitionEtablissement",
    "dernierNumeroVoieEtablissement",
    "indiceRepetitionDernierNumeroVoieEtablissement",
    "typeVoieEtablissement",
    "libelleVoieEtablissement",
    "codePostalEtablissement",
    "libelleCommuneEtablissement",
    "libelleCommuneEtrangerEtablissement",
    "distributionSpecialeEtablissement",
    "codeCommuneEtablissement",
    "codeCedexEtablissement",
    "libelleCedexEtablissement",
    "codePaysEtrangerEtablissement",
    "libellePaysEtrangerEtablissement",
    "identifiantAdresseEtablissement",
    "coordonneeLambertAbscisseEtablissement",
    "coordonneeLambertOrdonneeEtablissement",
    "complementAdresse2Etablissement",
    "numeroVoie2Etablissement",
    "indiceRepetition2Etablissement",
    "typeVoie2Etablissement",
    "libelleVoie2Etablissement",
    "codePostal2Etablissement",
    "libelleCommune2Etablissement",
    "libelleCommuneEtranger2Etablissement",
    "distributionSpeciale2Etablissement",
    "codeCommune2Etablissement",
    "codeCedex2Etablissement",
    "libelleCedex2Etablissement",
    "codePaysEtranger2Etablissement",
    "libellePaysEtranger2Etablissement",
    "dateDebut",
    "etatAdministratifEtablissement",
    "enseigne1Etablissement",
    "enseigne2Etablissement",
    "enseigne3Etablissement",
    "denominationUsuelleEtablissement",
    "activitePrincipaleEtablissement",
    "nomenclatureActivitePrincipaleEtablissement",
    "caractereEmployeurEtablissement",
]
LEGAL_UNIT_COLUMNS = [
    "denominationUniteLegale",
    "nomUniteLegale",
    "prenom1UniteLegale",
    "categorieJuridiqueUniteLegale",
]
HEADER = ESTABLISHMENT_COLUMNS + LEGAL_UNIT_COLUMNS

_STREETS = ["DE LA REPUBLIQUE", "DES LILAS", "VICTOR HUGO", "DU GENERAL LECLERC", "DE LA GARE"]
_TYPES = ["RUE", "AV", "BD", "PL", "CHE", "IMP", "RTE", "ALL", ""]
_CITIES = [("75011", "PARIS 11"), ("69003", "LYON 3EME"), ("33000", "BORDEAUX"), ("59000", "LILLE")]
_WORDS = ["ATELIER", "BOULANGERIE", "CONSEIL", "TRANSPORTS", "BATIMENT", "INFORMATIQUE", "NORD"]


def siret_for(n: int) -> tuple[str, str]:
    """The n-th synthetic (SIREN, NIC) pair; the SIREN and the SIRET both pass Luhn."""
    # Four establishments per company, as many companies have a handful.
    body = f"{20000000 + n // 4:08d}"
    siren = body + luhn.calc_check_digit(body)
    nic_body = f"{n % 4 + 1:04d}"
    nic = nic_body + luhn.calc_check_digit(siren + nic_body)
    return siren, nic


def siren_for(index: int) -> str:
    """The index-th synthetic SIREN (``siret_for``'s, four establishments apart)."""
    body = f"{20000000 + index:08d}"
    return body + luhn.calc_check_digit(body)


def _unit_siret(n: int, count: int, units: int) -> tuple[str, str]:
    """The n-th of ``count`` establishments spread over ``units`` legal units in order."""
    index = n * units // count
    first = -(-index * count // units)  # the first establishment of this legal unit
    siren = siren_for(index)
    nic_body = f"{n - first + 1:04d}"
    return siren, nic_body + luhn.calc_check_digit(siren + nic_body)


def rows(
    count: int, *, seed: int = 2026, broken_every: int = 0, units: int | None = None
) -> Iterator[list[str]]:
    """``count`` data rows; with ``broken_every=k``, every k-th row has a wrong check digit;
    with ``units``, the establishments belong to that many legal units (``legal_unit_rows``)."""
    rng = random.Random(seed)  # noqa: S311 (made-up data, reproducible on purpose)
    for n in range(count):
        siren, nic = siret_for(n) if units is None else _unit_siret(n, count, units)
        siret = siren + nic
        if broken_every and n % broken_every == broken_every - 1:
            siret = siret[:-1] + str((int(siret[-1]) + 1) % 10)
        postal, city = rng.choice(_CITIES)
        row = dict.fromkeys(HEADER, "")
        row.update(
            siren=siren,
            nic=nic,
            siret=siret,
            statutDiffusionEtablissement="O",
            dateCreationEtablissement="2015-03-01",
            trancheEffectifsEtablissement="NN",
            dateDernierTraitementEtablissement="2024-05-06T10:15:00",
            etablissementSiege="true",
            nombrePeriodesEtablissement="1",
            numeroVoieEtablissement=str(rng.randint(1, 200)),
            typeVoieEtablissement=rng.choice(_TYPES),
            libelleVoieEtablissement=rng.choice(_STREETS),
            codePostalEtablissement=postal,
            libelleCommuneEtablissement=city,
            codeCommuneEtablissement=postal,
            dateDebut="2015-03-01",
            etatAdministratifEtablissement="F" if n % 9 == 8 else "A",
            activitePrincipaleEtablissement="62.02A",
            nomenclatureActivitePrincipaleEtablissement="NAFRev2",
            caractereEmployeurEtablissement="N",
            denominationUniteLegale=f"{rng.choice(_WORDS)} {rng.choice(_WORDS)} {n}",
            categorieJuridiqueUniteLegale="7210" if n % 50 == 0 else "5499",
        )
        yield list(row.values())


def write(path: str | Path, count: int, *, broken_every: int = 0, units: int | None = None) -> Path:
    """Writes the header and ``count`` rows; gzip-compressed when the name ends in ``.gz``.
    With ``units``: INSEE's establishments' file alone (no legal unit's column), whose rows
    belong to the ``units`` legal units of ``write_legal_units``."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    width = len(ESTABLISHMENT_COLUMNS) if units is not None else len(HEADER)
    with opener(path, "wt", encoding="utf-8", newline="") as stream:  # type: ignore[operator]
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(HEADER[:width])
        for row in rows(count, broken_every=broken_every, units=units):
            writer.writerow(row[:width])
    return path


# The columns of INSEE's StockUniteLegale file, in its order.
LEGAL_UNIT_HEADER = [
    "siren",
    "statutDiffusionUniteLegale",
    "unitePurgeeUniteLegale",
    "dateCreationUniteLegale",
    "sigleUniteLegale",
    "sexeUniteLegale",
    "prenom1UniteLegale",
    "prenom2UniteLegale",
    "prenom3UniteLegale",
    "prenom4UniteLegale",
    "prenomUsuelUniteLegale",
    "pseudonymeUniteLegale",
    "identifiantAssociationUniteLegale",
    "trancheEffectifsUniteLegale",
    "anneeEffectifsUniteLegale",
    "dateDernierTraitementUniteLegale",
    "nombrePeriodesUniteLegale",
    "categorieEntreprise",
    "anneeCategorieEntreprise",
    "dateDebut",
    "etatAdministratifUniteLegale",
    "nomUniteLegale",
    "nomUsageUniteLegale",
    "denominationUniteLegale",
    "denominationUsuelle1UniteLegale",
    "denominationUsuelle2UniteLegale",
    "denominationUsuelle3UniteLegale",
    "categorieJuridiqueUniteLegale",
    "activitePrincipaleUniteLegale",
    "nomenclatureActivitePrincipaleUniteLegale",
    "nicSiegeUniteLegale",
    "economieSocialeSolidaireUniteLegale",
    "societeMissionUniteLegale",
    "caractereEmployeurUniteLegale",
]
_LAST_NAMES = ["MARTIN", "BERNARD", "DUBOIS", "THOMAS", "ROBERT", "RICHARD", "PETIT"]
_FIRST_NAMES = ["ANNE", "PIERRE", "MARIE", "JEAN", "CLAIRE", "LUC"]


def legal_unit_rows(count: int, *, seed: int = 2027, renamed: bool = False) -> Iterator[list[str]]:
    """``count`` legal units (``siren_for(0)``…): companies (one in 50 a local authority,
    7210; one in 97 an EPIC, 4110), one in 7 a sole trader (names, no denomination), one in
    10 ceased. ``renamed``: every 3rd company's name changes (a re-import's renames)."""
    rng = random.Random(seed)  # noqa: S311 (made-up data, reproducible on purpose)
    for n in range(count):
        row = dict.fromkeys(LEGAL_UNIT_HEADER, "")
        category = "7210" if n % 50 == 0 else "4110" if n % 97 == 0 else "5499"
        row.update(
            siren=siren_for(n),
            statutDiffusionUniteLegale="O",
            dateCreationUniteLegale="2015-03-01",
            trancheEffectifsUniteLegale="NN",
            dateDernierTraitementUniteLegale="2024-05-06T10:15:00",
            nombrePeriodesUniteLegale="1",
            dateDebut="2015-03-01",
            etatAdministratifUniteLegale="C" if n % 10 == 9 else "A",
            categorieJuridiqueUniteLegale=category,
            activitePrincipaleUniteLegale="62.02A",
            nomenclatureActivitePrincipaleUniteLegale="NAFRev2",
            nicSiegeUniteLegale="0001" + luhn.calc_check_digit(siren_for(n) + "0001"),
            caractereEmployeurUniteLegale="N",
        )
        words = f"{rng.choice(_WORDS)} {rng.choice(_WORDS)}"
        if n % 7 == 3:
            row.update(
                nomUniteLegale=rng.choice(_LAST_NAMES),
                prenom1UniteLegale=rng.choice(_FIRST_NAMES),
                categorieJuridiqueUniteLegale="1000",
            )
        else:
            name = f"{words} {n}" + (" RENOMMEE" if renamed and n % 3 == 0 else "")
            row.update(denominationUniteLegale=name)
            if n % 5 == 0:
                row.update(sigleUniteLegale=f"S{n % 1000}")
        yield list(row.values())


def write_legal_units(path: str | Path, count: int, *, renamed: bool = False) -> Path:
    """Writes INSEE's StockUniteLegale header and ``count`` rows (``legal_unit_rows``)."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "wt", encoding="utf-8", newline="") as stream:  # type: ignore[operator]
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(LEGAL_UNIT_HEADER)
        writer.writerows(legal_unit_rows(count, renamed=renamed))
    return path


if __name__ == "__main__":
    write(sys.argv[2], int(sys.argv[1]))
