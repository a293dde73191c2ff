"""SIRET numbers: the one place that says whether a number is valid and how it is written.

``python-stdnum`` is the reference (14 digits, Luhn on the SIRET and on its SIREN, La Poste's
exception). ``is_valid_fast`` gives the same answer without stdnum's per-call overhead, for the
directory import that checks 40 million numbers; a test compares both on many numbers.
"""

from __future__ import annotations

from stdnum.exceptions import InvalidChecksum, InvalidFormat, InvalidLength, ValidationError
from stdnum.fr import siret as stdnum_siret

__all__ = [
    "InvalidChecksum",
    "InvalidFormat",
    "InvalidLength",
    "ValidationError",
    "compact",
    "format_siret",
    "is_valid_fast",
    "is_valid_siren_fast",
    "validate",
]

# La Poste's establishments share one SIREN and do not follow the Luhn rule (stdnum knows it).
_LA_POSTE_SIREN = "356000000"
_LA_POSTE_HEAD_OFFICE = "35600000000048"
# Byte value of an ASCII digit -> byte value whose ASCII digit is the doubled digit's Luhn value.
_DOUBLED = bytes.maketrans(b"0123456789", b"0246813579")
_ZERO = ord("0")


def compact(value: str) -> str:
    """The number without the spaces, dots and dashes people type in it."""
    return stdnum_siret.compact(value.replace("\u00a0", " ").replace("\u202f", " "))


def validate(value: str) -> str:
    """The normalised SIRET; raises stdnum's InvalidFormat, InvalidLength or InvalidChecksum."""
    return stdnum_siret.validate(compact(value))


def format_siret(value: str) -> str:
    """How every page and message writes a SIRET: the SIREN in threes, then the NIC
    (``844 555 664 00011``, INSEE's way); a SIREN alone in threes. Anything else is left as
    it is. Inputs accept it with or without spaces (``compact``)."""
    if not (value.isascii() and value.isdigit() and len(value) in (9, 14)):
        return value
    return f"{value[:3]} {value[3:6]} {value[6:9]} {value[9:]}".rstrip()


def is_valid_fast(value: str) -> bool:
    """Same verdict as ``stdnum.fr.siret.is_valid`` on an already compact value, several times
    faster (no exceptions, no regular expressions, both Luhn sums in one pass of slicing)."""
    if len(value) != 14 or not value.isascii() or not value.isdigit():
        return False
    digits = value.encode("ascii")
    # Luhn on the SIREN (9 digits): from its last digit, one in two is doubled.
    siren_sum = sum(digits[8::-2]) + sum(digits[7::-2].translate(_DOUBLED)) - 9 * _ZERO
    if siren_sum % 10:
        return False
    if value.startswith(_LA_POSTE_SIREN) and value != _LA_POSTE_HEAD_OFFICE:
        return (sum(digits) - 14 * _ZERO) % 5 == 0
    return (sum(digits[13::-2]) + sum(digits[12::-2].translate(_DOUBLED)) - 14 * _ZERO) % 10 == 0


def is_valid_siren_fast(value: str) -> bool:
    """A SIREN's verdict (9 ASCII digits, Luhn) without stdnum's overhead, for the import of
    the legal units' stock (25 million numbers)."""
    if len(value) != 9 or not value.isascii() or not value.isdigit():
        return False
    digits = value.encode("ascii")
    return (sum(digits[8::-2]) + sum(digits[7::-2].translate(_DOUBLED)) - 9 * _ZERO) % 10 == 0
