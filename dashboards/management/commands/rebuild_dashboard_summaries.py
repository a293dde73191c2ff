"""Recount the dashboards' summaries from the invoices (dashboards/summaries.py).

    python manage.py rebuild_dashboard_summaries

Reinstalls the triggers in today's ``TIME_ZONE`` (run it after changing it), then replaces the
summary rows with a full count, in one transaction, while the portal keeps running.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db import connection

from dashboards import summaries


class Command(BaseCommand):
    help = "Recalcule les totaux des tableaux de bord à partir des factures (PostgreSQL)."

    def handle(self, *args: object, **options: object) -> None:
        if connection.vendor != "postgresql":
            self.stdout.write(
                "Rien à faire : sans PostgreSQL, les tableaux de bord comptent les factures."
            )
            return
        rows = summaries.rebuild()
        self.stdout.write(f"Totaux des tableaux de bord recalculés : {rows} lignes.")
