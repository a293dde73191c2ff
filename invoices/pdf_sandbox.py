"""Untrusted PDFs are read in a child process with limits, never in the web server or worker.

Why a process: pypdf is pure Python and has limits of its own (75 MB per decoded stream), but a
hostile file can still make it loop for minutes or allocate gigabytes, and neither can be
interrupted from inside a thread of the web server. The child (``invoices/pdf_inspect.py``)
imports only pypdf, caps its own address space and CPU time before reading the file, and is
killed if it has not answered within ``INVOICE_PDF_CHECK_TIMEOUT`` seconds. A crash, a kill or a
timeout refuses the file; nothing the file does can reach the parent.

The cost is one Python start-up per PDF received (about 0.15 s of CPU), paid at deposit only.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

logger = logging.getLogger(__name__)

SCRIPT = Path(__file__).with_name("pdf_inspect.py")


@dataclass(frozen=True)
class PdfInspection:
    """What the child said: ``problem`` is empty for an acceptable PDF."""

    problem: str = ""
    pages: int = 0
    signed: bool = False


def inspect_pdf(content: bytes) -> PdfInspection:
    command = [
        sys.executable,
        "-I",  # isolated: no environment variables, no user site, no current directory
        str(SCRIPT),
        str(settings.INVOICE_PDF_CHECK_MEMORY_MB),
        str(settings.INVOICE_PDF_CHECK_CPU_SECONDS),
    ]
    try:
        completed = subprocess.run(  # noqa: S603 - our own script, the file goes to stdin
            command,
            input=content,
            capture_output=True,
            timeout=settings.INVOICE_PDF_CHECK_TIMEOUT,
            env={},
            check=False,
        )
    except subprocess.TimeoutExpired:
        logger.warning("PDF inspection timed out after %ss", settings.INVOICE_PDF_CHECK_TIMEOUT)
        return PdfInspection(problem="timeout")
    return _answer(completed)


def _answer(completed: subprocess.CompletedProcess[bytes]) -> PdfInspection:
    try:
        answer = json.loads(completed.stdout.decode().strip().splitlines()[-1])
    except (ValueError, IndexError):
        # Killed by the kernel (memory, CPU) or crashed: the file is not one to keep.
        logger.warning(
            "PDF inspection ended with status %s and no answer: %s",
            completed.returncode,
            completed.stderr[-500:].decode(errors="replace"),
        )
        return PdfInspection(problem="crashed")
    if not answer.get("ok"):
        logger.info("PDF refused: %s", answer)
        return PdfInspection(problem=str(answer.get("problem") or "unreadable"))
    return PdfInspection(pages=int(answer["pages"]), signed=bool(answer["signed"]))
