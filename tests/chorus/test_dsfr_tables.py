"""``{% dsfr_table %}``: the DSFR table markup the pages share (wrapper, named table, headings)."""

from __future__ import annotations

import pytest
from django.template import Context, Template, TemplateSyntaxError
from django.utils import translation


def render(source: str, **context: object) -> str:
    with translation.override("fr"):
        return Template("{% load i18n dsfr_tables %}" + source).render(Context(context))


def test_a_table_has_its_caption_its_column_headings_and_its_body():
    html = render(
        '{% dsfr_table _("Le") "Par" caption=_("Historique") caption_hidden=True %}'
        "<tbody><tr><td>{{ when }}</td><td>x</td></tr></tbody>{% enddsfr_table %}",
        when="<b>hier</b>",
    )
    assert '<div class="fr-table">' in html
    assert '<caption class="fr-sr-only">Historique</caption>' in html
    assert '<thead><tr><th scope="col">Le</th><th scope="col">Par</th></tr></thead>' in html
    assert "<td>&lt;b&gt;hier&lt;/b&gt;</td>" in html  # the body's own escaping, not twice
    assert html.strip().endswith("</table>\n</div>")


def test_a_visible_caption_more_classes_and_a_heading_of_its_own():
    html = render(
        '{% dsfr_table caption=name classes="fr-table--no-caption fr-mt-3w" labelledby="t" %}'
        "<thead><tr><th>A</th></tr></thead>{% enddsfr_table %}",
        name="Paramètres & co",
    )
    assert '<div class="fr-table fr-table--no-caption fr-mt-3w">' in html
    assert '<table aria-labelledby="t">' in html
    assert "<caption>Paramètres &amp; co</caption>" in html
    assert html.count("<thead>") == 1


@pytest.mark.parametrize(
    "tag",
    [
        '{% dsfr_table _("A") %}',  # no caption
        '{% dsfr_table caption="x" _("A") %}',  # a column after the options
        '{% dsfr_table caption="x" colour="red" %}',  # an unknown option
    ],
)
def test_a_table_written_wrong_is_refused_when_the_template_is_read(tag):
    with pytest.raises(TemplateSyntaxError):
        render(tag + "{% enddsfr_table %}")
