import pytest

from structures import demo
from structures.models import Membership, SireneEstablishment
from structures.selectors import (
    agent_services,
    can_deposit_for,
    mandate_signed,
    structure_by_siret,
)

pytestmark = pytest.mark.django_db


def test_the_demo_gives_a_signed_supplier_an_agent_and_a_pending_colleague():
    from accounts import demo as accounts_demo

    accounts_demo.seed(password="demo-password-2026")
    for _ in range(2):  # idempotent
        lines = demo.seed(password="demo-password-2026")
    assert SireneEstablishment.objects.filter(siret="11000201100044").exists()
    company = structure_by_siret(demo.SUPPLIER_SIRET)
    supplier = Membership.objects.get(structure=company, user__email="fournisseur@demo.chorus.test")
    assert supplier.is_principal and mandate_signed(company)
    assert can_deposit_for(supplier.user, company)
    colleague = Membership.objects.get(structure=company, user__email="collegue@demo.chorus.test")
    assert colleague.status == "PENDING" and colleague.user.check_password("demo-password-2026")
    agent = Membership.objects.get(user__email="agent@demo.chorus.test").user
    assert sorted(s.code for s in agent_services(agent)) == sorted(demo.AGENT_SERVICES)
    assert Membership.objects.filter(structure=company).count() == 2
    (account,) = company.bank_accounts.all()  # idempotent too
    assert account.is_default and account.iban == demo.DEMO_IBAN
    assert any("collegue@demo.chorus.test" in line for line in lines)
