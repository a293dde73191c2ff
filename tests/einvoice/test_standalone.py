"""The standards library stands on its own: importing and using it loads no Django, so that it
can be read, tested and reused apart from the portal."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

CODE = """
import importlib, pkgutil, sys
import einvoice
for module in pkgutil.iter_modules(einvoice.__path__):
    importlib.import_module(f"einvoice.{module.name}")
from einvoice.data import InvoiceData
from einvoice.facturx import build_cii
from einvoice.parse import parse_file
assert InvoiceData.__module__ == "einvoice.data"
loaded = sorted(name for name in sys.modules if name == "django" or name.startswith("django."))
print(len(list(pkgutil.iter_modules(einvoice.__path__))), loaded)
"""


def test_importing_every_module_of_einvoice_loads_no_django():
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    result = subprocess.run(
        [sys.executable, "-c", CODE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    modules, loaded = result.stdout.strip().split(" ", 1)
    assert int(modules) >= 10  # every module was imported, not an empty package
    assert loaded == "[]"


def test_no_module_of_einvoice_names_django_or_the_portal_s_apps():
    apps = ("django", "rest_framework", "invoices", "structures", "accounts", "flux", "chorus")
    for path in (ROOT / "einvoice").glob("*.py"):
        for line in path.read_text().splitlines():
            words = line.split()
            if words[:1] in (["import"], ["from"]) and len(words) > 1:
                assert words[1].split(".")[0] not in apps, f"{path.name}: {line.strip()}"
