"""Checking and storing invoice files: limits from Chorus Pro, PDFs read with pypdf.

Everything is checked before anything is written, so that a refused upload leaves nothing
behind; files are stored byte for byte through the storage API with their SHA-256.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import PurePath
from typing import IO, Protocol

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.translation import gettext as _
from pypdf import PdfReader
from pypdf.errors import PyPdfError

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
    name: str | None
    size: int | None

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


def pdf_is_signed(reader: PdfReader) -> bool:
    """A signed PDF declares it in its AcroForm (/SigFlags) or has a signature field."""
    form = reader.trailer["/Root"].get("/AcroForm")
    if form is None:
        return False
    form = form.get_object()
    if int(form.get("/SigFlags", 0)) & 1:
        return True
    fields = reader.get_fields() or {}
    return any(field.get("/FT") == "/Sig" for field in fields.values())


def check_pdf(upload: IO[bytes] | UploadedFileLike) -> bool:
    """The upload is a readable, unencrypted PDF with at least one page; returns "is signed"."""
    upload.seek(0)
    if not upload.read(5) == b"%PDF-":
        raise FileRefused(_("Le fichier n'est pas un PDF."))
    upload.seek(0)
    try:
        reader = PdfReader(upload)  # type: ignore[arg-type]
        if reader.is_encrypted:
            raise FileRefused(_("Le PDF est chiffré ou protégé par un mot de passe."))
        if len(reader.pages) == 0:
            raise FileRefused(_("Le PDF ne contient aucune page."))
        return pdf_is_signed(reader)
    except FileRefused:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError) as exc:
        # pypdf signals damage through several exception types; any of them means "unreadable".
        logger.info("unreadable PDF refused: %s", exc)
        raise FileRefused(_("Le PDF est illisible ou endommagé.")) from None
    finally:
        upload.seek(0)


def check_file(upload: UploadedFileLike, *, must_be_pdf: bool = False) -> CheckedFile:
    name = PurePath(upload.name or "").name
    check_name(name)
    if must_be_pdf and extension_of(name) != "pdf":
        raise FileRefused(_("La facture doit être un fichier PDF."))
    sha256, size = sha256_of(upload)
    check_size(size)
    extension = extension_of(name)
    is_signed = check_pdf(upload) if extension == "pdf" else False
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
    return default_storage.save(name, content)  # type: ignore[arg-type]


def discard(names: Iterable[str]) -> None:
    """Remove files written by a write that then failed: nothing is left behind."""
    for name in names:
        try:
            default_storage.delete(name)
        except OSError:
            logger.exception("could not remove %s after a failed write", name)
