"""Searching the SIRENE directory by words of a company's name (``selectors.directory_search``)
at the directory's size: the legal units' table (one row per SIREN; INSEE's stock holds about
25 million legal units, and 40 million establishments).

N legal units are generated in SQL straight into ``SireneLegalUnit`` (quick: 1,000,000; full:
1M, 5M, 10M; ``BENCH_DIRECTORY_SIZES=25000000,40000000`` for the directory's real sizes, about an
hour on 2 cores), with names the way the directory has
them: two common trade words (28 words, each in about 7 % of the names, the worst case of
a search), a rarer word (64,000 made-up words of three syllables), a number; one in 11 a sole
trader (first and last name), one in 5 an acronym, one in 10 ceased. Then, as the import does
for a first load, the indexes are built after the load, and for each size:

- build time and size of the full-text GIN indexes the migration creates (one per shard, the
  SIREN's last digit; partial: active units)
  and, for comparison up to 10M units, of a trigram GIN index on the same text (dropped after);
- p95 and median of a mix of searches through ``directory_search`` (a common word alone, two
  common words, a rare word, a rare word's prefix, a person's names, an accented word, an
  acronym), beside the same searches with index and bitmap scans off (the sequential scan
  every search would cost without the index: the baseline, 3 rounds).

Target: p95 under 100 ms, at most a tenth of the scan.

    python -m bench --only directory [--quick]
    BENCH_DIRECTORY_SIZES=25000000,40000000 python -m bench --only directory
"""

from __future__ import annotations

import os
import statistics
import time

from bench.common import Row, truncate

TARGET_P95_MS = 100.0
TARGET_RATIO = 0.1
COMMON = [
    "Atelier", "Société", "Bretonne", "Informatique", "Électricité", "Générale", "Services",
    "Conseil", "Bâtiment", "Menuiserie", "Transports", "Nettoyage", "Boulangerie", "Études",
    "Ingénierie", "Réseaux", "Logistique", "Formation", "Sécurité", "Énergie", "Paysage",
    "Imprimerie", "Médical", "Restauration", "Plomberie", "Chauffage", "Numérique", "Audit",
]  # fmt: skip
SYLLABLES = [
    "ba", "ko", "ri", "lu", "me", "to", "sa", "vi", "da", "ne", "po", "ga", "fi", "ze", "mo",
    "ta", "li", "ru", "be", "ka", "jo", "ve", "ni", "so", "pe", "du", "ma", "ro", "xe", "la",
    "gu", "fe", "wo", "ha", "di", "cu", "ny", "ze", "bo", "ti",
]  # fmt: skip
LAST = ["MARTIN", "BERNARD", "DUBOIS", "THOMAS", "ROBERT", "RICHARD", "PETIT"]
FIRST = ["ANNE", "PIERRE", "MARIE", "JEAN", "CLAIRE", "LUC"]
TRIGRAM_INDEX = "bench_directory_trigram"
TRIGRAM_UP_TO = 10_000_000  # beyond, the comparison index alone takes half an hour to build
KNOWN = 4242  # an active company's number (not a sole trader: 4242 % 11 = 7)


def _word(n: int) -> str:
    """The made-up rare word of index n, as the SQL makes it."""
    s = SYLLABLES
    return s[n % 40] + s[n // 40 % 40] + s[n // 1600 % 40]


def queries() -> list[str]:
    """The searches: one of each kind (see the module's docstring)."""
    return [
        "informatique",
        "menuiserie bretonne",
        _word(12_345),
        _word(23_456)[:4],
        "martin anne",
        "électricité générale",
        "s123",
        f"{COMMON[KNOWN % 28]} {_word(KNOWN * 7919 % 64000)}",  # the name of unit KNOWN
    ]


def _fill(start: int, stop: int) -> None:
    """Legal units ``start + 1`` to ``stop`` (SIRENs 3xxxxxxxx: none of them real), one
    INSERT … SELECT, no index but the primary key's."""
    from django.db import connection

    common = "ARRAY[" + ", ".join(f"'{w}'" for w in COMMON) + "]"
    syllables = "ARRAY[" + ", ".join(f"'{w}'" for w in SYLLABLES) + "]"
    last = "ARRAY[" + ", ".join(f"'{w}'" for w in LAST) + "]"
    first = "ARRAY[" + ", ".join(f"'{w}'" for w in FIRST) + "]"
    # k: a scrambled n, so that the rare word does not follow the SIREN's order.
    rare = (
        f"(({syllables})[1 + mod(k, 40)] || ({syllables})[1 + mod(k / 40, 40)] || "
        f"({syllables})[1 + mod(k / 1600, 40)])"
    )
    two = f"({common})[1 + mod(n, 28)] || ' ' || ({common})[1 + mod(n / 29, 28)]"
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO structures_sirenelegalunit
                (siren, name, acronym, legal_category, is_public_body, is_active, head_office_nic)
            SELECT lpad((300000000 + n)::text, 9, '0'),
                   CASE WHEN mod(n, 11) = 3
                        THEN ({first})[1 + mod(n, 6)] || ' ' || ({last})[1 + mod(n / 11, 7)]
                        ELSE upper({two} || ' ' || {rare}) || ' ' || n END,
                   CASE WHEN mod(n, 5) = 0 THEN 'S' || mod(n / 5, 1000) ELSE '' END,
                   '5499', false, mod(n, 10) <> 9, '00012'
            FROM generate_series(%s::bigint, %s::bigint) AS n,
                 LATERAL (SELECT mod(n * 7919, 64000) AS k) AS scrambled
            """,
            [start + 1, stop],
        )


def _drop_indexes(*, keep_fulltext: bool = False) -> None:
    from django.db import connection

    from structures import search

    with connection.cursor() as cursor:
        if not keep_fulltext:
            for shard in search.DIRECTORY_SHARDS:
                cursor.execute(f"DROP INDEX IF EXISTS {search.directory_index_name(shard)}")
        cursor.execute(f"DROP INDEX IF EXISTS {TRIGRAM_INDEX}")


def _trigram_timings(*, rounds: int) -> dict[str, list[float]]:
    """The same searches on the trigram index: every word anywhere (``LIKE '%word%'``), at
    most 200 candidates, the 20 closest — ``directory_search``'s shape on the other index."""
    from django.db import connection

    from structures import search

    text = "chorus_search_text(name || ' ' || acronym)"
    found: dict[str, list[float]] = {}
    for _round in range(rounds):
        for query in queries():
            words = search.words_of(query)
            likes = " AND ".join(
                f"{text} LIKE '%%' || chorus_search_text(%s) || '%%'" for _word in words
            )
            sql = (
                "SELECT siren, name FROM structures_sirenelegalunit WHERE siren IN ("
                f"SELECT siren FROM structures_sirenelegalunit WHERE is_active AND {likes} "
                "LIMIT 200) ORDER BY chorus_search_text(name) <-> chorus_search_text(%s) LIMIT 20"
            )
            with connection.cursor() as cursor:
                started = time.perf_counter()
                cursor.execute(sql, [*words, " ".join(words)])
                hits = cursor.fetchall()
                found.setdefault(query, []).append((time.perf_counter() - started) * 1000)
            assert hits, query
    return found


def _build(sql: str, name: str) -> tuple[float, int]:
    """Builds an index; its seconds and its size in bytes."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '256MB'")
        started = time.perf_counter()
        cursor.execute(sql)
        seconds = time.perf_counter() - started
        cursor.execute("SELECT pg_relation_size(%s::regclass)", [name])
        return seconds, cursor.fetchone()[0]


def _build_fulltext() -> tuple[float, int]:
    """The directory's GIN indexes, one per shard, as the migration and a first import build
    them; their seconds and their bytes, together."""
    from structures import search

    seconds = size = 0
    for shard in search.DIRECTORY_SHARDS:
        took, weighs = _build(search.directory_index_sql(shard), search.directory_index_name(shard))
        seconds, size = seconds + took, size + weighs
    return seconds, size


def _sizes() -> dict[str, int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_relation_size('structures_sirenelegalunit'), "
            "pg_indexes_size('structures_sirenelegalunit')"
        )
        table, indexes = cursor.fetchone()
    return {"table_bytes": table, "all_indexes_bytes": indexes}


def _timings(*, index: bool, rounds: int, sample: int | None = None) -> dict[str, list[float]]:
    from django.db import connection, transaction

    from structures.selectors import directory_search

    found: dict[str, list[float]] = {}
    for _round in range(rounds):
        for query in queries()[:sample]:
            with transaction.atomic(), connection.cursor() as cursor:
                if not index:
                    cursor.execute("SET LOCAL enable_bitmapscan = off")
                    cursor.execute("SET LOCAL enable_indexscan = off")
                started = time.perf_counter()
                hits = directory_search(query)
                found.setdefault(query, []).append((time.perf_counter() - started) * 1000)
                assert hits, query
    return found


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _sizes_asked() -> tuple[int, ...]:
    """``BENCH_DIRECTORY_SIZES``: the sizes to reach, in rising order (each adds to the last)."""
    asked = os.environ.get("BENCH_DIRECTORY_SIZES", "")
    return tuple(sorted(int(size.replace("_", "")) for size in asked.split(",") if size.strip()))


def run(*, quick: bool) -> list[Row]:
    from django.db import connection

    from structures import search
    from structures.models import SireneLegalUnit

    sizes = _sizes_asked() or ((1_000_000,) if quick else (1_000_000, 5_000_000, 10_000_000))
    rows: list[Row] = []
    truncate(SireneLegalUnit._meta.db_table)
    filled = 0
    try:
        for size in sizes:
            _drop_indexes()
            started = time.perf_counter()
            _fill(filled, size)
            load_seconds = time.perf_counter() - started
            filled = size
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE structures_sirenelegalunit")
            compared = size <= TRIGRAM_UP_TO
            if compared:
                trigram_seconds, trigram_bytes = _build(
                    f"CREATE INDEX {TRIGRAM_INDEX} ON structures_sirenelegalunit USING gin "
                    "(chorus_search_text(name || ' ' || acronym) gin_trgm_ops) WHERE is_active",
                    TRIGRAM_INDEX,
                )
            fts_seconds, fts_bytes = _build_fulltext()
            indexed = _timings(index=True, rounds=5)
            trigram = _trigram_timings(rounds=5) if compared else {}
            _drop_indexes(keep_fulltext=True)
            big = size > 2_000_000  # a scan takes seconds (minutes at 25M): fewer of them
            sample = (2 if size > 20_000_000 else 4) if big else None
            scanned = _timings(index=False, rounds=1 if big else 3, sample=sample)
            every = [t for times in indexed.values() for t in times]
            every_scan = [t for times in scanned.values() for t in times]
            p95, p95_scan = _p95(every), _p95(every_scan)
            label = f"{size:,} legal units"
            extra = {
                "load_seconds": round(load_seconds, 1),
                "fulltext_gin_build_seconds": round(fts_seconds, 1),
                "fulltext_gin_mib": round(fts_bytes / 2**20, 1),
                "median_ms_by_query": {
                    q: round(statistics.median(t), 2) for q, t in indexed.items()
                },
                "scan_median_ms_by_query": {
                    q: round(statistics.median(t), 1) for q, t in scanned.items()
                },
                **{k: round(v / 2**20, 1) for k, v in _sizes().items()},
            }
            if compared:
                extra |= {
                    "trigram_gin_build_seconds": round(trigram_seconds, 1),
                    "trigram_gin_mib": round(trigram_bytes / 2**20, 1),
                    "trigram_search_p95_ms": round(
                        _p95([t for times in trigram.values() for t in times]), 2
                    ),
                    "trigram_median_ms_by_query": {
                        q: round(statistics.median(t), 2) for q, t in trigram.items()
                    },
                }
            rows.append(
                Row(
                    bench="directory",
                    case=f"directory search by name words, {label}",
                    metric="p95 ms",
                    value=round(p95, 2),
                    baseline_name="same searches, sequential scan (p95)",
                    baseline=round(p95_scan, 1),
                    target=f"< {TARGET_P95_MS:.0f} ms and ≤ {TARGET_RATIO}× the scan",
                    met=p95 < TARGET_P95_MS and p95 <= TARGET_RATIO * p95_scan,
                    extra=extra,
                )
            )
            rows.append(
                Row(
                    bench="directory",
                    case=f"full-text GIN index size, {label}",
                    metric="MiB",
                    value=round(fts_bytes / 2**20, 1),
                    baseline_name="trigram GIN index on the same text" if compared else "",
                    baseline=round(trigram_bytes / 2**20, 1) if compared else None,
                    extra={"build_s": round(fts_seconds, 1)}
                    | ({"trigram_build_s": round(trigram_seconds, 1)} if compared else {}),
                )
            )
    finally:
        _drop_indexes()
        truncate(SireneLegalUnit._meta.db_table)
        with connection.cursor() as cursor:  # the migration's indexes, for what runs next
            for shard in search.DIRECTORY_SHARDS:
                cursor.execute(search.directory_index_sql(shard))
    return rows
