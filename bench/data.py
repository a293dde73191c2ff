"""The people and structures of the benchmarks, built with the test factories.

Suppliers are real ones (approved principal, signed mandate, an API token each); the recipient
is the State's service FACTURES_PUBLIQUES that the data migrations create.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

STATE_SIRET = "11000201100044"
SERVICE_CODE = "FACTURES_PUBLIQUES"
IBAN = "FR7630006000011234567890189"


@dataclass
class Supplier:
    structure: Any
    user: Any
    token: str


def suppliers(count: int, *, prefix: str = "bench") -> list[Supplier]:
    from accounts.services import api_token_create
    from structures.models import Membership
    from tests.factories import MembershipFactory, UserFactory, sign_mandate

    made = []
    for structure in structures(count, name=f"Fournisseur {prefix}"):
        n = len(made)
        user = UserFactory(email=f"{prefix}-{n:04d}@fournisseur.test")
        MembershipFactory(user=user, structure=structure, role=Membership.Role.PRINCIPAL)
        sign_mandate(structure, user)
        _token, key = api_token_create(user=user, name="bench")
        made.append(Supplier(structure=structure, user=user, token=key))
    return made


def structures(count: int, *, name: str) -> list[Any]:
    """New supplier structures. Their SIRETs follow the ones already there: the factories'
    sequences start again in each process (the upload benchmark runs in a child)."""
    from structures.models import Structure
    from tests.factories import StructureFactory, valid_siret

    first = 800_000 + Structure.objects.count()
    return [
        StructureFactory(name=f"{name} {n:04d}", identifier=valid_siret(first + n))
        for n in range(count)
    ]


def invoice_body(supplier_siret: str, number: str) -> dict[str, Any]:
    """A typed invoice with three lines, as an integrator posts it."""
    return {
        "supplier_siret": supplier_siret,
        "number": number,
        "issue_date": date.today().isoformat(),
        "recipient_siret": STATE_SIRET,
        "service_code": SERVICE_CODE,
        "iban": IBAN,
        "lines": [
            {"description": "Conseil", "quantity": "8", "unit_price": "150.00", "vat_rate": "20"},
            {"description": "Formation", "quantity": "1", "unit_price": "200.00", "vat_rate": "20"},
            {"description": "Ouvrages", "quantity": "3", "unit_price": "10.00", "vat_rate": "5.5"},
        ],
    }
