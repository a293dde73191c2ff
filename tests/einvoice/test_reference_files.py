"""Every public reference file is read (number, total) and judged as the official artefacts do.

The expectations come from the README beside the files (tests/data/standards/README.md).
"Disputed" files, which the CEN EN 16931 rules accept and the Factur-X rules refuse, are
refused by the portal: it applies the official rules of each syntax (Factur-X for CII, CEN
for UBL), and names the Factur-X rule that refuses them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest

from einvoice.parse import parse_file
from einvoice.validation import validate_file

from .samples import STANDARDS_DIR

README = STANDARDS_DIR / "README.md"


@dataclass(frozen=True)
class Expected:
    path: Path
    profile: str
    number: str
    grand_total: Decimal
    verdict: str

    @property
    def valid(self) -> bool:
        return self.verdict == "valid"

    @property
    def refusing_rules(self) -> set[str]:
        """The rules named after FAIL; ``noid:true()`` is a Factur-X "not used" report."""
        match = re.search(r"FAIL (\S+)", self.verdict)
        if not match:
            return set()
        rules = match[1]
        while rules.endswith(")") and rules.count(")") > rules.count("("):
            rules = rules[:-1]  # the closing parenthesis around "(FAIL …)"
        return {"FX-UNUSED" if rule == "noid:true()" else rule for rule in rules.split(",")}


def _expectations() -> list[Expected]:
    rows = []
    for line in README.read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 5 and (STANDARDS_DIR / cells[0]).is_file():
            rows.append(
                Expected(STANDARDS_DIR / cells[0], cells[1], cells[2], Decimal(cells[3]), cells[4])
            )
    return rows


EXPECTED = _expectations()


def test_the_readme_lists_every_reference_file():
    listed = {expected.path.name for expected in EXPECTED}
    on_disk = {
        path.name for path in STANDARDS_DIR.glob("*/*") if path.suffix.lower() in (".xml", ".pdf")
    }
    assert listed == on_disk
    assert len(EXPECTED) >= 60


@pytest.mark.parametrize("expected", EXPECTED, ids=lambda e: e.path.name)
def test_reference_file_is_read_and_judged_as_the_official_artefacts_do(expected):
    report = validate_file(expected.path.read_bytes(), expected.path.name)
    assert report.number == expected.number
    assert report.total_incl_tax == expected.grand_total
    assert report.valid is expected.valid, [f.to_dict() for f in report.errors]
    if expected.valid:
        return
    named = report.rule_ids() | {f.restates for f in report.errors if f.restates}
    if expected.verdict.startswith("refused"):
        assert named == {"CHORUS-PROFILE"}  # a ZUGFeRD 1 guideline: no Factur-X artefact
    else:
        assert expected.refusing_rules <= named
    assert all(f.explanation or f.rule_id.startswith("CII-SR") for f in report.errors)


@pytest.mark.parametrize("expected", EXPECTED, ids=lambda e: e.path.name)
def test_reference_file_maps_to_an_invoice(expected):
    data = parse_file(expected.path.read_bytes(), expected.path.name)
    assert data.number == expected.number
    assert data.totals is not None
    assert data.totals.grand_total == expected.grand_total


@pytest.mark.parametrize("expected", EXPECTED, ids=lambda e: e.path.name)
def test_reference_file_profile_is_detected(expected):
    report = validate_file(expected.path.read_bytes(), expected.path.name)
    if expected.profile == "comfort":
        assert report.profile is None
    elif expected.path.name.startswith("XRECHNUNG_"):
        assert report.profile == "XRECHNUNG"
    else:
        assert report.profile == "EN16931"
    assert report.format == {".pdf": "FACTURX"}.get(
        expected.path.suffix.lower(), "UBL" if "cen-ubl" in str(expected.path) else "CII"
    )


def test_cen_example_is_mapped_with_its_parties_lines_and_vat():
    data = parse_file((STANDARDS_DIR / "cen-cii" / "CII_example1.xml").read_bytes())
    assert data.seller.name and data.buyer.name
    assert len(data.lines) > 1
    assert sum(line.net_amount for line in data.lines) == data.totals.line_total
    assert sum(entry.tax_amount for entry in data.vat_breakdown) == data.totals.tax_total
    assert data.currency == "EUR"
