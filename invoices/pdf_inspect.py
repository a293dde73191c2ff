"""Inspect one untrusted PDF, in a process of its own: ``python -I pdf_inspect.py < file.pdf``.

Run by ``invoices.pdf_sandbox`` under resource limits (memory, CPU time, no file written) and a
wall-clock timeout, so that a hostile file can at worst kill this process, never the web
server or the worker. It imports nothing of the portal (only the standard library and pypdf),
and answers one line of JSON on standard output::

    {"ok": true, "pages": 3, "signed": false}
    {"ok": false, "problem": "encrypted"}

Problems: ``not_pdf``, ``truncated``, ``unreadable``, ``encrypted``, ``no_pages``,
``too_many_pages``, ``too_many_objects``, ``too_deep``, ``active_content`` (JavaScript, launch
or import actions, rich media, XFA forms), ``bomb`` (streams that inflate beyond the limit).
"""

from __future__ import annotations

import io
import json
import resource
import sys
import zlib
from collections.abc import Iterator
from typing import Any

from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, StreamObject

MAX_PAGES = 5000
MAX_OBJECTS = 200_000
MAX_DEPTH = 100
# What all compressed streams together may inflate to, and one of them alone.
MAX_INFLATED_TOTAL = 300 * 1024 * 1024
MAX_INFLATED_STREAM = 150 * 1024 * 1024
CHUNK = 1024 * 1024

# Names that make a PDF run something: scripts, programs, remote data, embedded players, forms
# that carry scripts. An invoice needs none of them.
ACTIVE_KEYS = {"/JS", "/JavaScript", "/Launch", "/RichMedia", "/XFA"}
ACTIVE_ACTIONS = {"/JavaScript", "/Launch", "/ImportData", "/Rendition", "/GoToE"}


class Refused(Exception):
    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem


def children(value: Any) -> Iterator[Any]:
    if isinstance(value, DictionaryObject):
        yield from value.values()
    elif isinstance(value, ArrayObject):
        yield from value


def is_active(dictionary: DictionaryObject) -> bool:
    return bool(ACTIVE_KEYS.intersection(dictionary.keys())) or (
        dictionary.get("/S") in ACTIVE_ACTIONS
    )


def check_object(value: Any) -> None:
    """Active content in one object, looked at without following references (each indirect
    object is visited on its own), iteratively: a deeply nested array cannot overflow."""
    stack = [(value, 0)]
    while stack:
        current, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise Refused("too_deep")
        if isinstance(current, DictionaryObject) and is_active(current):
            raise Refused("active_content")
        stack.extend(
            (child, depth + 1)
            for child in children(current)
            if not isinstance(child, IndirectObject)
        )


def inflated_size(raw: bytes, budget: int) -> int:
    """How many bytes a Flate stream inflates to, counted chunk by chunk, stopping past
    ``budget``: a bomb is measured without ever being held in memory."""
    inflater = zlib.decompressobj()
    total = 0
    data = raw
    while data and total <= budget:
        total += len(inflater.decompress(data, CHUNK))
        data = inflater.unconsumed_tail
    return total


def check_stream(value: Any, inflated_so_far: int) -> int:
    if not isinstance(value, StreamObject):
        return 0
    filters = value.get("/Filter")
    names = list(filters) if isinstance(filters, list) else [filters]
    if "/FlateDecode" not in names or names[0] != "/FlateDecode":
        return 0
    raw = getattr(value, "_data", b"") or b""
    budget = min(MAX_INFLATED_STREAM, MAX_INFLATED_TOTAL - inflated_so_far)
    size = inflated_size(raw, budget)
    if size > budget:
        raise Refused("bomb")
    return size


def all_objects(reader: PdfReader) -> Iterator[Any]:
    numbers = {
        (number, generation) for generation, table in reader.xref.items() for number in table
    }
    numbers |= {(number, 0) for number in reader.xref_objStm}
    if len(numbers) > MAX_OBJECTS:
        raise Refused("too_many_objects")
    for number, generation in sorted(numbers):
        yield reader.get_object(IndirectObject(number, generation, reader))


def is_signed(reader: PdfReader) -> bool:
    """A signed PDF declares it in its AcroForm (/SigFlags) or has a signature field."""
    form = reader.root_object.get("/AcroForm")
    if form is None:
        return False
    form = form.get_object()
    if int(form.get("/SigFlags", 0)) & 1:
        return True
    fields = reader.get_fields() or {}
    return any(field.get("/FT") == "/Sig" for field in fields.values())


def inspect(content: bytes) -> dict[str, Any]:
    if not content.startswith(b"%PDF-"):
        raise Refused("not_pdf")
    if b"%%EOF" not in content[-1024:]:
        raise Refused("truncated")
    reader = PdfReader(io.BytesIO(content))
    if reader.is_encrypted:
        raise Refused("encrypted")
    pages = len(reader.pages)
    if pages == 0:
        raise Refused("no_pages")
    if pages > MAX_PAGES:
        raise Refused("too_many_pages")
    check_object(reader.trailer)
    inflated = 0
    for value in all_objects(reader):
        check_object(value)
        inflated += check_stream(value, inflated)
    return {"ok": True, "pages": pages, "signed": is_signed(reader)}


def limit_myself(memory_mb: int, cpu_seconds: int) -> None:
    """Before reading a byte of the file: past these, the kernel stops this process."""
    memory = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))  # writes no file (stdout is a pipe)


def answer_for(content: bytes) -> dict[str, Any]:
    """The verdict on ``content``, whatever it holds: never an exception."""
    try:
        return inspect(content)
    except Refused as refused:
        return {"ok": False, "problem": refused.problem}
    except MemoryError:
        return {"ok": False, "problem": "bomb"}
    except RecursionError:
        return {"ok": False, "problem": "too_deep"}
    except Exception as exc:  # pypdf signals damage through many exception types
        return {"ok": False, "problem": "unreadable", "detail": exc.__class__.__name__}


def main() -> None:
    memory_mb, cpu_seconds = (int(arg) for arg in sys.argv[1:3])
    limit_myself(memory_mb, cpu_seconds)
    sys.setrecursionlimit(2000)
    sys.stdout.write(json.dumps(answer_for(sys.stdin.buffer.read())) + "\n")


if __name__ == "__main__":
    main()
