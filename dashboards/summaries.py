"""The dashboards' summaries on PostgreSQL (dashboards/models.py): the triggers that keep them,
the fold that gathers their deltas, and the rebuild that recounts them from the invoices.

Exactness contract: after every committed transaction, for each key, the sum of its
``SummaryTotal`` row and of its ``SummaryDelta`` rows equals a count of the invoices (and
their history) made at that moment, whatever wrote them — the services, a queryset
``update``, ``bulk_create``, ``delete``, raw SQL, ``TRUNCATE``. Statement-level triggers with
transition tables write one delta row per key a statement changes (a batch of 500 status
changes writes two rows per supplier, not 1,000). Days and months are local to
``settings.TIME_ZONE``, baked into the functions when they are installed (by the migration,
and again by ``rebuild_dashboard_summaries``). Elsewhere (SQLite) the dashboards count the
invoices themselves: ``enabled()`` says which.
"""

from __future__ import annotations

from django.conf import settings
from django.db import connection, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from dashboards.models import SummaryDelta, SummaryTotal
from invoices.workflow import FINAL, NO_PAYMENT_FRAMES, Status

# One fold (or rebuild) at a time: pg_advisory locks share this key.
FOLD_LOCK = 7_146_001

INVOICE_COLUMNS = (
    "id, supplier_id, recipient_id, service_id, status, billing_frame, currency, "
    "total_incl_tax, amount_due, deposited_at, made_available_at"
)
FIGURE_COLUMNS = (
    "figure, supplier_id, recipient_id, service_id, status, in_euros, day, "
    "count, amount, delay_count, delay_seconds"
)
PAID = "MISE_EN_PAIEMENT"


def enabled() -> bool:
    """Whether the dashboards read the summaries: on PostgreSQL, in the time zone they keep,
    unless DASHBOARDS_SUMMARIES is off (then they count the invoices, as on SQLite)."""
    return (
        settings.DASHBOARDS_SUMMARIES
        and connection.vendor == "postgresql"
        and timezone.get_current_timezone_name() == settings.TIME_ZONE
    )


# --- the figures, as SQL -------------------------------------------------------------------------
def _local_day(column: str, tz: str) -> str:
    return f"({column} AT TIME ZONE '{tz}')::date"


def _local_month(column: str, tz: str) -> str:
    return f"date_trunc('month', {column} AT TIME ZONE '{tz}')::date"


def _quoted(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{value}'" for value in values)


# A received invoice that waits for nobody any more: in a final status, or accounted in a
# billing frame without a payment step (A2, paid already). ``dashboards.selectors.finished``
# says the same to the ORM.
FINISHED = (
    f"(status IN ({_quoted(FINAL)}) OR (status = '{Status.COMPTABILISEE.value}' "
    f"AND billing_frame IN ({_quoted(NO_PAYMENT_FRAMES)})))"
)


def _received_day(tz: str) -> str:
    """The day of deposit of a received invoice, kept while it may still wait for someone: once
    finished (``FINISHED``) only its count matters, so that a service's rows do not grow with
    the years but with what is still open, and the rows without a day are exactly those of
    the finished invoices (the agent's waiting counts leave them out)."""
    return f"CASE WHEN {FINISHED} THEN NULL ELSE {_local_day('deposited_at', tz)} END"


def _paid_rows(history: str, invoices: str, tz: str, sign: str) -> str:
    """PAID rows of history rows ``h`` joined to their invoices ``i``, ``sign`` (-1 or +1)
    taken from either side."""
    return f"""
        SELECT 'paid', i.supplier_id, coalesce(i.recipient_id, 0), 0, '', i.currency = 'EUR',
            {_local_month("h.at", tz)}, sum({sign}), sum({sign} * i.amount_due),
            coalesce(sum({sign}) FILTER (WHERE i.deposited_at IS NOT NULL), 0),
            coalesce(sum({sign} * extract(epoch FROM h.at - i.deposited_at)), 0)
        FROM {history} JOIN {invoices} ON i.id = h.invoice_id
        WHERE h.to_status = '{PAID}'
        GROUP BY 2, 3, 6, 7"""


def _insert_deltas(rows: str) -> str:
    """Insert the figure rows of ``rows``, leaving out those that change nothing."""
    return f"""
        INSERT INTO dashboards_summarydelta ({FIGURE_COLUMNS})
        SELECT * FROM ({rows}) AS d ({FIGURE_COLUMNS})
        WHERE count <> 0 OR amount <> 0 OR delay_count <> 0 OR delay_seconds <> 0"""


def _invoice_deltas(changed: str, tz: str) -> str:
    """The deltas of ``changed`` (invoice rows with a ``sign``: -1 as they were, +1 as they
    are). An updated row whose summarised columns did not change cancels out in ``moved``."""
    rows = f"""
        SELECT 'sent', supplier_id, 0, 0, status, currency = 'EUR',
            {_local_month("deposited_at", tz)}, sum(sign), sum(sign * total_incl_tax), 0, 0
        FROM moved GROUP BY 2, 5, 6, 7
        UNION ALL
        SELECT 'received', 0, coalesce(recipient_id, 0), coalesce(service_id, 0), status, false,
            {_received_day(tz)}, sum(sign), 0, 0, 0
        FROM moved WHERE made_available_at IS NOT NULL GROUP BY 3, 4, 5, 7
        UNION ALL {_paid_rows("invoices_statuschange h", "moved i", tz, sign="i.sign")}"""
    return f"""
        WITH changed AS ({changed}),
        moved AS (
            SELECT sum(sign) AS sign, {INVOICE_COLUMNS} FROM changed
            GROUP BY {INVOICE_COLUMNS} HAVING sum(sign) <> 0
        )
        {_insert_deltas(rows)}"""


def _history_deltas(changed: str, tz: str) -> str:
    # The invoices are locked in share mode first: an update of one of them racing this
    # statement either commits before (and is read here) or waits, and then sees this row.
    rows = _paid_rows(f"({changed}) AS h", "invoices_invoice i", tz, sign="h.sign")
    return f"""
        PERFORM 1 FROM invoices_invoice
        WHERE id IN (SELECT invoice_id FROM ({changed}) AS c WHERE to_status = '{PAID}')
        ORDER BY id FOR SHARE;
        {_insert_deltas(rows)};"""


def _by_operation(deltas: str, columns: str) -> str:
    old = f"SELECT -1 AS sign, {columns} FROM old_rows"
    new = f"SELECT 1 AS sign, {columns} FROM new_rows"
    return f"""
        IF TG_OP = 'INSERT' THEN {deltas.format(changed=new)}
        ELSIF TG_OP = 'DELETE' THEN {deltas.format(changed=old)}
        ELSE {deltas.format(changed=f"{old} UNION ALL {new}")}
        END IF;"""


def _function(name: str, body: str) -> str:
    return f"""
        CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $body$
        BEGIN
            {body}
            RETURN NULL;
        END
        $body$;"""


def _triggers(table: str, function: str) -> list[str]:
    statements = []
    for operation, referencing in (
        ("INSERT", "NEW TABLE AS new_rows"),
        ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
        ("DELETE", "OLD TABLE AS old_rows"),
    ):
        name = f"{function}_{operation.lower()}"
        statements += [
            f"DROP TRIGGER IF EXISTS {name} ON {table}",
            f"CREATE TRIGGER {name} AFTER {operation} ON {table} REFERENCING {referencing} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()",
        ]
    name = f"{function}_truncate"
    statements += [
        f"DROP TRIGGER IF EXISTS {name} ON {table}",
        f"CREATE TRIGGER {name} AFTER TRUNCATE ON {table} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()",
    ]
    return statements


def _forget(figures: str) -> str:
    """What a TRUNCATE leaves: no figure at all of these kinds."""
    return f"""
        IF TG_OP = 'TRUNCATE' THEN
            DELETE FROM dashboards_summarydelta WHERE figure IN ({figures});
            DELETE FROM dashboards_summarytotal WHERE figure IN ({figures});
            RETURN NULL;
        END IF;"""


def install_statements(tz: str) -> list[str]:
    if "'" in tz:
        raise ValueError(f"Unexpected time zone name: {tz!r}")
    invoice_body = _forget("'sent', 'received', 'paid'") + _by_operation(
        _invoice_deltas("{changed}", tz) + ";", INVOICE_COLUMNS
    )
    history_body = _forget("'paid'") + _by_operation(
        _history_deltas("{changed}", tz), "invoice_id, to_status, at"
    )
    return [
        _function("dashboards_invoice_summary", invoice_body),
        _function("dashboards_history_summary", history_body),
        *_triggers("invoices_invoice", "dashboards_invoice_summary"),
        *_triggers("invoices_statuschange", "dashboards_history_summary"),
    ]


UNINSTALL = [
    "DROP FUNCTION IF EXISTS dashboards_invoice_summary() CASCADE",
    "DROP FUNCTION IF EXISTS dashboards_history_summary() CASCADE",
]


def install(using: BaseDatabaseWrapper | None = None) -> None:
    """Create (or replace) the functions and triggers, in ``settings.TIME_ZONE``."""
    db = using or connection
    if db.vendor != "postgresql":
        return
    with db.cursor() as cursor:
        for statement in install_statements(settings.TIME_ZONE):
            cursor.execute(statement)


def uninstall(using: BaseDatabaseWrapper | None = None) -> None:
    db = using or connection
    if db.vendor != "postgresql":
        return
    with db.cursor() as cursor:
        for statement in UNINSTALL:
            cursor.execute(statement)


# --- fold and rebuild ----------------------------------------------------------------------------
KEY_COLUMNS = "figure, supplier_id, recipient_id, service_id, status, in_euros, day"
FOLD = f"""
    WITH folded AS (DELETE FROM dashboards_summarydelta RETURNING {FIGURE_COLUMNS})
    INSERT INTO dashboards_summarytotal ({FIGURE_COLUMNS})
    SELECT {KEY_COLUMNS}, sum(count), sum(amount), sum(delay_count), sum(delay_seconds)
    FROM folded GROUP BY {KEY_COLUMNS}
    ON CONFLICT (figure, supplier_id, recipient_id, service_id, status, in_euros,
        COALESCE(day, '0001-01-01'::date))
    DO UPDATE SET count = dashboards_summarytotal.count + excluded.count,
        amount = dashboards_summarytotal.amount + excluded.amount,
        delay_count = dashboards_summarytotal.delay_count + excluded.delay_count,
        delay_seconds = dashboards_summarytotal.delay_seconds + excluded.delay_seconds
"""
DROP_ZEROS = """
    DELETE FROM dashboards_summarytotal
    WHERE count = 0 AND amount = 0 AND delay_count = 0 AND delay_seconds = 0
"""


def fold() -> int:
    """Move the pending deltas into the totals, in one transaction (a reader sees them either
    as deltas or as totals, never both nor neither). Returns how many deltas were folded; 0
    when another fold holds the lock (it will have folded them)."""
    if connection.vendor != "postgresql":
        return 0
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [FOLD_LOCK])
        if not cursor.fetchone()[0]:
            return 0
        cursor.execute("SELECT count(*) FROM dashboards_summarydelta")
        pending = cursor.fetchone()[0]
        if pending:
            cursor.execute(FOLD)
            cursor.execute(DROP_ZEROS)
        return pending


def recount_sql(tz: str | None = None) -> str:
    """The totals, counted from the invoices and their history (as the triggers would)."""
    tz = tz or settings.TIME_ZONE
    history = "(SELECT 1 AS sign, invoice_id, to_status, at FROM invoices_statuschange) AS h"
    return f"""
        SELECT 'sent', supplier_id, 0, 0, status, currency = 'EUR',
            {_local_month("deposited_at", tz)}, count(*), sum(total_incl_tax), 0, 0
        FROM invoices_invoice GROUP BY 2, 5, 6, 7
        UNION ALL
        SELECT 'received', 0, coalesce(recipient_id, 0), coalesce(service_id, 0), status, false,
            {_received_day(tz)}, count(*), 0, 0, 0
        FROM invoices_invoice WHERE made_available_at IS NOT NULL GROUP BY 3, 4, 5, 7
        UNION ALL {_paid_rows(history, "invoices_invoice i", tz, sign="h.sign")}"""


def recount(using: BaseDatabaseWrapper) -> int:
    """Replace every summary row with a count of the invoices (no lock: see ``rebuild``).
    Returns the number of total rows."""
    with using.cursor() as cursor:
        cursor.execute("DELETE FROM dashboards_summarydelta")
        cursor.execute("DELETE FROM dashboards_summarytotal")
        cursor.execute(
            f"INSERT INTO dashboards_summarytotal ({FIGURE_COLUMNS}) "
            f"SELECT * FROM ({recount_sql()}) AS r ({FIGURE_COLUMNS}) "
            "WHERE count <> 0 OR amount <> 0 OR delay_count <> 0 OR delay_seconds <> 0"
        )
        return cursor.rowcount


def rebuild() -> int:
    """Recount every summary from the invoices (and reinstall the triggers, in today's
    ``settings.TIME_ZONE``). Exact while invoices keep changing: in one repeatable-read
    transaction the deltas it deletes are those of the changes its snapshot counts; later
    ones stay. Returns the number of total rows."""
    install()
    with connection.cursor() as cursor:
        # Session lock, taken before the snapshot: a fold committed meanwhile would conflict.
        cursor.execute("SELECT pg_advisory_lock(%s)", [FOLD_LOCK])
    outermost = not connection.in_atomic_block  # inside a caller's transaction: its snapshot
    try:
        with transaction.atomic():
            if outermost:
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            return recount(connection)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [FOLD_LOCK])


# --- reads ---------------------------------------------------------------------------------------
def figure_rows(figure: str, condition: Q, group: tuple[str, ...], **sums: str) -> list[dict]:
    """``sums`` of the rows of ``figure`` matching ``condition``, per ``group``: totals and
    pending deltas added up, read in one statement (one snapshot: a fold that commits
    meanwhile is seen whole or not at all)."""
    annotations = {name: Sum(column) for name, column in sums.items()}

    def part(model: type[SummaryTotal | SummaryDelta]) -> QuerySet:
        return (
            model.objects.filter(condition, figure=figure)
            .order_by()
            .values(*group)
            .annotate(**annotations)
        )

    added: dict[tuple, dict] = {}
    for row in part(SummaryTotal).union(part(SummaryDelta), all=True):
        key = tuple(row[name] for name in group)
        if key not in added:
            added[key] = dict(row)
            continue
        for name in sums:
            added[key][name] += row[name]
    return list(added.values())


def differences() -> list[tuple]:
    """The keys whose summary (totals and deltas added up) differs from a recount of the
    invoices, with both values: none while the triggers keep their contract."""
    figures = f"""
        SELECT {KEY_COLUMNS}, sum(count) AS count, sum(amount) AS amount,
            sum(delay_count) AS delay_count, sum(delay_seconds) AS delay_seconds
        FROM (
            SELECT {FIGURE_COLUMNS} FROM dashboards_summarytotal
            UNION ALL SELECT {FIGURE_COLUMNS} FROM dashboards_summarydelta
        ) AS rows GROUP BY {KEY_COLUMNS}"""
    nonzero = "WHERE count <> 0 OR amount <> 0 OR delay_count <> 0 OR delay_seconds <> 0"
    kept = f"SELECT * FROM ({figures}) AS k {nonzero}"
    counted = f"SELECT * FROM ({recount_sql()}) AS c ({FIGURE_COLUMNS}) {nonzero}"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT 'kept', * FROM (({kept}) EXCEPT ({counted})) AS k UNION ALL "
            f"SELECT 'counted', * FROM (({counted}) EXCEPT ({kept})) AS c ORDER BY 2, 3, 4, 5, 6"
        )
        return cursor.fetchall()
