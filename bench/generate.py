"""Invoices by the hundred thousand, written by PostgreSQL itself.

One ``INSERT … SELECT … FROM generate_series`` per batch: the rows never travel through Python,
so a million invoices take seconds, not the hours the services (and their PDFs) would take.
The rows satisfy the model's constraints (a deposited invoice has a number, a year and a
recipient; one number per supplier and year).
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection

# The statuses of a grown portal: most invoices are long paid, a few are being processed.
STATUS_MIX = """CASE mod(g, 20)
    WHEN 0 THEN 'MISE_A_DISPOSITION' WHEN 1 THEN 'SUSPENDUE' WHEN 2 THEN 'REJETEE'
    WHEN 3 THEN 'COMPTABILISEE' WHEN 4 THEN 'SERVICE_FAIT' WHEN 5 THEN 'A_RECYCLER'
    ELSE 'MISE_EN_PAIEMENT' END"""

COLUMNS = (
    "number, issue_date, issue_year, billing_frame, invoice_type, original_invoice_number, "
    "supplier_id, recipient_siret, recipient_id, service_code, service_id, engagement_number, "
    "validator_siret, market_number, currency, vat_regime, vat_exemption_reason, "
    "payment_method, iban, bic, comment, deposit_mode, status, status_changed_at, "
    "total_excl_tax, total_vat, total_incl_tax, prepaid_amount, amount_due, deposited_at, "
    "deposit_sha256, made_available_at, mandate_number, rejection_acknowledged, created_by_id, "
    "created_at, updated_at"
)


def invoices(
    *,
    start: int,
    stop: int,
    prefix: str,
    big_supplier: int | None,
    big_every: int,
    suppliers: Sequence[int],
    recipient: int,
    recipient_siret: str,
    services: Sequence[tuple[int, str]],
    status: str | None = None,
) -> None:
    """Invoices numbered ``prefix`` + g for g in [start, stop).

    Every ``big_every``-th one goes to ``big_supplier``, the others to ``suppliers`` in turn;
    services are dealt in turn. ``status`` (default: STATUS_MIX) — DEPOSEE ones are not yet
    made available. Creation dates go back one second per invoice, the newest last.
    """
    status_sql = f"'{status}'" if status else STATUS_MIX
    supplier_sql = (
        f"CASE WHEN mod(g, {big_every}) = 0 THEN {big_supplier} "
        f"ELSE (%(suppliers)s::bigint[])[1 + mod(g / {big_every}, %(n_suppliers)s)] END"
        if big_supplier is not None
        else "(%(suppliers)s::bigint[])[1 + mod(g, %(n_suppliers)s)]"
    )
    sql = f"""
        INSERT INTO invoices_invoice ({COLUMNS})
        SELECT %(prefix)s || g, d, extract(year FROM d), 'A1', 'FACTURE', '',
            {supplier_sql}, %(siret)s, %(recipient)s,
            (%(codes)s::text[])[1 + mod(g, %(n_services)s)],
            (%(service_ids)s::bigint[])[1 + mod(g, %(n_services)s)],
            '', '', '', 'EUR', 'DEBITS', '', 'VIREMENT', '', '', '', 'SAISIE_API',
            s, ts, 100 + mod(g, 1000), 20, 120 + mod(g, 1000), 0, 120 + mod(g, 1000), ts, '',
            CASE WHEN s = 'DEPOSEE' THEN NULL ELSE ts END, '', false, NULL, ts, ts
        FROM generate_series(%(start)s, %(stop)s - 1) AS g,
            LATERAL (SELECT now() - make_interval(secs => %(stop)s - g) AS ts) AS t,
            LATERAL (SELECT (ts AT TIME ZONE 'Europe/Paris')::date AS d, {status_sql} AS s) AS x
    """
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            {
                "prefix": prefix,
                "suppliers": list(suppliers),
                "n_suppliers": len(suppliers),
                "siret": recipient_siret,
                "recipient": recipient,
                "codes": [code for _id, code in services],
                "service_ids": [pk for pk, _code in services],
                "n_services": len(services),
                "start": start,
                "stop": stop,
            },
        )


def analyze() -> None:
    """Fresh statistics (and visibility map, for index-only scans) after a bulk load."""
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE invoices_invoice")
