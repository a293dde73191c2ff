"""Fill English translations into the .po catalogues from a JSON mapping {french: english}.

    python tools/po_fill.py mapping.json          # fills every catalogue, reports what is missing

A plural entry takes a list: {"%(n)s facture": ["%(n)s invoice", "%(n)s invoices"]}. An entry
gettext marked fuzzy (a guess from a similar string) counts as missing until the mapping
gives it.

Used after `make messages`; the catalogues stay the source of truth, this only saves typing.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parents[1]


def catalogues() -> list[Path]:
    return [p for p in ROOT.glob("**/locale/en/LC_MESSAGES/django.po") if ".venv" not in p.parts]


def fill(entry: polib.POEntry, translation: str | list[str]) -> None:
    if entry.msgid_plural:
        if isinstance(translation, list):
            entry.msgstr_plural = dict(enumerate(translation))
        else:
            return  # a plural entry needs its two forms
    else:
        entry.msgstr = translation if isinstance(translation, str) else translation[0]
    if "fuzzy" in entry.flags:
        entry.flags.remove("fuzzy")
    entry.previous_msgid = entry.previous_msgid_plural = None


def translated(entry: polib.POEntry) -> bool:
    if entry.msgid_plural:
        return bool(entry.msgstr_plural) and all(entry.msgstr_plural.values())
    return bool(entry.msgstr)


def main(argv: list[str]) -> int:
    mapping = json.loads(Path(argv[1]).read_text()) if len(argv) > 1 else {}
    missing = 0
    for path in catalogues():
        po = polib.pofile(str(path))
        for entry in po:
            if entry.msgid in mapping:
                fill(entry, mapping[entry.msgid])
            if "fuzzy" in entry.flags or not translated(entry):
                missing += 1
                print(f"{path.relative_to(ROOT)}: {entry.msgid!r}")
        po.save()
        po.save_as_mofile(str(path.with_suffix(".mo")))
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
