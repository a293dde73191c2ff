from types import SimpleNamespace

from django.conf import settings
from django.http import HttpRequest


def portal(request: HttpRequest) -> dict[str, object]:
    """What every page needs; ``SITE_CONFIG`` is the name django-dsfr's templates read.

    Settings only, never the database: the error pages use it too (chorus/errors.py)."""
    return {
        "SITE_CONFIG": SimpleNamespace(
            site_title=settings.CHORUS["SITE_TITLE"],
            site_tagline=settings.CHORUS["SITE_TAGLINE"],
        ),
        "DEBUG": settings.DEBUG,
    }
