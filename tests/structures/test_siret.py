import random

import pytest
from stdnum import luhn
from stdnum.fr import siret as stdnum_siret

from structures.fields import SiretField, clean_siret
from structures.siret import format_siret, is_valid_fast

STATE = "11000201100044"


def _numbers(count: int) -> list[str]:
    """Random numbers, half of them completed to pass Luhn, some of La Poste's SIREN."""
    rng = random.Random(3)
    numbers = []
    for n in range(count):
        body = "".join(rng.choice("0123456789") for _ in range(13))
        if n % 3 == 0:
            body = "356000000" + body[9:]
        numbers.append(body + (luhn.calc_check_digit(body) if n % 2 else rng.choice("0123456789")))
    return numbers


def test_the_fast_check_agrees_with_stdnum_on_every_number():
    numbers = [*_numbers(20_000), STATE, "35600000000048", "35600000012346", "1100020110004", "ab"]
    disagreements = [n for n in numbers if is_valid_fast(n) != stdnum_siret.is_valid(n)]
    assert disagreements == []
    assert sum(map(is_valid_fast, numbers)) > 1000  # the sample holds many valid numbers


def test_la_poste_establishments_pass_without_the_luhn_rule():
    assert not luhn.is_valid("35600000012346")
    assert is_valid_fast("35600000012346")
    assert clean_siret("356 000 000 12346") == "35600000012346"


def test_the_siret_field_accepts_spaces_and_stores_the_fourteen_digits():
    assert SiretField().clean("110 002 011 000 44") == STATE
    assert SiretField().clean(f" {STATE} ") == STATE
    assert format_siret(STATE) == "110 002 011 00044"
    assert SiretField().clean("110 002 011 00044") == STATE


def test_one_way_of_writing_a_siret_and_a_siren():
    assert format_siret("84455566400011") == "844 555 664 00011"
    assert format_siret("844555664") == "844 555 664"
    assert format_siret("FR-123") == "FR-123"
    assert format_siret("") == ""


@pytest.mark.parametrize(
    ("typed", "code", "words"),
    [
        ("110 002 011 000 4A", "format", "que des chiffres"),
        ("110 002 011", "length", "14 chiffres ; vous en avez saisi 9"),
        ("110 002 011 000 45", "checksum", "clé de contrôle"),
    ],
)
def test_the_siret_field_says_what_is_wrong(typed, code, words):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as caught:
        SiretField().clean(typed)
    assert caught.value.error_list[0].code == code
    assert words in caught.value.messages[0]


def test_the_siret_field_is_required_unless_told_otherwise():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        SiretField().clean("")
    assert SiretField(required=False).clean("") == ""
