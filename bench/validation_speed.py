"""How long does judging one invoice file take, cold and warm?

    .venv/bin/python bench/validation_speed.py [--runs 50]

Validates a typical EN 16931 invoice (a portal-made CII, the same as UBL and as a Factur-X PDF,
and the CEN example CII_example1.xml of tests/data/standards) once cold — the Saxon
processor is created and the stylesheets compiled in that first call — then ``--runs`` times
warm, and prints the median and 95th percentile, with and without the French reform rules.
The target (issue 6) is under 200 ms warm.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chorus.settings")
    import django

    django.setup()
    # factur-x logs every extraction at INFO; the portal's LOGGING should quiet it the same way.
    logging.getLogger("factur-x").setLevel(logging.WARNING)


def _milliseconds(call: Callable[[], object]) -> tuple[float, float]:
    """Wall-clock and CPU time of one call; CPU time shows the cost on a busy machine."""
    wall, cpu = time.perf_counter(), time.process_time()
    call()
    return (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000


def _samples() -> dict[str, tuple[bytes, str]]:
    from einvoice.facturx import build_cii, build_ubl
    from invoices.invoice_pdf import render_facturx_pdf
    from tests.einvoice.samples import STANDARDS_DIR, invoice

    data = invoice()
    samples = {
        "portal CII (EN 16931)": (build_cii(data), "facture.xml"),
        "portal UBL 2.1": (build_ubl(data), "facture.xml"),
        "portal Factur-X PDF": (render_facturx_pdf(data), "facture.pdf"),
    }
    cen = STANDARDS_DIR / "cen-cii" / "CII_example1.xml"
    samples["CEN CII_example1.xml"] = (cen.read_bytes(), cen.name)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    runs = parser.parse_args().runs
    _setup_django()
    from einvoice.validation import validate_file

    samples = _samples()
    print(
        f"{'file':26} {'rules':9} {'cold ms':>8} {'median ms':>10} {'p95 ms':>8} "
        f"{'cpu ms':>7}  verdict"
    )
    for name, (content, filename) in samples.items():
        for french_rules in (False, True):

            def judge(
                content: bytes = content, filename: str = filename, french: bool = french_rules
            ) -> object:
                return validate_file(content, filename, french_rules=french)

            cold, _ = _milliseconds(judge)
            timings = [_milliseconds(judge) for _ in range(runs)]
            warm = sorted(wall for wall, _ in timings)
            cpu = statistics.median(cpu for _, cpu in timings)
            p95 = warm[max(0, int(len(warm) * 0.95) - 1)]
            verdict = "valid" if validate_file(content, filename).valid else "INVALID"
            rules = "+BR-FR" if french_rules else "EN16931"
            print(
                f"{name:26} {rules:9} {cold:8.0f} {statistics.median(warm):10.1f} "
                f"{p95:8.1f} {cpu:7.1f}  {verdict}"
            )


if __name__ == "__main__":
    main()
