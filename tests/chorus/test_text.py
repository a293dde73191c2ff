"""The refused characters of typed text: the patterns ``unsafe_character`` reads a text with
refuse exactly what its rule says, character by character (every code point)."""

from __future__ import annotations

import sys
import unicodedata

import pytest

from chorus import text

EVERY_CHARACTER = "".join(map(chr, range(sys.maxunicode + 1)))


def _refused_by_rule(*, multiline: bool) -> set[str]:
    refused = set()
    for char in EVERY_CHARACTER:
        if multiline:
            if char not in text.MULTILINE_ALLOWED and unicodedata.category(char) == "Cc":
                refused.add(char)
        elif char in text.BIDI_CONTROLS | text.INVISIBLE or unicodedata.category(char) == "Cc":
            refused.add(char)
    return refused


@pytest.mark.parametrize("multiline", [False, True])
def test_the_patterns_refuse_what_the_rule_refuses(multiline: bool) -> None:
    pattern = text._MULTILINE_REFUSED if multiline else text._SINGLE_LINE_REFUSED
    assert set(pattern.findall(EVERY_CHARACTER)) == _refused_by_rule(multiline=multiline)


@pytest.mark.parametrize(
    "value",
    [
        "",
        "Facture 2026-001",
        "fact\u202egpj.exe",
        "a\u200bb\x00c",
        "ligne\nsuivante\tet\rfin",
        "\x7fDEL puis \x9f",
        "joint \u200d emoji \U0001f469\u200d\U0001f4bb",
        "é\u00adé",
    ],
)
@pytest.mark.parametrize("multiline", [False, True])
def test_the_first_refused_character_is_named_as_before(value: str, multiline: bool) -> None:
    assert text.unsafe_character(value, multiline=multiline) == (
        text._unsafe_character_by_category(value, multiline=multiline)
    )
