import pytest
from stdnum.fr import siret

from structures.selectors import agent_services, mandate_signed, structures_of
from tests.factories import valid_siret

pytestmark = pytest.mark.django_db


def test_made_up_sirets_pass_the_luhn_check():
    assert all(siret.is_valid(valid_siret(n)) for n in range(50))


def test_the_personas_stand_where_the_tests_expect_them(personas):
    assert list(structures_of(personas.supplier_principal)) == [personas.acme]
    assert list(structures_of(personas.pending_requester)) == []
    assert mandate_signed(personas.acme)
    assert list(agent_services(personas.agent)) == [personas.service]
    assert list(agent_services(personas.supplier_member)) == []
