"""The people tests speak about (docs/architecture.md, rules of the house): built fresh for
each test that asks for them.

supplier_principal  principal manager of the supplier company "Acme", mandate signed
supplier_member     approved member of Acme
pending_requester   asked to join Acme, not yet approved
outsider            principal manager of another company, "Globex"
agent               agent of the State, on service FACTURES_PUBLIQUES
other_agent         agent of the State on another service (SFACT_MIN_INT)
admin               superuser
"""

from __future__ import annotations

from dataclasses import dataclass

from structures.models import Membership, Service, Structure
from structures.selectors import state_structure
from tests.factories import MembershipFactory, StructureFactory, UserFactory, sign_mandate


@dataclass
class Personas:
    acme: Structure
    globex: Structure
    state: Structure
    service: Service
    other_service: Service
    supplier_principal: object
    supplier_member: object
    pending_requester: object
    outsider: object
    agent: object
    other_agent: object
    admin: object


def build_personas() -> Personas:
    acme = StructureFactory(name="Acme")
    globex = StructureFactory(name="Globex")
    state = state_structure()
    service = state.services.get(code="FACTURES_PUBLIQUES")
    other_service = state.services.get(code="SFACT_MIN_INT")

    principal = UserFactory(email="principal@acme.test")
    MembershipFactory(user=principal, structure=acme, role=Membership.Role.PRINCIPAL)
    sign_mandate(acme, principal)
    member = UserFactory(email="member@acme.test")
    MembershipFactory(user=member, structure=acme)
    pending = UserFactory(email="pending@acme.test")
    MembershipFactory(user=pending, structure=acme, status=Membership.Status.PENDING)
    outsider = UserFactory(email="outsider@globex.test")
    MembershipFactory(user=outsider, structure=globex, role=Membership.Role.PRINCIPAL)
    sign_mandate(globex, outsider)

    agent = UserFactory(email="agent@etat.test")
    MembershipFactory(user=agent, structure=state).services.add(service)
    other_agent = UserFactory(email="other-agent@etat.test")
    MembershipFactory(user=other_agent, structure=state).services.add(other_service)
    admin = UserFactory(email="admin@chorus.test", is_staff=True, is_superuser=True)
    return Personas(
        acme=acme,
        globex=globex,
        state=state,
        service=service,
        other_service=other_service,
        supplier_principal=principal,
        supplier_member=member,
        pending_requester=pending,
        outsider=outsider,
        agent=agent,
        other_agent=other_agent,
        admin=admin,
    )
