"""Fill English translations into the .po catalogues from a JSON mapping {french: english}.

    python tools/po_fill.py mapping.json          # fills every catalogue, reports what is missing

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


def main(argv: list[str]) -> int:
    mapping = json.loads(Path(argv[1]).read_text()) if len(argv) > 1 else {}
    missing = 0
    for path in catalogues():
        po = polib.pofile(str(path))
        for entry in po:
            if entry.msgid in mapping and not entry.msgid_plural:
                entry.msgstr = mapping[entry.msgid]
                if "fuzzy" in entry.flags:
                    entry.flags.remove("fuzzy")
            if not entry.msgstr and not any(entry.msgstr_plural.values()):
                missing += 1
                print(f"{path.relative_to(ROOT)}: {entry.msgid!r}")
        po.save()
        po.save_as_mofile(str(path.with_suffix(".mo")))
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
