"""Numbers, amounts and dates written the way each language writes them."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from chorus import formatting

NBSP = "\u00a0"


def render(text: str, **context: object) -> str:
    return Template("{% load chorus_format invoice_tags %}" + text).render(Context(context))


@pytest.mark.parametrize(
    ("language", "expected"),
    [("fr", f"1{NBSP}234,56{NBSP}€"), ("en", "€1,234.56")],
)
def test_an_amount_in_euros(language, expected):
    with translation.override(language):
        assert formatting.amount(Decimal("1234.56")) == expected
        assert render("{{ v|money }}", v=Decimal("1234.56")) == expected
        assert render("{{ v|amount }}", v=Decimal("1234.56")) == expected


@pytest.mark.parametrize(
    ("language", "expected"),
    [("fr", f"-12{NBSP}345,00{NBSP}USD"), ("en", f"USD{NBSP}-12,345.00")],
)
def test_another_currency_keeps_its_code(language, expected):
    with translation.override(language):
        assert formatting.amount(Decimal("-12345"), "USD") == expected


def test_a_negative_amount_in_english_puts_the_sign_first():
    with translation.override("en"):
        assert formatting.amount(Decimal("-40")) == "-€40.00"


@pytest.mark.parametrize(("language", "expected"), [("fr", f"5,5{NBSP}%"), ("en", "5.5%")])
def test_a_rate_drops_useless_zeros(language, expected):
    with translation.override(language):
        assert render("{{ v|rate }}", v=Decimal("5.50")) == expected


def test_counts_are_grouped_without_grouping_identifiers_in_templates():
    with translation.override("fr"):
        assert render("{{ v|number }}", v=12345) == f"12{NBSP}345"
        # Plain output stays ungrouped: a primary key in a URL must not read "12 345".
        assert render("{{ v }}", v=12345) == "12345"


@pytest.mark.parametrize(
    ("language", "short_date", "short_datetime"),
    [("fr", "05/11/2025", "05/11/2025 14:30"), ("en", "5 Nov 2025", "5 Nov 2025, 14:30")],
)
def test_dates_are_day_first_in_both_languages(language, short_date, short_datetime):
    moment = datetime(2025, 11, 5, 14, 30)
    with translation.override(language):
        assert render('{{ d|date:"SHORT_DATE_FORMAT" }}', d=date(2025, 11, 5)) == short_date
        assert render('{{ d|date:"SHORT_DATETIME_FORMAT" }}', d=moment) == short_datetime


@pytest.mark.parametrize(
    ("language", "expected"), [("fr", "Rejetée : motif"), ("en", "Rejected: motif")]
)
def test_a_label_and_its_value_are_separated_as_the_language_writes_it(language, expected):
    label = "Rejected" if language == "en" else "Rejetée"
    template = Template("{% load chorus_format %}{{ label }}{% colon %} motif")
    with translation.override(language):
        assert template.render(Context({"label": label})) == expected


def test_pages_write_a_siret_one_way():
    template = Template("{% load chorus_format %}{{ value|siret }}")
    assert template.render(Context({"value": "84455566400011"})) == "844 555 664 00011"
