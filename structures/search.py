"""Finding a structure by any word of its name, accents and case aside, closest names first.

One SQL function, ``chorus_search_text(text)``, gives the form a name is compared in (lower
case, without accents). On PostgreSQL it is ``lower(unaccent(…))`` declared IMMUTABLE by the
migration ``0004_structure_name_search``; ``0006_structure_name_search_gist`` indexes it with a
trigram GiST index (pg_trgm), which answers both ``LIKE '%word%'`` and the ordering by
trigram distance (``<->``, a nearest-first index scan): a search for a common word stops after
the first rows instead of sorting every match. On SQLite the same two functions are registered
in Python on each connection (``register_sqlite``): the same results, without the index. A
query's words are put through the same function in SQL, so both sides always agree
(ligatures included on PostgreSQL).
"""

from __future__ import annotations

import unicodedata
from typing import Any

from django.db.models import FloatField, Func, QuerySet, TextField, Value
from django.db.models.expressions import RawSQL

FUNCTION = "chorus_search_text"
DISTANCE_FUNCTION = "chorus_trigram_distance"  # SQLite's stand-in for pg_trgm's ``<->``


class SearchText(Func):
    """``chorus_search_text(expression)``: the form names are compared in."""

    function = FUNCTION
    output_field = TextField()


class TrigramDistance(Func):
    """``a <-> b``: pg_trgm's distance, 1 − the share of trigrams the two texts have in common
    (0 for the same words); ``trigram_distance`` on SQLite."""

    function = ""
    arg_joiner = " <-> "
    template = "(%(expressions)s)"
    output_field = FloatField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler,
            connection,
            function=DISTANCE_FUNCTION,
            arg_joiner=", ",
            template="%(function)s(%(expressions)s)",
            **extra,
        )


def search_text(value: str | None) -> str | None:
    """SQLite's ``chorus_search_text``: decomposed, accents dropped, lower case."""
    if value is None:
        return None
    decomposed = unicodedata.normalize("NFKD", value)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def trigrams(text: str) -> set[str]:
    """pg_trgm's trigrams of a text: each word, two spaces before and one after, cut in threes."""
    found: set[str] = set()
    for word in words_of(text.lower()):
        padded = f"  {word} "
        found.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return found


def trigram_distance(first: str | None, second: str | None) -> float | None:
    """SQLite's ``chorus_trigram_distance``: what pg_trgm's ``first <-> second`` gives."""
    if first is None or second is None:
        return None
    ours, theirs = trigrams(first), trigrams(second)
    if not ours or not theirs:
        return 1.0
    common = len(ours & theirs)
    return 1.0 - common / (len(ours) + len(theirs) - common)


def register_sqlite(sender: Any, connection: Any, **kwargs: Any) -> None:
    """``connection_created`` receiver: the search functions on every SQLite connection."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(FUNCTION, 1, search_text, deterministic=True)
        connection.connection.create_function(
            DISTANCE_FUNCTION, 2, trigram_distance, deterministic=True
        )


def words_of(query: str) -> list[str]:
    """The words of a query: what is between spaces and punctuation."""
    cleaned = "".join(c if c.isalnum() else " " for c in query)
    return cleaned.split()


def with_every_word(queryset: QuerySet, field: str | Func, words: list[str]) -> QuerySet:
    """The rows whose ``field`` contains every word, anywhere, accents and case aside."""
    queryset = queryset.annotate(_search=SearchText(field))
    for word in words:
        queryset = queryset.filter(_search__contains=SearchText(Value(word)))
    return queryset


def closest_first(queryset: QuerySet, field: str, text: str) -> QuerySet:
    """The rows ordered by the trigram distance of ``field`` to ``text`` (accents and case
    aside), closest first: on PostgreSQL the GiST index yields them in that order, so a LIMIT
    stops the scan. Rows at the same distance come in the index's order."""
    distance = TrigramDistance(SearchText(field), SearchText(Value(text)))
    return queryset.annotate(_distance=distance).order_by("_distance")


# --- The SIRENE directory (``SireneLegalUnit``, tens of millions of rows) ------------------------
PREFIX_MIN = 3  # shorter words are matched whole: a one-letter prefix would match everything


def directory_tsquery(words: list[str], *, prefixes: bool = False) -> str:
    """The full-text query of the typed words: every word whole; with ``prefixes``, each of
    ``PREFIX_MIN`` letters or more as a word's beginning (``informat`` finds INFORMATIQUE).
    ``words_of`` keeps letters and digits only, so no word can carry tsquery's operators;
    accents and case are dropped in SQL by the same function as the index's.

    Whole words first because GIN answers them far faster: a word's posting list is read
    skipping what the other words exclude, where a prefix gathers every matching entry into a
    bitmap first (130 ms against 20 ms for two common words at 2 million units, 20 ms against
    0.4 ms for a common and a rare one; BENCHMARKS.md)."""
    if not prefixes:
        return " & ".join(words)
    return " & ".join(f"{word}:*" if len(word) >= PREFIX_MIN else word for word in words)


DIRECTORY_TABLE = "structures_sirenelegalunit"
# The directory's index is cut in ten by the SIREN's last digit (a check digit: evenly spread).
# A search reads the shards in turn and stops once it has its candidates: a word in millions
# of names costs a tenth of its posting list, not all of it (BENCHMARKS.md, section 11).
DIRECTORY_SHARDS = tuple("0123456789")
_WORDS = "chorus_directory_words(name, acronym)"


def directory_shard_condition(shard: str) -> str:
    """The rows of one shard: the active legal units whose SIREN ends with ``shard``."""
    return f"is_active AND right(siren, 1) = '{shard}'"


def directory_index_name(shard: str) -> str:
    return f"sirene_legal_unit_words_{shard}"


def directory_index_sql(shard: str) -> str:
    """The GIN index of one shard (migration 0011 creates the ten; a first import rebuilds
    them): the words of the name and acronym of its rows."""
    return (
        f"CREATE INDEX IF NOT EXISTS {directory_index_name(shard)} ON {DIRECTORY_TABLE} "
        f"USING gin ({_WORDS}) WHERE {directory_shard_condition(shard)}"
    )


# The SQL below is made of constants and of ``%s`` parameters: no typed word reaches it as text.
_MATCH = f"{_WORDS} @@ to_tsquery('pg_catalog.simple'::regconfig, chorus_search_text(%s))"


def directory_candidates(words: list[str], *, prefixes: bool, limit: int) -> RawSQL:
    """PostgreSQL: the SIRENs of at most ``limit`` active legal units holding every word, read
    shard after shard (``UNION ALL`` under a ``LIMIT``: PostgreSQL runs a shard only while the
    limit is not reached), each shard through its own index."""
    shards = " UNION ALL ".join(
        f"(SELECT siren FROM {DIRECTORY_TABLE} "  # noqa: S608 (constants)
        f"WHERE {directory_shard_condition(shard)} AND {_MATCH} LIMIT {int(limit)})"
        for shard in DIRECTORY_SHARDS
    )
    sql = f"SELECT siren FROM ({shards}) AS shards LIMIT {int(limit)}"  # noqa: S608 (constants)
    words_query = directory_tsquery(words, prefixes=prefixes)
    return RawSQL(sql, [words_query] * len(DIRECTORY_SHARDS))  # noqa: S611 (constants)
