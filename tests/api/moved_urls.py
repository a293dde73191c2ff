"""The portal's routes under another path, for tests/api/test_reversing.py only."""

from django.urls import include, path

urlpatterns = [path("ailleurs/", include("chorus.urls"))]
