"""The rules a file must follow to be joined to a ticket (Chorus Pro's, docs/architecture.md)."""

from __future__ import annotations

from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from chorus.env import support_settings

ALLOWED_EXTENSIONS = (
    "pdf", "xml", "csv", "txt", "odt", "ods", "doc", "docx", "xls", "xlsx",
    "jpg", "jpeg", "png", "tif", "tiff", "zip", "gz",
)  # fmt: skip
NAME_MAX_LENGTH = 50


def validate_attachment(upload: UploadedFile) -> None:
    name = PurePath(upload.name or "").name
    extension = PurePath(name).suffix.lower().lstrip(".")
    if not name or not extension:
        raise ValidationError(_("Le nom du fichier doit comporter une extension."))
    if len(name) > NAME_MAX_LENGTH:
        raise ValidationError(
            _("Le nom du fichier dépasse %(max)d caractères.") % {"max": NAME_MAX_LENGTH}
        )
    if extension not in ALLOWED_EXTENSIONS:
        raise ValidationError(
            _("Type de fichier refusé. Types acceptés : %(types)s.")
            % {"types": ", ".join(ALLOWED_EXTENSIONS)}
        )
    if not upload.size:
        raise ValidationError(_("Le fichier est vide."))
    limit = support_settings()["ATTACHMENT_MAX_BYTES"]
    if upload.size > limit:
        raise ValidationError(
            _("Le fichier dépasse la taille maximale de %(max)s.") % {"max": filesizeformat(limit)}
        )
