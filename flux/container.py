"""What a flux file holds: its kind, its entries (one invoice each), and each entry's bytes.

Read without trusting the file: a ZIP's directory is checked before anything is unpacked
(count, names, announced sizes and compression ratios), and each entry is then unpacked with a
bound on what it may yield, whatever its header said. A JSON flux is an array of invoices in
the API's own schema; an XML flux is one invoice (neither CII nor UBL carries several).

``FluxRefused`` refuses the whole flux, with a French message; a bad entry in a good container
is the entry's own problem (``EntryRefused``), judged with the other invoices.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import IO, Any

from django.conf import settings
from django.utils.translation import gettext as _

from flux.models import Flux

ZIP_MAGIC = b"PK\x03\x04"
EMPTY_ZIP_MAGIC = b"PK\x05\x06"
INVOICE_EXTENSIONS = (".xml", ".pdf")
ARCHIVE_EXTENSIONS = (".zip", ".gz", ".tgz", ".tar", ".7z", ".rar", ".bz2", ".xz")
# The leading bytes a JSON array or an XML document may start with (BOM, blanks).
_LEADING = b"\xef\xbb\xbf \t\r\n"


class FluxRefused(Exception):
    """The flux as a whole cannot be integrated; ``message`` says why, in French."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class EntryRefused(Exception):
    """One entry of the flux cannot be judged as an invoice."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Entry:
    position: int  # 1 for the first invoice of the flux
    name: str  # the ZIP entry's name, or "[0]" for a JSON array's first element


def kind_of(head: bytes) -> str | None:
    """The flux's kind from its first bytes; None for anything else."""
    if head.startswith((ZIP_MAGIC, EMPTY_ZIP_MAGIC)):
        return Flux.Kind.ZIP
    stripped = head.lstrip(_LEADING)
    if stripped.startswith(b"["):
        return Flux.Kind.JSON
    if stripped.startswith(b"<"):
        return Flux.Kind.XML
    return None


def _too_many() -> FluxRefused:
    return FluxRefused(
        _("Le flux compte plus de %(max)s factures : découpez-le en plusieurs flux.")
        % {"max": settings.FLUX_MAX_INVOICES}
    )


def _unsafe_name(name: str) -> bool:
    path = PurePosixPath(name.replace("\\", "/"))
    return (
        name.startswith(("/", "\\"))
        or (len(name) > 1 and name[1] == ":")
        or ".." in path.parts  # not a path: a hostile name refused
        or "\x00" in name
    )


def _check_zip_directory(members: list[zipfile.ZipInfo]) -> list[zipfile.ZipInfo]:
    files = [m for m in members if not m.is_dir()]
    if len(files) > settings.FLUX_MAX_INVOICES:
        raise _too_many()
    if not files:
        raise FluxRefused(_("L'archive ZIP ne contient aucun fichier."))
    for member in files:
        if _unsafe_name(member.filename):
            raise FluxRefused(
                _("Le nom « %(name)s » de l'archive sort du dossier de l'archive : refusé.")
                % {"name": member.filename[:100]}
            )
        if member.flag_bits & 0x1:
            raise FluxRefused(_("L'archive contient des fichiers chiffrés : refusée."))
        if member.file_size > settings.FLUX_MAX_RATIO * max(member.compress_size, 1) and (
            member.file_size > 1024 * 1024
        ):
            raise FluxRefused(_bomb())
    if sum(m.file_size for m in files) > settings.FLUX_MAX_UNPACKED_BYTES:
        raise FluxRefused(_bomb())
    return files


def _bomb() -> str:
    return _(
        "L'archive se décompresse en un volume démesuré (bombe de décompression) : elle est "
        "refusée."
    )


class Container:
    """An open flux file: its entries, and the bytes of each."""

    def __init__(self, flux: Flux, handle: IO[bytes]) -> None:
        self.flux = flux
        self.handle = handle
        self._zip: zipfile.ZipFile | None = None
        self._members: list[zipfile.ZipInfo] = []
        self._json: list[Any] = []

    def entries(self) -> list[Entry]:
        """Every invoice the flux holds, in order; raises ``FluxRefused``."""
        if self.flux.kind == Flux.Kind.ZIP:
            return self._zip_entries()
        if self.flux.kind == Flux.Kind.JSON:
            return [Entry(i + 1, f"[{i}]") for i in range(len(self._load_json()))]
        return [Entry(1, self.flux.original_name)]

    def _zip_entries(self) -> list[Entry]:
        try:
            self._zip = zipfile.ZipFile(self.handle)
            self._members = _check_zip_directory(self._zip.infolist())
        except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError):
            raise FluxRefused(_("L'archive ZIP est illisible ou endommagée.")) from None
        return [Entry(i + 1, m.filename) for i, m in enumerate(self._members)]

    def _load_json(self) -> list[Any]:
        if self._json:
            return self._json
        self.handle.seek(0)
        try:
            data = json.loads(self.handle.read())
        except (ValueError, RecursionError):
            raise FluxRefused(
                _("Le flux JSON est illisible : ce n'est pas un document JSON valide.")
            ) from None
        if not isinstance(data, list) or not data:
            raise FluxRefused(_("Le flux JSON doit être un tableau non vide de factures."))
        if len(data) > settings.FLUX_MAX_INVOICES:
            raise _too_many()
        self._json = data
        return data

    def json_item(self, position: int) -> Any:
        return self._load_json()[position - 1]

    def file_item(self, position: int) -> tuple[str, bytes]:
        """The entry's file name (without folders) and bytes; raises ``EntryRefused``."""
        if self.flux.kind == Flux.Kind.XML:
            self.handle.seek(0)
            return self.flux.original_name, self.handle.read()
        if self._zip is None:
            self.entries()
        member = self._members[position - 1]
        name = PurePosixPath(member.filename.replace("\\", "/")).name
        lowered = name.lower()
        if lowered.endswith(ARCHIVE_EXTENSIONS):
            raise EntryRefused(
                _("Une archive dans l'archive n'est pas acceptée : déposez ses factures.")
            )
        if not lowered.endswith(INVOICE_EXTENSIONS):
            raise EntryRefused(
                _("Seuls les fichiers PDF (Factur-X) et XML (CII, UBL) sont acceptés dans un flux.")
            )
        content = self._read_bounded(member)
        if content.startswith((ZIP_MAGIC, EMPTY_ZIP_MAGIC)):
            raise EntryRefused(
                _("Une archive dans l'archive n'est pas acceptée : déposez ses factures.")
            )
        return name, content

    def _read_bounded(self, member: zipfile.ZipInfo) -> bytes:
        # The header's sizes are not trusted: at most one byte past the limit is unpacked.
        limit = settings.INVOICE_FILE_MAX_BYTES
        assert self._zip is not None
        try:
            with self._zip.open(member) as stream:
                content = stream.read(limit + 1)
        except (zipfile.BadZipFile, NotImplementedError, ValueError, OSError, EOFError):
            raise EntryRefused(_("Ce fichier de l'archive est illisible ou endommagé.")) from None
        if len(content) > limit:
            raise EntryRefused(
                _("Le fichier dépasse la taille maximale de %(size)s Mo.")
                % {"size": limit // 2**20}
            )
        return content


@contextmanager
def opened(flux: Flux) -> Iterator[Container]:
    with flux.file.open("rb") as handle:
        yield Container(flux, handle)
