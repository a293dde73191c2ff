"""Twelve months of past invoices for the demo supplier, so that the dashboards show a story:
payments each month, two recipients paying at their own pace, some late, two still unpaid past
the legal delay. Runs after invoices.demo; idempotent (numbers HIST-…).

The services always write "now"; a past cannot be made through them. These invoices are
therefore written straight into the tables, with their dates and a complete history, and carry
no files (their detail pages show no documents).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from invoices import integrity
from invoices.models import DepositMode, Invoice, StatusChange
from invoices.workflow import Status
from structures import demo as structures_demo
from structures.models import Service, Structure
from structures.selectors import state_structure

SUPPLIER_EMAIL = "fournisseur@demo.chorus.test"
AGENT_EMAIL = "agent@demo.chorus.test"
COMMUNE_SIRET = "21590000200019"  # Commune de Villeneuve-sur-Lys, in the public sample
ROUTING = "routage"


@dataclass(frozen=True)
class Past:
    number: str
    deposited_days_ago: int
    paid_after_days: int | None  # None: not paid yet
    excl_tax: str
    to_commune: bool = False
    status: str = Status.MISE_EN_PAIEMENT


HISTORY = [
    Past("HIST-01", 340, 24, "1850.00"),
    Past("HIST-02", 310, 41, "4200.00", to_commune=True),
    Past("HIST-03", 275, 28, "960.00"),
    Past("HIST-04", 245, 35, "2730.00", to_commune=True),
    Past("HIST-05", 212, 19, "1480.00"),
    Past("HIST-06", 180, 52, "6125.00", to_commune=True),
    Past("HIST-07", 150, 22, "2210.00"),
    Past("HIST-08", 118, 30, "890.00"),
    Past("HIST-09", 95, 46, "3340.00", to_commune=True),
    Past("HIST-10", 64, 26, "1975.00"),
    Past("HIST-11", 48, None, "2640.00", status=Status.MISE_A_DISPOSITION),
    Past("HIST-12", 75, None, "5310.00", to_commune=True, status=Status.COMPTABILISEE),
]


def seed(*, password: str) -> list[str]:
    supplier = Structure.objects.get(identifier=structures_demo.SUPPLIER_SIRET)
    people = (User.objects.get(email=SUPPLIER_EMAIL), User.objects.get(email=AGENT_EMAIL))
    recipients = _recipients()
    made = [
        _write(past, supplier, recipients[past.to_commune], people)
        for past in HISTORY
        if not Invoice.objects.filter(supplier=supplier, number=past.number).exists()
    ]
    return [
        f"{len(HISTORY)} factures des douze derniers mois pour les tableaux de bord "
        f"({len(made)} créées maintenant)"
    ]


def _recipients() -> dict[bool, tuple[Structure, Service]]:
    state = state_structure()
    commune = Structure.objects.get(identifier=COMMUNE_SIRET)
    return {
        False: (state, state.services.get(code="FACTURES_PUBLIQUES")),
        True: (commune, commune.services.get(code="MAIRIE")),
    }


def _at(days_ago: int, hour: int) -> datetime:
    return timezone.make_aware(
        datetime.combine(timezone.localdate() - timedelta(days=days_ago), time(hour))
    )


@transaction.atomic
def _write(
    past: Past,
    supplier: Structure,
    recipient: tuple[Structure, Service],
    people: tuple[User, User],
) -> Invoice:
    structure, service = recipient
    deposited = _at(past.deposited_days_ago, 9)
    excl = Decimal(past.excl_tax)
    vat = (excl * Decimal("0.20")).quantize(Decimal("0.01"))
    invoice = Invoice.objects.create(
        number=past.number,
        issue_date=deposited.date(),
        issue_year=deposited.year,
        supplier=supplier,
        recipient_siret=structure.identifier,
        recipient=structure,
        service_code=service.code,
        service=service,
        iban="FR7630006000011234567890189",
        deposit_mode=DepositMode.SAISIE_WEB,
        status=past.status,
        total_excl_tax=excl,
        total_vat=vat,
        total_incl_tax=excl + vat,
        amount_due=excl + vat,
        deposited_at=deposited,
        made_available_at=deposited + timedelta(minutes=2),
        created_by=people[0],
    )
    _chain(invoice, _history(past, deposited, people))
    last = invoice.history.order_by("-at")[0]
    Invoice.objects.filter(pk=invoice.pk).update(status_changed_at=last.at, created_at=deposited)
    return invoice


def _chain(invoice: Invoice, steps: list[dict]) -> None:
    """Write the steps as the services do: each row chained to the one before (the evidence
    ``verify_integrity`` checks)."""
    previous = ""
    for step in steps:
        change = StatusChange(invoice=invoice, previous_hash=previous, **step)
        change.row_hash = integrity.change_digest(change, previous)
        change.save(force_insert=True)
        previous = change.row_hash


def _history(past: Past, deposited: datetime, people: tuple[User, User]) -> list[dict]:
    supplier_user, agent = people
    steps = [
        {"from_status": "", "to_status": Status.BROUILLON, "at": deposited, "actor": supplier_user},
        {"from_status": Status.BROUILLON, "to_status": Status.DEPOSEE, "at": deposited,
         "actor": supplier_user},
        {"from_status": Status.DEPOSEE, "to_status": Status.EN_COURS_ACHEMINEMENT,
         "at": deposited + timedelta(minutes=1), "actor_system": ROUTING},
        {"from_status": Status.EN_COURS_ACHEMINEMENT, "to_status": Status.MISE_A_DISPOSITION,
         "at": deposited + timedelta(minutes=2), "actor_system": ROUTING},
    ]  # fmt: skip
    if past.status == Status.MISE_A_DISPOSITION:
        return steps
    accounted = deposited + timedelta(days=(past.paid_after_days or 20) - 3)
    steps.append(
        {"from_status": Status.MISE_A_DISPOSITION, "to_status": Status.COMPTABILISEE,
         "at": accounted, "actor": agent}
    )  # fmt: skip
    if past.paid_after_days is not None:
        steps.append(
            {"from_status": Status.COMPTABILISEE, "to_status": Status.MISE_EN_PAIEMENT,
             "at": deposited + timedelta(days=past.paid_after_days), "actor": agent}
        )  # fmt: skip
    return steps
