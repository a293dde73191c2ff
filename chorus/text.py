"""Text typed by users: the invisible characters that have no business in an invoice or a name.

Control characters (a NUL breaks PostgreSQL, others break CSV exports and e-mails) and the
Unicode controls that reorder or hide text ("Trojan Source": U+202E turns ``fact\u202egpj.exe``
into ``factexe.jpg`` on screen) let a text show something else than what is stored. They are
refused with a message, never silently removed: what is stored is what the user sees.
"""

from __future__ import annotations

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Bidirectional overrides, embeddings and isolates, and the marks that flip direction.
BIDI_CONTROLS = frozenset(
    "\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
# Characters that take no room on screen: two "equal" texts could differ by them.
INVISIBLE = frozenset("\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e")
MULTILINE_ALLOWED = frozenset("\n\r\t")
# The refused characters as one pattern each, so that an acceptable text (nearly every one) is
# read by the regex engine rather than a character at a time in Python: the category "Cc" is
# exactly U+0000–U+001F and U+007F–U+009F (tests/test_text.py checks every code point).
_CONTROLS = "\x00-\x1f\x7f-\x9f"
_SINGLE_LINE_REFUSED = re.compile(f"[{_CONTROLS}{''.join(sorted(BIDI_CONTROLS | INVISIBLE))}]")
_MULTILINE_REFUSED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

MESSAGE = _(
    "Ce texte contient un caractère invisible ou de contrôle (%(code)s) : retirez-le, "
    "par exemple en le retapant."
)


def unsafe_character(value: str, *, multiline: bool = False) -> str | None:
    """The first character of ``value`` that is refused, as ``U+XXXX``; None if none is.

    One line (names, numbers, references, designations): no control character, no bidi
    control, no invisible character. Free text (comments): no control character but line
    breaks and tabs — right-to-left writing and emoji sequences (joined by U+200D) are
    legitimate there, and nothing is identified by a comment."""
    found = (_MULTILINE_REFUSED if multiline else _SINGLE_LINE_REFUSED).search(value)
    return None if found is None else f"U+{ord(found.group()):04X}"


def _unsafe_character_by_category(value: str, *, multiline: bool = False) -> str | None:
    """``unsafe_character`` as its rule reads, a character at a time: what the patterns are
    tested against."""
    for char in value:
        if multiline:
            if char not in MULTILINE_ALLOWED and unicodedata.category(char) == "Cc":
                return f"U+{ord(char):04X}"
        elif char in BIDI_CONTROLS or char in INVISIBLE or unicodedata.category(char) == "Cc":
            return f"U+{ord(char):04X}"
    return None


def text_error(value: str, *, multiline: bool = False) -> str | None:
    """The message to show for ``value``, or None when it is acceptable."""
    code = unsafe_character(value, multiline=multiline)
    return None if code is None else str(MESSAGE % {"code": code})


def validate_single_line(value: str) -> None:
    """A Django validator for names, numbers, references (one line, no hidden character)."""
    message = text_error(value)
    if message:
        raise ValidationError(message, code="unsafe_character")


def validate_multiline(value: str) -> None:
    """A Django validator for comments and descriptions (line breaks and tabs allowed)."""
    message = text_error(value, multiline=True)
    if message:
        raise ValidationError(message, code="unsafe_character")
