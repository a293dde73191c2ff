"""English is complete: every catalogue is fully translated and its compiled file is current."""

from __future__ import annotations

from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parents[2]
CATALOGUES = sorted(
    p for p in ROOT.glob("**/locale/en/LC_MESSAGES/django.po") if ".venv" not in p.parts
)


@pytest.mark.parametrize("po_path", CATALOGUES, ids=lambda p: str(p.relative_to(ROOT)))
def test_the_english_catalogue_is_complete_and_compiled(po_path):
    po = polib.pofile(str(po_path))
    untranslated = [e.msgid for e in po.untranslated_entries()]
    assert not untranslated, f"untranslated: {untranslated[:10]}"
    assert not po.fuzzy_entries(), "fuzzy entries need a review"
    mo = polib.mofile(str(po_path.with_suffix(".mo")))
    compiled = {(e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural for e in mo}
    for entry in po.translated_entries():
        assert compiled.get((entry.msgctxt, entry.msgid)) == (
            entry.msgstr or entry.msgstr_plural
        ), f"{entry.msgid!r} is not compiled: run `make messages`"


@pytest.mark.parametrize("po_path", CATALOGUES, ids=lambda p: str(p.relative_to(ROOT)))
def test_english_has_no_space_before_a_colon(po_path):
    """French puts a space before ':', ';', '?', '!'; English does not ("Rejected: …")."""
    import re

    french_typography = re.compile(r"\w[\s\u00a0\u202f]+[:;?!](\s|$)")
    wrong = [
        entry.msgstr
        for entry in polib.pofile(str(po_path)).translated_entries()
        if french_typography.search(entry.msgstr)
    ]
    assert not wrong, wrong
