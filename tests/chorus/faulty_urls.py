"""The portal's routes plus two that fail on purpose, for the error-page tests only (selected
with ``pytest.mark.urls``; nothing the portal serves routes here)."""

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import path

from chorus.urls import handler400, handler403, handler404, handler500, urlpatterns

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]


def forbidden(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied


def broken(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a bug")


urlpatterns = [path("test/interdit/", forbidden), path("test/panne/", broken), *urlpatterns]
