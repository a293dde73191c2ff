"""Finding a structure by any word of its name, accents and case aside.

One SQL function, ``chorus_search_text(text)``, gives the form a name is compared in (lower
case, without accents). On PostgreSQL it is ``lower(unaccent(…))`` declared IMMUTABLE by the
migration ``0004_structure_name_search``, which also indexes it with a trigram GIN index
(pg_trgm): ``LIKE '%word%'`` on it is answered from the index. On SQLite the same function is
registered in Python on each connection (``register_sqlite``): the same results, without
the index. A query's words are put through the same function in SQL, so both sides always
agree (ligatures included on PostgreSQL).
"""

from __future__ import annotations

import unicodedata
from typing import Any

from django.db.models import Func, QuerySet, TextField, Value

FUNCTION = "chorus_search_text"


class SearchText(Func):
    """``chorus_search_text(expression)``: the form names are compared in."""

    function = FUNCTION
    output_field = TextField()


def search_text(value: str | None) -> str | None:
    """SQLite's ``chorus_search_text``: decomposed, accents dropped, lower case."""
    if value is None:
        return None
    decomposed = unicodedata.normalize("NFKD", value)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def register_sqlite(sender: Any, connection: Any, **kwargs: Any) -> None:
    """``connection_created`` receiver: the search function on every SQLite connection."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(FUNCTION, 1, search_text, deterministic=True)


def words_of(query: str) -> list[str]:
    """The words of a query: what is between spaces and punctuation."""
    cleaned = "".join(c if c.isalnum() else " " for c in query)
    return cleaned.split()


def with_every_word(queryset: QuerySet, field: str, words: list[str]) -> QuerySet:
    """The rows whose ``field`` contains every word, anywhere, accents and case aside."""
    queryset = queryset.annotate(_search=SearchText(field))
    for word in words:
        queryset = queryset.filter(_search__contains=SearchText(Value(word)))
    return queryset
