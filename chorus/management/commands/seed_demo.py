"""Load the demo data: idempotent, and it prints the demo accounts with their password."""

from __future__ import annotations

from importlib import import_module

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

# Each app that has demo data exposes ``demo.seed(password=...) -> list[str]`` (lines to
# print); they run in this order because later ones build on earlier ones.
DEMO_MODULES = [
    "accounts.demo",
    "structures.demo",
    "invoices.demo",
    "dashboards.demo",
    "support.demo",
]
DEFAULT_PASSWORD = "chorus-demo-2026"  # noqa: S105 (demo accounts, printed on purpose)


class Command(BaseCommand):
    help = "Crée ou met à jour les données de démonstration et affiche les comptes."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--password", default=DEFAULT_PASSWORD, help="mot de passe des comptes")

    def handle(self, *args: object, password: str, **options: object) -> None:
        lines: list[str] = []
        with transaction.atomic():
            for name in DEMO_MODULES:
                try:
                    module = import_module(name)
                except ModuleNotFoundError as exc:
                    if exc.name is None or not f"{name}.".startswith(f"{exc.name}."):
                        raise  # an import error inside the module, not a missing app
                    continue
                lines.extend(module.seed(password=password))
        self.stdout.write(self.style.SUCCESS("Données de démonstration prêtes."))
        for line in lines:
            self.stdout.write(f"  {line}")
        self.stdout.write(f"  Mot de passe de tous les comptes de démonstration : {password}")
