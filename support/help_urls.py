"""The help pages under /aide/: ``help:index`` and one stable name per page (support/help.py)."""

from django.urls import path

from support.help import PAGES
from support.views import help as views

app_name = "help"

urlpatterns = [
    path("", views.help_index, name="index"),
    path("<slug:slug>/guide.pdf", views.help_guide, name="guide"),
    *(
        path(f"{page.slug}/", views.help_page, {"page": page.name}, name=page.name)
        for page in PAGES.values()
    ),
]
