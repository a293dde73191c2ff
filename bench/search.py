"""Finding one's structure by a word of its name (structures/search.py), as the table grows.

200,000 then 2,000,000 structures (--quick: 20,000 then 200,000), named from a list of
French words (accented and not); the search for one word (``informatique``, ``électricité``…)
and for two, through ``structure_search`` as the page calls it. Each figure is the median of
the searches at that size; its baseline is the same search in the same run with index scans
switched off (what every search would cost without the trigram index: a scan of the table).
Target: under 50 ms, and at most a tenth of the scan.
"""

from __future__ import annotations

import statistics
import time

from bench.common import Row

TARGET_MS = 50.0
TARGET_RATIO = 0.1
WORDS = [
    "Atelier", "Société", "Bretonne", "Informatique", "Électricité", "Générale", "Services",
    "Conseil", "Bâtiment", "Menuiserie", "Transports", "Nettoyage", "Boulangerie", "Études",
    "Ingénierie", "Réseaux", "Logistique", "Formation", "Sécurité", "Énergie", "Paysage",
    "Imprimerie", "Médical", "Restauration", "Plomberie", "Chauffage", "Numérique", "Audit",
]  # fmt: skip
PREFIX = "90000000000000"  # the generated identifiers: deleted after
QUERIES = ["informatique", "electricite", "MENUISERIE", "batiment numerique", "études conseil"]


def _fill(start: int, stop: int) -> None:
    """Structures ``start + 1`` to ``stop``, three words each and a number: one INSERT."""
    from django.db import connection

    words = "ARRAY[" + ", ".join(f"'{w}'" for w in WORDS) + "]"
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO structures_structure (
                identifier_type, identifier, name, address, postal_code, city, country,
                vat_number, is_public, is_active, service_code_required, engagement_required,
                engagement_or_service_required, payment_status_reported,
                keeps_engagement_register, contact_name, contact_email, contact_phone,
                is_closed, created_at)
            SELECT 'SIRET', (90000000000000 + n)::text,
                   ({words})[1 + mod(n, {len(WORDS)})] || ' ' ||
                   ({words})[1 + mod(n / 7, {len(WORDS)})] || ' ' ||
                   ({words})[1 + mod(n / 97, {len(WORDS)})] || ' ' || n,
                   '', '', '', 'FR', '', false, true, false, false, false, false, false,
                   '', '', '', false, now()
            FROM generate_series(%s, %s) AS n
            """,
            [start + 1, stop],
        )
        cursor.execute("ANALYZE structures_structure")


def _median_ms(*, index: bool) -> float:
    from django.db import connection, transaction

    from structures.selectors import structure_search

    timings = []
    for query in QUERIES * 3:
        with transaction.atomic(), connection.cursor() as cursor:
            if not index:
                cursor.execute("SET LOCAL enable_bitmapscan = off")
                cursor.execute("SET LOCAL enable_indexscan = off")
            started = time.perf_counter()
            found = list(structure_search(query))
            timings.append((time.perf_counter() - started) * 1000)
            assert found, query
    return statistics.median(timings)


def run(*, quick: bool) -> list[Row]:
    sizes = (20_000, 200_000) if quick else (200_000, 2_000_000)
    rows: list[Row] = []
    filled = 0
    for size in sizes:
        _fill(filled, size)
        filled = size
        indexed, scanned = _median_ms(index=True), _median_ms(index=False)
        rows.append(
            Row(
                bench="search",
                case=f"structure by name words, {size:,} structures",
                metric="median ms",
                value=round(indexed, 2),
                baseline_name="same search, sequential scan",
                baseline=round(scanned, 2),
                target=f"< {TARGET_MS:.0f} ms and ≤ {TARGET_RATIO}× the scan",
                met=indexed < TARGET_MS and indexed <= TARGET_RATIO * scanned,
            )
        )
    _empty()
    return rows


def _empty() -> None:
    """The generated structures out (nothing refers to them: one DELETE, no ORM collector)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM structures_structure WHERE identifier LIKE %s", [PREFIX[:7] + "%"]
        )
