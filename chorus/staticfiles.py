"""Static files in production: hashed names for cache-busting, the design system left whole.

django-dsfr's templates load the design system's stylesheets and scripts with an ``integrity``
attribute: the SHA-384 of the files as the DSFR publishes them (``dsfr.checksums``). Django's
manifest storage rewrites the ``url()`` references inside every stylesheet (and the source-map
comments of scripts) to their hashed names, which changes those bytes: the browser would then
refuse the stylesheet and the portal would be served unstyled. So the files under
``INTACT_PREFIXES`` keep their exact bytes — their own names are still hashed, from those very
bytes — while the portal's own files keep having their references rewritten.

An intact stylesheet refers to its fonts and icons by their original names, which whitenoise
serves too (``WHITENOISE_KEEP_ONLY_HASHED_FILES`` must stay off), with a short cache lifetime.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from whitenoise.storage import CompressedManifestStaticFilesStorage

# Published with a checksum that a template checks: served byte for byte.
INTACT_PREFIXES = ("dsfr/dist/",)


def _unchanged(match: re.Match[str]) -> str:
    return match["matched"]


# whitenoise ships no type information: its storage class is Any to mypy.
class IntegrityPreservingStorage(CompressedManifestStaticFilesStorage):  # type: ignore[misc]
    """whitenoise's compressed manifest storage, which leaves ``INTACT_PREFIXES`` unchanged."""

    def url_converter(
        self, name: str, hashed_files: dict[str, str], template: str | None = None
    ) -> Callable[[re.Match[str]], str]:
        # Django hashes a rewritten file's name from its rewritten content: with every reference
        # kept as it was, the content, and so the name, are those of the original.
        if self.clean_name(name).startswith(INTACT_PREFIXES):
            return _unchanged
        converter: Callable[[re.Match[str]], str] = super().url_converter(
            name, hashed_files, template
        )
        return converter
