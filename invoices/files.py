"""Checking and storing invoice files: limits from Chorus Pro, PDFs read with pypdf in a
sandboxed process, XML read by the safe parser, archives measured before anyone unpacks them.

Everything is checked before anything is written, so that a refused upload leaves nothing
behind; files are stored byte for byte through the storage API with their SHA-256.
"""

from __future__ import annotations

import hashlib
import logging
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import PurePath
from typing import IO, Protocol

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from invoices import pdf_sandbox
from invoices.models import ATTACHMENT_NAME_MAX_LENGTH

logger = logging.getLogger(__name__)

MAX_FILE_SIZE = 10 * 1024 * 1024  # each file strictly under 10 MB
MAX_TOTAL_SIZE = 120 * 1024 * 1024  # at most 120 MB per invoice
ALLOWED_EXTENSIONS = frozenset(
    {
        "pdf", "xml", "csv", "txt", "rtf",
        "odt", "ods", "odp", "doc", "docx", "xls", "xlsx", "ppt", "pptx",
        "jpg", "jpeg", "png", "gif", "bmp", "tif", "tiff",
        "zip", "gz",
    }
)  # fmt: skip
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "xml": "application/xml",
    "csv": "text/csv",
    "txt": "text/plain",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "zip": "application/zip",
}


class UploadedFileLike(Protocol):
    # Read only: Django's uploads and ContentFile say ``str | None`` and ``int``.
    @property
    def name(self) -> str | None: ...
    @property
    def size(self) -> int | None: ...

    def chunks(self, chunk_size: int | None = ...) -> Iterable[bytes]: ...
    def seek(self, offset: int, whence: int = ...) -> int: ...
    def read(self, size: int = ...) -> bytes: ...


class FileRefused(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class CheckedFile:
    """A file that passed the checks, ready to be stored."""

    upload: UploadedFileLike
    name: str
    size: int
    sha256: str
    content_type: str
    is_signed: bool = False


def extension_of(name: str) -> str:
    return PurePath(name).suffix.lower().lstrip(".")


def check_name(name: str) -> None:
    if len(name) > ATTACHMENT_NAME_MAX_LENGTH:
        raise FileRefused(
            _("Le nom du fichier dépasse %(max)s caractères.") % {"max": ATTACHMENT_NAME_MAX_LENGTH}
        )
    extension = extension_of(name)
    if not extension or not PurePath(name).stem:
        raise FileRefused(_("Le nom du fichier doit comporter une extension."))
    if extension not in ALLOWED_EXTENSIONS:
        raise FileRefused(_("Les fichiers « .%(ext)s » ne sont pas acceptés.") % {"ext": extension})


def check_size(size: int) -> None:
    if size == 0:
        raise FileRefused(_("Le fichier est vide."))
    if size >= MAX_FILE_SIZE:
        raise FileRefused(_("Le fichier doit faire moins de 10 Mo."))


def sha256_of(upload: UploadedFileLike) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
        size += len(chunk)
    upload.seek(0)
    return digest.hexdigest(), size


PDF_PROBLEMS = {
    "not_pdf": gettext_lazy("Le fichier n'est pas un PDF."),
    "truncated": gettext_lazy("Le PDF est illisible : il semble incomplet (fichier tronqué)."),
    "unreadable": gettext_lazy("Le PDF est illisible ou endommagé."),
    "encrypted": gettext_lazy("Le PDF est chiffré ou protégé par un mot de passe."),
    "no_pages": gettext_lazy("Le PDF ne contient aucune page."),
    "too_many_pages": gettext_lazy("Le PDF compte trop de pages (5 000 au plus)."),
    "active_content": gettext_lazy(
        "Le PDF contient du contenu actif (JavaScript, lancement de programme, formulaire "
        "dynamique) : enregistrez-le sans (par exemple avec « Imprimer en PDF ») et "
        "déposez-le à nouveau."
    ),
    "bomb": gettext_lazy(
        "Le PDF contient des données compressées démesurées (bombe de décompression) : "
        "il est refusé."
    ),
}
# too_many_objects, too_deep, timeout, crashed: a structure no invoice has.
PDF_TOO_COMPLEX = gettext_lazy(
    "Le PDF a une structure anormale ou trop complexe pour être analysé : il est refusé."
)


def read_all(upload: IO[bytes] | UploadedFileLike) -> bytes:
    upload.seek(0)
    content = upload.read()
    upload.seek(0)
    return content


def check_pdf(upload: IO[bytes] | UploadedFileLike) -> bool:
    """The upload is a sound, unencrypted PDF with pages and no active content; returns
    "is signed". Read in a sandboxed child process (invoices/pdf_sandbox.py)."""
    upload.seek(0)
    if upload.read(5) != b"%PDF-":
        upload.seek(0)
        raise FileRefused(str(PDF_PROBLEMS["not_pdf"]))
    inspection = pdf_sandbox.inspect_pdf(read_all(upload))
    if inspection.problem:
        raise FileRefused(str(PDF_PROBLEMS.get(inspection.problem, PDF_TOO_COMPLEX)))
    return inspection.signed


# --- other attachments that a reader would unpack or parse ---------------------------------------
MAX_UNPACKED = 200 * 1024 * 1024  # what a ZIP or gzip attachment may unpack to
MAX_ZIP_MEMBERS = 10_000
ARCHIVE_BOMB = gettext_lazy(
    "L'archive se décompresse en un volume démesuré (bombe de décompression) : elle est refusée."
)


def check_xml(upload: IO[bytes] | UploadedFileLike) -> None:
    """A well-formed XML document without DOCTYPE (no external entity, no entity bomb), read
    by the portal's safe parser (einvoice/reading.py)."""
    from einvoice.errors import InvoiceFileError
    from einvoice.reading import parse_xml

    try:
        parse_xml(read_all(upload))
    except InvoiceFileError as exc:
        raise FileRefused(exc.message) from None


def check_zip(upload: IO[bytes] | UploadedFileLike) -> None:
    """A ZIP whose directory announces a reasonable content (read without unpacking)."""
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise FileRefused(str(gettext_lazy("L'archive ZIP est illisible ou endommagée."))) from None
    finally:
        upload.seek(0)
    if len(members) > MAX_ZIP_MEMBERS or sum(m.file_size for m in members) > MAX_UNPACKED:
        raise FileRefused(str(ARCHIVE_BOMB))


def check_gzip(upload: IO[bytes] | UploadedFileLike) -> None:
    """A gzip file that unpacks to a reasonable size (its header cannot be trusted for that:
    it is counted, chunk by chunk, without keeping what is unpacked)."""
    inflater = zlib.decompressobj(wbits=47)  # gzip or zlib header
    total = 0
    try:
        data = read_all(upload)
        while data and total <= MAX_UNPACKED:
            total += len(inflater.decompress(data, 1024 * 1024))
            data = inflater.unconsumed_tail
    except zlib.error:
        message = gettext_lazy("Le fichier gzip est illisible ou endommagé.")
        raise FileRefused(str(message)) from None
    if total > MAX_UNPACKED:
        raise FileRefused(str(ARCHIVE_BOMB))


CONTENT_CHECKS = {"xml": check_xml, "zip": check_zip, "gz": check_gzip}


def check_file(
    upload: UploadedFileLike, *, must_be_pdf: bool = False, parsed: bool = False
) -> CheckedFile:
    """``parsed``: an XML file the portal's safe parser has just read whole (a structured
    file validated before it is kept), not parsed a second time."""
    name = PurePath(upload.name or "").name
    check_name(name)
    if must_be_pdf and extension_of(name) != "pdf":
        raise FileRefused(_("La facture doit être un fichier PDF."))
    sha256, size = sha256_of(upload)
    check_size(size)
    extension = extension_of(name)
    is_signed = check_pdf(upload) if extension == "pdf" else False
    if extension in CONTENT_CHECKS and not (parsed and extension == "xml"):
        CONTENT_CHECKS[extension](upload)
    return CheckedFile(
        upload=upload,
        name=name,
        size=size,
        sha256=sha256,
        content_type=CONTENT_TYPES.get(extension, "application/octet-stream"),
        is_signed=is_signed,
    )


def check_total(files: Iterable[CheckedFile], already_stored: int = 0) -> None:
    if already_stored + sum(f.size for f in files) > MAX_TOTAL_SIZE:
        raise FileRefused(_("Les pièces jointes d'une facture ne peuvent dépasser 120 Mo."))


def store(name: str, content: UploadedFileLike | bytes) -> str:
    """Write to the storage under ``name``; return the name the storage chose."""
    if isinstance(content, bytes):
        return default_storage.save(name, ContentFile(content))
    content.seek(0)
    # An upload, read as a File by the storage: the Protocol is narrower than File.
    return default_storage.save(name, content)  # type: ignore[arg-type]


def discard(names: Iterable[str]) -> None:
    """Remove files written by a write that then failed: nothing is left behind."""
    for name in names:
        try:
            default_storage.delete(name)
        except OSError:
            logger.exception("could not remove %s after a failed write", name)
