"""A corpus of broken and malicious files, built byte by byte (nothing downloaded, nothing kept
in the repository): what an attacker or a broken tool would send as an invoice or an attachment.

``CORPUS`` maps a case name to ``Hostile(name, build, words)``: the uploaded file name, a function
that makes its bytes, and words the refusal must contain.
"""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from tests.invoices.factories import pdf_bytes

MB = 1024 * 1024


def make_pdf(objects: list[bytes], *, root: int = 1, trailer_extra: bytes = b"") -> bytes:
    """A PDF from its objects' bodies (object n is ``objects[n - 1]``), with a correct xref."""
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root %d 0 R %s>>\n" % (len(objects) + 1, root, trailer_extra))
    out.write(b"startxref\n%d\n%%%%EOF\n" % xref)
    return out.getvalue()


PAGES = b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"
PAGE = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"


def catalog(extra: bytes = b"") -> bytes:
    return b"<< /Type /Catalog /Pages 2 0 R " + extra + b" >>"


def with_open_action(action: bytes) -> bytes:
    return make_pdf([catalog(b"/OpenAction 4 0 R"), PAGES, PAGE, action])


def stream(data: bytes, extra: bytes = b"") -> bytes:
    return b"<< /Length %d %s>>\nstream\n" % (len(data), extra) + data + b"\nendstream"


@cache
def deflated_zeros(megabytes: int) -> bytes:
    """A valid zlib stream of ``megabytes`` MB of zeros, about a thousandth of that size, made
    in a blink: after a full flush the deflater's output for one more megabyte of zeros is
    always the same bytes, so they are repeated, then closed with the zeros' checksum."""
    packer = zlib.compressobj(9)
    chunk = bytes(MB)
    first = packer.compress(chunk) + packer.flush(zlib.Z_FULL_FLUSH)
    again = packer.compress(chunk) + packer.flush(zlib.Z_FULL_FLUSH)
    checksum = 1
    for _ in range(megabytes):
        checksum = zlib.adler32(chunk, checksum)
    final_empty_block = b"\x03\x00"
    return first + again * (megabytes - 1) + final_empty_block + checksum.to_bytes(4, "big")


def pdf_bomb() -> bytes:
    """A 200 KB PDF with a stream that inflates to 400 MB."""
    bomb = stream(deflated_zeros(400), b"/Filter /FlateDecode ")
    return make_pdf([catalog(), PAGES, PAGE.replace(b">>", b"/Contents 4 0 R >>"), bomb])


def nested_arrays(depth: int) -> bytes:
    return make_pdf([catalog(b"/Nested 4 0 R"), PAGES, PAGE, b"[" * depth + b"]" * depth])


def many_pages(count: int) -> bytes:
    kids = b" ".join(b"%d 0 R" % (3 + i) for i in range(count))
    pages = b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % count
    return make_pdf([catalog(), pages, *[PAGE] * count])


def field_loop() -> bytes:
    """An AcroForm whose field is its own child: naive readers walk it for ever."""
    form = b"<< /Fields [5 0 R] /SigFlags 0 >>"
    field = b"<< /T (a) /Kids [5 0 R] /Parent 5 0 R >>"
    return make_pdf([catalog(b"/AcroForm 4 0 R"), PAGES, PAGE, form, field])


def zeros_crc32(megabytes: int) -> int:
    crc = 0
    for _ in range(megabytes):
        crc = zlib.crc32(bytes(MB), crc)
    return crc


def zip_bomb() -> bytes:
    """A 250 KB ZIP with one member that unpacks to 250 MB (as its directory declares)."""
    data = deflated_zeros(250)[2:-4]  # raw deflate: without zlib's header and checksum
    name = b"zeros.bin"
    fields = struct.pack("<HHHHIII", 0, 8, 0, 0, zeros_crc32(250), len(data), 250 * MB)
    local = struct.pack("<IH", 0x04034B50, 20) + fields + struct.pack("<HH", len(name), 0)
    central = (
        struct.pack("<IHH", 0x02014B50, 20, 20)
        + fields
        + struct.pack("<HHHHHII", len(name), 0, 0, 0, 0, 0, 0)
        + name
    )
    body = local + name + data
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 1, 1, len(central), len(body), 0)
    return body + central + end


def gzip_bomb() -> bytes:
    """A gzip file of 250 MB of zeros: the zlib stream of them, in gzip's envelope."""
    deflated = deflated_zeros(250)
    raw_deflate = deflated[2:-4]  # without zlib's header and checksum
    header = b"\x1f\x8b\x08\x00" + bytes(4) + b"\x02\xff"
    trailer = zeros_crc32(250).to_bytes(4, "little") + ((250 * MB) % 2**32).to_bytes(4, "little")
    return header + raw_deflate + trailer


XXE = b"""<?xml version="1.0"?>
<!DOCTYPE invoice [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<invoice>&secret;</invoice>"""

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<lolz>&lol9;</lolz>"""


def huge_xml() -> bytes:
    """Over the 10 MB limit of a file."""
    row = b"<line><description>" + b"x" * 1000 + b"</description></line>\n"
    return b"<?xml version='1.0'?><invoice>" + row * (11 * 1024) + b"</invoice>"


def deep_xml() -> bytes:
    """Well under the size limit, but 100 000 elements deep."""
    return b"<?xml version='1.0'?>" + b"<a>" * 100_000 + b"</a>" * 100_000


@dataclass(frozen=True)
class Hostile:
    name: str
    build: Callable[[], bytes]
    words: str
    # "file" for the invoice itself, "attachment" for an additional document.
    role: str = "file"


JS = b"<< /Type /Action /S /JavaScript /JS (app.alert('facture');) >>"
CORPUS: dict[str, Hostile] = {
    "truncated": Hostile("facture.pdf", lambda: pdf_bytes(pages=3)[:-300], "incomplet"),
    "garbage-after-header": Hostile(
        "facture.pdf", lambda: b"%PDF-1.7\n" + b"\x00" * 4000, "illisible"
    ),
    "encrypted": Hostile("facture.pdf", lambda: pdf_bytes(password="secret"), "chiffré"),
    "no-page": Hostile(
        "facture.pdf",
        lambda: make_pdf([catalog(), b"<< /Type /Pages /Kids [] /Count 0 >>"]),
        "aucune page",
    ),
    "too-many-pages": Hostile("facture.pdf", lambda: many_pages(5001), "trop de pages"),
    "decompression-bomb": Hostile("facture.pdf", pdf_bomb, "bombe de décompression"),
    "deeply-nested": Hostile("facture.pdf", lambda: nested_arrays(100_000), "structure anormale"),
    "nested-just-too-deep": Hostile(
        "facture.pdf", lambda: nested_arrays(150), "structure anormale"
    ),
    "field-loop": Hostile("facture.pdf", field_loop, "illisible"),
    "javascript": Hostile("facture.pdf", lambda: with_open_action(JS), "contenu actif"),
    "javascript-name-escaped": Hostile(
        "facture.pdf",
        lambda: with_open_action(JS.replace(b"/S /JavaScript", b"/S /J#61vaScript")),
        "contenu actif",
    ),
    "javascript-in-names": Hostile(
        "facture.pdf",
        lambda: make_pdf(
            [
                catalog(b"/Names << /JavaScript 4 0 R >>"),
                PAGES,
                PAGE,
                b"<< /Names [(a) 5 0 R] >>",
                JS,
            ]
        ),
        "contenu actif",
    ),
    "launch": Hostile(
        "facture.pdf",
        lambda: with_open_action(b"<< /S /Launch /F (C:\\\\Windows\\\\System32\\\\cmd.exe) >>"),
        "contenu actif",
    ),
    "javascript-in-object-stream": Hostile(
        "facture.pdf", lambda: object_stream_pdf(), "contenu actif"
    ),
    "html-named-pdf": Hostile(
        "facture.pdf",
        lambda: b"<!DOCTYPE html><html><script>alert(1)</script></html>",
        "pas un PDF",
    ),
    "zip-named-pdf": Hostile("facture.pdf", lambda: b"PK\x03\x04" + bytes(200), "pas un PDF"),
    "html-behind-a-pdf-header": Hostile(
        "facture.pdf", lambda: b"%PDF-1.4\n<html><script>alert(1)</script></html>", "illisible"
    ),
    "xml-external-entity": Hostile("annexe.xml", lambda: XXE, "DOCTYPE", "attachment"),
    "billion-laughs": Hostile("annexe.xml", lambda: BILLION_LAUGHS, "DOCTYPE", "attachment"),
    "huge-xml": Hostile("annexe.xml", huge_xml, "10 Mo", "attachment"),
    "deep-xml": Hostile("annexe.xml", deep_xml, "mal formé", "attachment"),
    "broken-xml": Hostile(
        "annexe.xml", lambda: b"<invoice><unclosed></invoice>", "mal formé", "attachment"
    ),
    "zip-bomb": Hostile("annexes.zip", zip_bomb, "bombe de décompression", "attachment"),
    "gzip-bomb": Hostile("annexe.gz", gzip_bomb, "bombe de décompression", "attachment"),
    "broken-zip": Hostile("annexes.zip", lambda: b"PK\x03\x04 not really", "ZIP", "attachment"),
}


def object_stream_pdf() -> bytes:
    """The JavaScript action hidden, compressed, in an object stream (PDF 1.5), which only a
    cross-reference stream can point to."""
    hidden = b"5 0 " + JS
    objstm = zlib.compress(hidden)
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n")
    offsets = {}
    bodies = {
        1: catalog(b"/OpenAction 5 0 R"),
        2: PAGES,
        3: PAGE,
        4: stream(objstm, b"/Type /ObjStm /N 1 /First 4 /Filter /FlateDecode "),
    }
    for number, body in bodies.items():
        offsets[number] = out.tell()
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    offsets[6] = out.tell()
    rows = [b"\x00" + bytes(4) + b"\xff\xff"]
    rows += [b"\x01" + offsets[n].to_bytes(4, "big") + bytes(2) for n in (1, 2, 3, 4)]
    rows.append(b"\x02" + (4).to_bytes(4, "big") + (0).to_bytes(2, "big"))  # object 5, in 4
    rows.append(b"\x01" + offsets[6].to_bytes(4, "big") + bytes(2))
    xref = stream(b"".join(rows), b"/Type /XRef /Size 7 /W [1 4 2] /Root 1 0 R ")
    out.write(b"6 0 obj\n" + xref + b"\nendobj\n")
    out.write(b"startxref\n%d\n%%%%EOF\n" % offsets[6])
    return out.getvalue()
