"""``{% dsfr_table %}``: the markup every DSFR table of the portal shares, written once.

    {% dsfr_table _("Le") _("Action") caption=_("Historique") caption_hidden=True %}
      <tbody>…</tbody>
    {% enddsfr_table %}

The positional arguments are the column headings (``<th scope="col">``); without any, the body
brings its own ``<thead>`` (headings shown on a condition, links, abbreviations). Keywords:
``caption`` (required: every table is named for screen readers), ``caption_hidden`` (the caption
read by screen readers only), ``classes`` (more classes on the DSFR wrapper: ``fr-mt-3w``,
``fr-table--no-caption``…), ``labelledby`` (the id of a heading that names the table).
"""

from __future__ import annotations

from typing import Any

from django import template
from django.template.base import FilterExpression, NodeList, Parser, Token
from django.template.context import Context
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

register = template.Library()

OPTIONS = frozenset({"caption", "caption_hidden", "classes", "labelledby"})


class DsfrTableNode(template.Node):
    def __init__(
        self,
        columns: list[FilterExpression],
        options: dict[str, FilterExpression],
        body: NodeList,
    ) -> None:
        self.columns = columns
        self.options = options
        self.body = body

    def render(self, context: Context) -> SafeString:
        values: dict[str, Any] = {
            name: value.resolve(context) for name, value in self.options.items()
        }
        values["columns"] = [column.resolve(context) for column in self.columns]
        values["body"] = self.body.render(context)
        return render_to_string("includes/dsfr_table.html", values)


@register.tag
def dsfr_table(parser: Parser, token: Token) -> DsfrTableNode:
    name, *bits = token.split_contents()
    columns: list[FilterExpression] = []
    options: dict[str, FilterExpression] = {}
    for bit in bits:
        key, equals, value = bit.partition("=")
        if equals and key.isidentifier():
            if key not in OPTIONS:
                raise template.TemplateSyntaxError(f"{name}: unknown option {key!r}")
            options[key] = parser.compile_filter(value)
        elif options:
            raise template.TemplateSyntaxError(f"{name}: the columns come before the options")
        else:
            columns.append(parser.compile_filter(bit))
    if "caption" not in options:
        raise template.TemplateSyntaxError(f"{name}: a table needs a caption")
    body = parser.parse(("enddsfr_table",))
    parser.delete_first_token()
    return DsfrTableNode(columns, options, body)
