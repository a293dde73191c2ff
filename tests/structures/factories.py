"""Factories for the structures tests: directory establishments and stock files."""

from __future__ import annotations

import csv
from pathlib import Path

import factory

from structures.sirene.synthetic import HEADER
from tests.factories import valid_siret


class SireneEstablishmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "structures.SireneEstablishment"
        django_get_or_create = ("siret",)

    siret = factory.Sequence(lambda n: valid_siret(900_000 + n))
    siren = factory.LazyAttribute(lambda o: o.siret[:9])
    name = factory.Sequence(lambda n: f"ENTREPRISE {n}")
    address = "3 RUE DES LILAS"
    postal_code = "69003"
    city = "LYON 3EME"
    is_active = True
    legal_category = "5499"
    is_public_body = False


def stock_row(siret: str, **columns: str) -> dict[str, str]:
    """One row of INSEE's stock file for ``siret``; ``columns`` override INSEE's names."""
    row = dict.fromkeys(HEADER, "")
    row.update(
        siren=siret[:9],
        nic=siret[9:],
        siret=siret,
        etatAdministratifEtablissement="A",
        denominationUniteLegale=f"SOCIETE {siret}",
        numeroVoieEtablissement="12",
        typeVoieEtablissement="RUE",
        libelleVoieEtablissement="DE LA PAIX",
        codePostalEtablissement="75002",
        libelleCommuneEtablissement="PARIS 2",
        categorieJuridiqueUniteLegale="5499",
    )
    row.update(columns)
    return row


def write_stock(path: Path, rows: list[dict[str, str]], header: list[str] = HEADER) -> Path:
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, header, lineterminator="\n", extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path
