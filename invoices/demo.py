"""Demo invoices: one in every status for the demo supplier, produced through the services so
that their history is real. Runs after accounts.demo and structures.demo; idempotent (an
invoice whose number exists is left alone).

structures.demo made the demo supplier company (its principal manager, the signed mandate)
and attached the agent to the State's FACTURES_PUBLIQUES service.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from accounts.models import User
from invoices import services
from invoices.models import Invoice, RejectionReason
from invoices.services import InvoiceInput, LineInput
from invoices.workflow import Status
from structures import demo as structures_demo
from structures import selectors as structure_selectors
from structures import services as structure_services
from structures.models import Structure
from structures.selectors import state_structure

SUPPLIER_EMAIL = "fournisseur@demo.chorus.test"
AGENT_EMAIL = "agent@demo.chorus.test"
DEMO_IBAN = "FR7630006000011234567890189"
# The titular company of the A9 (subcontractor) demo invoices, in the SIRENE sample; the demo
# supplier manages it too, so that one login tries both sides of the validation.
TITULAR_SIRET = "52233344200013"


def _supplier() -> Structure:
    """The demo supplier company that structures.demo created, mandate signed."""
    return Structure.objects.get(
        identifier_type=Structure.IdentifierType.SIRET, identifier=structures_demo.SUPPLIER_SIRET
    )


def _titular(user: User) -> Structure:
    """The A9 invoices' titular company, created by the demo supplier (its principal manager)."""
    titular = structure_selectors.structure_by_siret(TITULAR_SIRET)
    if titular is None:
        titular = structure_services.structure_create_from_siret(user=user, siret=TITULAR_SIRET)
    return titular


# --- the invoices --------------------------------------------------------------------------------
LINES = [
    [
        LineInput("Maintenance des ascenseurs — forfait mensuel", Decimal("1"), Decimal("850"),
                  Decimal("20"), reference="MAINT-01", unit="MON"),
        LineInput("Pièces détachées", Decimal("3"), Decimal("42.35"), Decimal("20"),
                  reference="PD-77"),
    ],
    [
        LineInput("Fournitures scolaires", Decimal("120"), Decimal("3.15"), Decimal("5.5"),
                  discount=Decimal("12.50")),
    ],
    [
        LineInput("Journée de formation", Decimal("2"), Decimal("1100"), Decimal("20"),
                  unit="DAY"),
        LineInput("Repas des stagiaires", Decimal("24"), Decimal("18.50"), Decimal("10")),
    ],
]  # fmt: skip


def _header(number: str, days_ago: int, **overrides: object) -> InvoiceInput:
    values: dict[str, object] = {
        "number": number,
        "issue_date": timezone.localdate() - timedelta(days=days_ago),
        "recipient_siret": state_structure().identifier,
        "service_code": "FACTURES_PUBLIQUES",
        "engagement_number": f"EJ-{number[-3:]}",
        "iban": DEMO_IBAN,
        "bic": "AGRIFRPP",
    }
    values.update(overrides)
    # Demo values come from a dict of mixed types.
    return InvoiceInput(**values)  # type: ignore[arg-type]


def _reason(code: str) -> RejectionReason:
    return RejectionReason.objects.get(code=code)


def _route(invoice: Invoice, steps: int = 2) -> None:
    for expected in (Status.DEPOSEE, Status.EN_COURS_ACHEMINEMENT)[:steps]:
        services.invoice_route(invoice_id=invoice.pk, expected_status=expected)


def _decide(agent: User, invoice: Invoice, *targets: str, **extra: object) -> None:
    for target in targets:
        # Demo values come from a dict of mixed types.
        services.invoice_process(user=agent, invoice=invoice, target=target, **extra)  # type: ignore[arg-type]


def _deposited(invoice: Invoice, agent: User) -> None:
    """Left as deposited: the worker routes it once `make run` has started."""


def _routing(invoice: Invoice, agent: User) -> None:
    _route(invoice, 1)


def _available(invoice: Invoice, agent: User) -> None:
    _route(invoice)


def _sent_back(invoice: Invoice, agent: User) -> None:
    _route(invoice)
    _decide(
        agent,
        invoice,
        Status.A_RECYCLER,
        reason=_reason("SE_EJ_INCORRECT"),
        comment="Cette prestation relève du service facturier de l'Éducation nationale.",
    )


def _suspended(invoice: Invoice, agent: User) -> None:
    _route(invoice)
    _decide(
        agent,
        invoice,
        Status.SUSPENDUE,
        reason=_reason("PIECE_MANQUANTE"),
        comment="Merci de joindre le procès-verbal de réception.",
    )


def _completed(invoice: Invoice, agent: User) -> None:
    _route(invoice)
    _decide(
        agent,
        invoice,
        Status.SUSPENDUE,
        reason=_reason("INFORMATION_COMPLEMENTAIRE"),
        comment="Précisez la période couverte.",
    )
    services.invoice_complete(
        # A demo invoice always has its creator.
        user=invoice.created_by,  # type: ignore[arg-type]
        invoice=invoice,
        comment="Période du 1er au 31 janvier.",
    )


def _service_done(invoice: Invoice, agent: User) -> None:
    _route(invoice)
    _decide(agent, invoice, Status.SERVICE_FAIT)


def _mandated(invoice: Invoice, agent: User) -> None:
    _service_done(invoice, agent)
    _decide(agent, invoice, Status.MANDATEE, mandate_number="M-2026-0042")


def _accounted(invoice: Invoice, agent: User) -> None:
    _service_done(invoice, agent)
    _decide(agent, invoice, Status.COMPTABILISEE)


def _paid(invoice: Invoice, agent: User) -> None:
    _accounted(invoice, agent)
    _decide(agent, invoice, Status.MISE_EN_PAIEMENT)


def _rejected(invoice: Invoice, agent: User) -> None:
    _route(invoice)
    _decide(
        agent,
        invoice,
        Status.REJETEE,
        reason=_reason("DOUBLE_FACTURATION"),
        comment="Cette prestation a déjà été facturée (facture DEMO-2025-118).",
    )


def _to_validate(invoice: Invoice, agent: User) -> None:
    _route(invoice)  # A9: waits for its titular company (A_VALIDER_1)


def _validated(invoice: Invoice, agent: User) -> None:
    """Validated (VALIDEE_1, a passing status), then routed to the recipient."""
    _route(invoice)
    # A demo invoice always has its creator.
    services.invoice_validate(user=invoice.created_by, invoice=invoice)  # type: ignore[arg-type]
    services.invoice_route(invoice_id=invoice.pk, expected_status=Status.EN_COURS_ACHEMINEMENT)


def _refused(invoice: Invoice, agent: User) -> None:
    _route(invoice)
    services.invoice_refuse_validation(
        # A demo invoice always has its creator.
        user=invoice.created_by,  # type: ignore[arg-type]
        invoice=invoice,
        comment="Les travaux de cette situation ne sont pas encore réceptionnés.",
    )


def _lapsed(invoice: Invoice, agent: User) -> None:
    """Nobody validated in time (ABSENCE_VALIDATION_1_HORS_DELAI, passing), then routed on."""
    _route(invoice)
    Invoice.objects.filter(pk=invoice.pk).update(
        validation_due_at=timezone.now() - timedelta(minutes=1)
    )
    services.invoices_sweep_validations()
    services.invoice_route(invoice_id=invoice.pk, expected_status=Status.EN_COURS_ACHEMINEMENT)


# number, days since the invoice date, what happens after the deposit (None: stays a draft)
SCENARIOS: list[tuple[str, int, Callable[[Invoice, User], None] | None]] = [
    ("DEMO-2026-001", 1, None),
    ("DEMO-2026-002", 2, _deposited),
    ("DEMO-2026-003", 3, _routing),
    ("DEMO-2026-004", 5, _available),
    ("DEMO-2026-005", 8, _sent_back),
    ("DEMO-2026-006", 10, _suspended),
    ("DEMO-2026-007", 12, _completed),
    ("DEMO-2026-008", 15, _service_done),
    ("DEMO-2026-009", 18, _mandated),
    ("DEMO-2026-010", 21, _accounted),
    ("DEMO-2026-011", 35, _paid),
    ("DEMO-2026-012", 40, _rejected),
    ("DEMO-2026-013", 4, _to_validate),
    ("DEMO-2026-014", 9, _validated),
    ("DEMO-2026-015", 11, _refused),
    ("DEMO-2026-016", 25, _lapsed),
]
# Billing frame A9 (subcontractor): validated by the titular company before the recipient.
A9_SCENARIOS = frozenset({"DEMO-2026-013", "DEMO-2026-014", "DEMO-2026-015", "DEMO-2026-016"})


def _frame(number: str, user: User) -> dict[str, object]:
    if number not in A9_SCENARIOS:
        return {}
    return {"billing_frame": "A9", "validator_siret": _titular(user).identifier}


def seed(*, password: str) -> list[str]:
    user = User.objects.get(email=SUPPLIER_EMAIL)
    agent = User.objects.get(email=AGENT_EMAIL)
    supplier = _supplier()
    created = 0
    for index, (number, days_ago, scenario) in enumerate(SCENARIOS):
        if Invoice.objects.filter(supplier=supplier, number=number).exists():
            continue
        invoice = services.invoice_save_draft(
            user=user,
            supplier=supplier,
            data=_header(number, days_ago, **_frame(number, user)),
            lines=LINES[index % len(LINES)],
        )
        if scenario is not None:
            invoice = services.invoice_deposit(user=user, invoice=invoice)
            scenario(invoice, agent)
        created += 1
    total = Invoice.objects.filter(supplier=supplier, number__startswith="DEMO-").count()
    return [
        f"Factures de démonstration : {total} ({created} créées) pour {supplier.name}, "
        f"SIRET {supplier.identifier} — une par statut (cadre A9 validé par {TITULAR_SIRET}).",
    ]
