"""Two users at the same instant, on two database connections (PostgreSQL only).

To make the race certain rather than likely, the test holds a lock that lets both sessions
read but makes both wait before they write; once both are waiting it lets them go. Whatever
the order, one structure and one principal manager must come out, and the loser must get the
answer a user who came second gets.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
from django.db import connection, connections, transaction

from structures import services
from structures.errors import StructureAlreadyExists
from structures.models import Membership, Structure
from tests.factories import StructureFactory, UserFactory
from tests.structures.factories import SireneEstablishmentFactory
from tests.utils.services import require_postgresql

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def _waiting_sessions() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
        return cursor.fetchone()[0]


def race(table: str, calls: list[Callable[[], object]]) -> list[object]:
    """Runs the calls in threads while ``table`` is locked against writes, releases the lock
    when every thread waits on it (or on each other), and returns what each call gave."""
    results: list[object] = [None] * len(calls)

    def run(index: int, call: Callable[[], object]) -> None:
        try:
            results[index] = call()
        except Exception as exc:  # kept to be asserted on
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 20
        while _waiting_sessions() < len(calls) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert _waiting_sessions() == len(calls), "the sessions did not meet at the lock"
    for thread in threads:
        thread.join(timeout=30)
    return results


def test_two_simultaneous_creations_of_one_siret_make_one_structure_and_one_principal():
    require_postgresql()
    establishment = SireneEstablishmentFactory()
    users = [UserFactory(), UserFactory()]
    results = race(
        Structure._meta.db_table,
        [
            lambda user=user: services.structure_create_from_siret(
                user=user, siret=establishment.siret
            )
            for user in users
        ],
    )
    assert sorted(type(r).__name__ for r in results) == ["Structure", "StructureAlreadyExists"]
    structure = Structure.objects.get(identifier=establishment.siret)
    loser = next(r for r in results if isinstance(r, StructureAlreadyExists))
    assert loser.structure == structure
    assert Membership.objects.filter(structure=structure).count() == 1
    assert Membership.objects.get(structure=structure).is_principal


def test_two_simultaneous_first_attachments_make_one_principal_and_one_request():
    require_postgresql()
    structure = StructureFactory()  # created by an administrator: nobody attached yet
    users = [UserFactory(), UserFactory()]
    results = race(
        Membership._meta.db_table,
        [
            lambda user=user: services.attachment_request(user=user, structure=structure)
            for user in users
        ],
    )
    assert all(isinstance(r, Membership) for r in results), results
    statuses = sorted((m.role, m.status) for m in Membership.objects.filter(structure=structure))
    assert statuses == [("MEMBER", "PENDING"), ("PRINCIPAL", "APPROVED")]


def test_two_managers_adding_the_first_accounts_at_once_leave_one_default():
    """The structure's row serialises the additions: both accounts are kept, one default."""
    require_postgresql()
    from structures import services_profile
    from structures.models import BankAccount

    structure = StructureFactory()
    principal, secondary = UserFactory(), UserFactory()
    Membership.objects.create(
        user=principal, structure=structure, role="PRINCIPAL", status="APPROVED"
    )
    Membership.objects.create(
        user=secondary, structure=structure, role="SECONDARY", status="APPROVED"
    )

    def add(user, iban: str):  # type: ignore[no-untyped-def]
        return lambda: services_profile.bank_account_add(
            structure=structure, by=user, label=iban[:2], iban=iban
        )

    results = race(
        "structures_bankaccount",
        [add(principal, "FR7630006000011234567890189"), add(secondary, "DE89370400440532013000")],
    )
    assert all(isinstance(r, BankAccount) for r in results), results
    assert BankAccount.objects.filter(structure=structure).count() == 2
    assert BankAccount.objects.filter(structure=structure, is_default=True).count() == 1
