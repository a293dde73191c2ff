"""Upload check: a 10 MB PDF (a scanned invoice: five pages of images) checked and stored.

Three child processes, each with its own peak memory: the baseline (hash the file and write it
to the storage: the least any upload costs), the check and store of the upload service
(``check_upload`` then ``files.store``: name, size, SHA-256, pypdf's reading, the write), and
the whole PDF deposit (``invoice_upload_pdf``: the same, plus the database and the deposit
certificate). The upload is a file on disk, as Django hands over an upload above 2.5 MB.

    python -m bench.upload baseline|check|deposit PATH     (child: prints one JSON line)
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from bench.common import (
    VAR,
    Row,
    current_peak_rss_mib,
    current_rss_mib,
    peak_rss_mib,
    reset_peak_rss,
    run_child,
    setup_django,
)

SIZE = 10_000_000  # 10 MB: the largest file Chorus Pro accepts is "under 10 MB" (10 MiB here)
PAGES = 5


def scanned_pdf(size: int = SIZE, pages: int = PAGES) -> bytes:
    """A PDF of ``pages`` pages, each drawing one large JPEG-like image (random bytes: they
    do not compress, like a real scan), about ``size`` bytes in all."""
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject, NumberObject

    writer = PdfWriter()
    image_bytes = (size - 20_000) // pages
    random = os.urandom(image_bytes)
    for n in range(pages):
        page = writer.add_blank_page(width=595, height=842)
        image = DecodedStreamObject()
        image.set_data(random[n:] + random[:n])
        image.update(
            {
                NameObject("/Type"): NameObject("/XObject"),
                NameObject("/Subtype"): NameObject("/Image"),
                NameObject("/Width"): NumberObject(2480),
                NameObject("/Height"): NumberObject(3508),
                NameObject("/ColorSpace"): NameObject("/DeviceRGB"),
                NameObject("/BitsPerComponent"): NumberObject(8),
                NameObject("/Filter"): NameObject("/DCTDecode"),
            }
        )
        resources = DictionaryObject(
            {
                NameObject("/XObject"): DictionaryObject(
                    {NameObject("/Im0"): writer._add_object(image)}
                )
            }
        )
        page[NameObject("/Resources")] = resources
        contents = DecodedStreamObject()
        contents.set_data(b"q 595 0 0 842 0 0 cm /Im0 Do Q")
        page[NameObject("/Contents")] = writer._add_object(contents)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _upload(path: Path) -> Any:
    from django.core.files.uploadedfile import UploadedFile

    return UploadedFile(
        file=path.open("rb"),
        name="facture-scannee.pdf",
        content_type="application/pdf",
        size=path.stat().st_size,
    )


def _child(command: str, path: Path) -> dict[str, float]:
    from django.core.files import File
    from django.core.files.storage import default_storage

    from invoices import files
    from invoices.services import check_upload

    if command == "deposit":
        from invoices.pdf import html_to_pdf

        html_to_pdf("<p>warm</p>")  # a server renders warm: fonts and imports are loaded
    before = current_rss_mib()
    reset_peak_rss()
    started = time.perf_counter()
    if command == "baseline":
        digest = hashlib.sha256()
        with path.open("rb") as stream:
            while chunk := stream.read(1 << 16):
                digest.update(chunk)
            stream.seek(0)
            default_storage.save("bench/baseline.pdf", File(stream))
    elif command == "check":
        checked = check_upload(_upload(path), field="main_file", must_be_pdf=True).checked
        files.store("bench/checked.pdf", checked.upload)
    else:
        _deposit(path)
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "peak_rss_mib": current_peak_rss_mib(),
        "rss_before_mib": before,
        "process_peak_rss_mib": peak_rss_mib(),
    }


def _deposit(path: Path) -> None:
    from datetime import date
    from decimal import Decimal

    from bench import data
    from invoices.models import DepositMode
    from invoices.services import InvoiceInput, invoice_upload_pdf

    supplier = data.suppliers(1, prefix=f"upload{os.getpid()}")[0]
    invoice_upload_pdf(
        user=supplier.user,
        supplier=supplier.structure,
        data=InvoiceInput(
            number=f"SCAN-{os.getpid()}",
            issue_date=date.today(),
            recipient_siret=data.STATE_SIRET,
            service_code=data.SERVICE_CODE,
            iban=data.IBAN,
            total_excl_tax=Decimal("1000.00"),
            total_vat=Decimal("200.00"),
            total_incl_tax=Decimal("1200.00"),
        ),
        main_file=_upload(path),
        deposit_mode=DepositMode.DEPOT_PDF_API,
    )


def run(*, quick: bool) -> list[Row]:
    path = VAR / "run" / "scan-10mb.pdf"
    path.write_bytes(scanned_pdf())
    try:
        results = {
            c: run_child("bench.upload", c, str(path)) for c in ("baseline", "check", "deposit")
        }
    finally:
        path.unlink(missing_ok=True)
    base = results["baseline"]
    rows = []
    for command, case in (("check", "check and store"), ("deposit", "whole PDF deposit")):
        got = results[command]
        rows.append(
            Row(
                bench="upload",
                case=f"10 MB PDF, {case}",
                metric="ms",
                value=got["seconds"] * 1000,
                baseline_name="hash + store",
                baseline=base["seconds"] * 1000,
                extra={"size_bytes": SIZE, **{k: v for k, v in got.items() if k != "seconds"}},
            )
        )
        rows.append(
            Row(
                bench="upload",
                case=f"10 MB PDF, {case}",
                metric="MiB peak memory (process)",
                value=got["peak_rss_mib"],
                baseline_name="hash + store",
                baseline=base["peak_rss_mib"],
                extra={"added_mib": got["peak_rss_mib"] - got["rss_before_mib"]},
            )
        )
    return rows


def main() -> None:
    setup_django()
    print(json.dumps(_child(sys.argv[1], Path(sys.argv[2]))))


if __name__ == "__main__":
    main()
