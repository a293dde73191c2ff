"""Typed failures of reading a file, each with the HTTP status the API answers with.

A file that is read but breaks rules is not an error: it gives a ``ValidationReport`` with
``valid=False``. These exceptions are for input that cannot be judged at all. Their message is
French, addressed to the person who sent the file.
"""

from __future__ import annotations


class InvoiceFileError(Exception):
    """Base class: the file cannot be judged."""

    http_status = 400
    code = "fichier_illisible"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UnreadableFile(InvoiceFileError):
    """Broken PDF or XML, or an XML that is not an invoice (HTTP 400)."""


class NoInvoiceInPdf(UnreadableFile):
    """A readable PDF that carries no Factur-X / ZUGFeRD invoice XML (HTTP 400)."""

    code = "pdf_sans_facture"


class UnsupportedFileType(InvoiceFileError):
    """Neither PDF nor XML (HTTP 415)."""

    http_status = 415
    code = "type_non_supporte"


class FileTooLarge(InvoiceFileError):
    """Over the size limit, or an embedded XML over it (HTTP 413)."""

    http_status = 413
    code = "fichier_trop_volumineux"
