"""Prepared reads run as statements prepared once per database session (chorus/prepared.py,
``_send``), on a real PostgreSQL: the first time a session meets a read's SQL, its message holds
the ``PREPARE`` and the ``EXECUTE``; later, the ``EXECUTE`` alone. The rows are the QuerySet's;
a name whose message failed is never sent again; statements the session lost are prepared again;
a session holds a bounded number of them; and ``DATABASE_PREPARED_STATEMENTS=0`` sends the SQL.

Each test starts from a session that has prepared nothing (``DEALLOCATE ALL``, and the portal
told so), so that what an earlier test prepared does not hide the first ``PREPARE``.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from chorus import prepared as prepared_module
from chorus.models import IdempotencyKey
from chorus.prepared import PreparedExists, PreparedQuery, PreparedSQL, read_together
from tests.utils.services import require_postgresql

pytestmark = [pytest.mark.services, pytest.mark.django_db]


@pytest.fixture(autouse=True)
def _nothing_prepared() -> None:
    require_postgresql()
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    prepared_module._SESSIONS.setdefault(connection.connection, prepared_module._Session()).lost()


def keys_read() -> tuple[PreparedQuery[IdempotencyKey], Any]:
    """A read of a user's idempotency keys, and its QuerySet."""

    def build(user_id: int) -> Any:
        return IdempotencyKey.objects.filter(user_id=user_id).order_by("pk")

    return PreparedQuery(build, -1), build


def answered_read() -> PreparedQuery[IdempotencyKey]:
    """Another read: the keys of a request."""
    return PreparedQuery(
        lambda digest: IdempotencyKey.objects.filter(request_sha256=digest), "\x00digest"
    )


def statements_of_session() -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, statement FROM pg_prepared_statements")
        return dict(cursor.fetchall())


def sent(run: Any) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        run()
    return [query["sql"] for query in queries.captured_queries]


def keys_of(user: Any, count: int) -> list[IdempotencyKey]:
    return [
        IdempotencyKey.objects.create(
            user=user, key=f"k{i}", request_sha256="s", status_code=201, response_body={"i": i}
        )
        for i in range(count)
    ]


def test_a_read_is_prepared_once_per_session_then_executed(personas):
    user = personas.supplier_principal
    made = keys_of(user, 2)
    read, build = keys_read()

    first = sent(lambda: read(user.pk))
    [message] = first
    prepare, execute = message.split(";\n")
    name = prepare.split()[1]
    assert prepare.startswith(f"PREPARE {name} AS SELECT ")
    assert execute == f"EXECUTE {name}({user.pk})"
    # The statement is the QuerySet's SQL, its value a parameter, prepared in this session.
    sql, params = build(-1).query.get_compiler(using="default").as_sql()
    body = sql.replace("%s", "{}").format(*[f"${n}" for n in range(1, len(params) + 1)])
    # (PostgreSQL keeps the message's text from the PREPARE on.)
    assert statements_of_session()[name].split(";\n")[0] == f"PREPARE {name} AS {body}"

    assert sent(lambda: read(user.pk)) == [f"EXECUTE {name}({user.pk})"]
    assert [k.pk for k in read(user.pk)] == [k.pk for k in made] == [k.pk for k in build(user.pk)]
    assert read(user.pk + 1000) == []


def test_a_querysets_own_constants_are_written_into_its_statement(personas):
    """Only the call's values are parameters: a constant of the QuerySet (here the status it
    excludes) is written in, so that the server plans with it — a generic plan could not use
    the partial unique index ``invoice_number_unique_per_supplier_year`` (drafts aside) if the
    status were a parameter, and read all the supplier's invoices instead."""
    from invoices.models import Invoice
    from invoices.workflow import Status

    acme = personas.acme
    taken = PreparedQuery(
        lambda supplier_id, number: (
            Invoice.objects.filter(supplier_id=supplier_id, number=number)
            .exclude(status=Status.BROUILLON)
            .order_by()
        ),
        -1,
        "\x00number",
    )

    [message] = sent(lambda: taken(acme.pk, "F-1"))
    prepare, execute = message.split(";\n")
    name = prepare.split()[1]
    assert "'BROUILLON'" in prepare and "$3" not in prepare
    assert execute == f"EXECUTE {name}({acme.pk}, 'F-1')"
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL plan_cache_mode = force_generic_plan")
        cursor.execute("SET LOCAL enable_seqscan = off")  # a test's table is too small to judge
        cursor.execute(f"EXPLAIN EXECUTE {name}({acme.pk}, 'F-1')")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "invoice_number_unique_per_supplier_year" in plan


def test_reads_of_the_same_sql_whose_constants_differ_are_two_statements(personas):
    """Django's SQL is the same whatever a constant's value (a parameter): the statement, with
    its constants written in, is what names it in the session."""
    user = personas.supplier_principal
    IdempotencyKey.objects.create(user=user, key="a", request_sha256="s", status_code=201)
    IdempotencyKey.objects.create(user=user, key="b", request_sha256="s", status_code=409)
    created = PreparedQuery(
        lambda user_id: IdempotencyKey.objects.filter(user_id=user_id, status_code=201), -1
    )
    refused = PreparedQuery(
        lambda user_id: IdempotencyKey.objects.filter(user_id=user_id, status_code=409), -1
    )

    assert [k.key for k in created(user.pk)] == ["a"]
    assert [k.key for k in refused(user.pk)] == ["b"]
    [together] = sent(lambda: read_together((created, (user.pk,)), (refused, (user.pk,))))
    assert len({s.split()[1].split("(")[0] for s in together.split(";\n")}) == 2


def test_reads_sent_together_are_prepared_together_and_once(personas):
    user = personas.supplier_principal
    keys_of(user, 1)
    read, build = keys_read()
    other = answered_read()

    [message] = sent(
        lambda: read_together((read, (user.pk,)), (other, ("none",)), (read, (user.pk,)))
    )
    assert [s.split()[0] for s in message.split(";\n")] == [
        "PREPARE", "EXECUTE", "PREPARE", "EXECUTE", "EXECUTE"
    ]  # fmt: skip
    [message] = sent(lambda: read_together((read, (user.pk,)), (other, ("none",))))
    assert [s.split()[0] for s in message.split(";\n")] == ["EXECUTE", "EXECUTE"]
    assert read_together((read, (user.pk,)), (other, ("none",))) == [list(build(user.pk)), []]


def test_an_exists_and_a_read_in_sql_are_prepared_too(personas):
    user = personas.supplier_principal
    keys_of(user, 1)
    exists = PreparedExists(lambda user_id: IdempotencyKey.objects.filter(user_id=user_id), -1)
    double = PreparedSQL("SELECT %s * 2 AS n, 'tag' AS tag")

    assert sent(lambda: exists(user.pk))[0].startswith("PREPARE chorus_")
    assert exists(user.pk) is True and exists(user.pk + 1000) is False
    assert sent(lambda: exists(user.pk))[0].startswith("EXECUTE chorus_")
    assert sent(lambda: double(4))[0].startswith("PREPARE chorus_")
    assert double(21) == [(42, "tag")]
    assert sent(lambda: double(4))[0].startswith("EXECUTE chorus_")


def test_a_failed_message_leaves_no_name_to_be_sent_again(personas):
    """The message fails after its PREPARE ran (a rollback does not undo it): the next call
    prepares under a new name, where sending the old one again would fail ("already exists")."""
    user = personas.supplier_principal
    keys_of(user, 1)
    read, build = keys_read()
    ratio = PreparedSQL("SELECT 1 / %s AS r")

    with pytest.raises(DatabaseError, match="division by zero"), transaction.atomic():
        read_together((read, (user.pk,)), (ratio, (0,)))
    burnt = set(statements_of_session())

    [message] = sent(lambda: read(user.pk))
    name = message.split()[1]
    assert message.startswith("PREPARE ") and name not in burnt
    assert read(user.pk) == list(build(user.pk))
    assert ratio(1) == [(1,)]


def test_statements_the_session_lost_are_prepared_again(personas):
    """``DISCARD ALL`` (a pooler resetting the session) drops every prepared statement: the read
    that finds its statement gone fails, and the next one prepares it again."""
    user = personas.supplier_principal
    keys_of(user, 1)
    read, build = keys_read()
    read(user.pk)
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")

    with pytest.raises(DatabaseError, match="does not exist"), transaction.atomic():
        read(user.pk)

    assert sent(lambda: read(user.pk))[0].startswith("PREPARE ")
    assert read(user.pk) == list(build(user.pk))


def test_statements_whose_columns_changed_type_are_prepared_again(personas):
    """A migration that changes the type of a column a prepared read returns, while the process
    runs: the read that meets it fails ("cached plan must not change result type"), and the
    next one prepares it again, under a new name."""
    user = personas.supplier_principal
    keys_of(user, 1)
    read, build = keys_read()
    [first] = sent(lambda: read(user.pk))
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending checks: ALTER may run
        cursor.execute("ALTER TABLE chorus_idempotencykey ALTER COLUMN key TYPE text")

    with pytest.raises(DatabaseError, match="result type"), transaction.atomic():
        read(user.pk)

    [again] = sent(lambda: read(user.pk))
    assert again.startswith("PREPARE ") and again.split()[1] != first.split()[1]
    assert read(user.pk) == list(build(user.pk))


def test_a_session_prepares_a_bounded_number_of_statements(personas, monkeypatch):
    user = personas.supplier_principal
    keys_of(user, 1)
    session = prepared_module._SESSIONS[connection.connection]
    monkeypatch.setattr(session, "MOST", session.given + 1)
    last = answered_read()
    beyond, build = keys_read()

    assert sent(lambda: last("none"))[0].startswith("PREPARE ")
    [message] = sent(lambda: beyond(user.pk))
    assert message.startswith("SELECT ") and f"= {user.pk}" in message  # its SQL, values in
    assert beyond(user.pk) == list(build(user.pk))


@override_settings(DATABASE_PREPARED_STATEMENTS=False)
def test_with_prepared_statements_off_a_read_is_its_sql(personas):
    user = personas.supplier_principal
    read, build = keys_read()
    before = set(statements_of_session())

    [message] = sent(lambda: read(user.pk))
    [expected] = sent(lambda: list(build(user.pk)))

    assert message == expected
    assert set(statements_of_session()) == before


def test_a_connection_binding_on_the_server_sends_a_read_alone_unprepared(personas, monkeypatch):
    """Its cursor takes one statement per message: no ``PREPARE`` before the ``EXECUTE``."""
    user = personas.supplier_principal
    read, build = keys_read()
    monkeypatch.setitem(
        connection.settings_dict.setdefault("OPTIONS", {}), "server_side_binding", True
    )

    [message] = sent(lambda: read(user.pk))

    assert message.startswith("SELECT ") and ";" not in message
    assert read(user.pk) == list(build(user.pk))
