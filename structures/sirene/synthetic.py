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


def rows(count: int, *, seed: int = 2026, broken_every: int = 0) -> Iterator[list[str]]:
    """``count`` data rows; with ``broken_every=k``, every k-th row has a wrong check digit."""
    rng = random.Random(seed)  # noqa: S311 (made-up data, reproducible on purpose)
    for n in range(count):
        siren, nic = siret_for(n)
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


def write(path: str | Path, count: int, *, broken_every: int = 0) -> Path:
    """Writes the header and ``count`` rows; gzip-compressed when the name ends in ``.gz``."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "wt", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(HEADER)
        writer.writerows(rows(count, broken_every=broken_every))
    return path


if __name__ == "__main__":
    write(sys.argv[2], int(sys.argv[1]))
