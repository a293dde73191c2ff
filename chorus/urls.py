from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from chorus import views
from support.views.help import accessibility

urlpatterns = [
    path("", views.home, name="home"),
    path("sante/", views.health, name="health"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("compte/", include("accounts.urls")),
    path("structures/", include("structures.urls")),
    path("factures/", include("invoices.urls")),
    path("sollicitations/", include("support.urls")),
    path("aide/", include("support.help_urls")),
    path("accessibilite/", accessibility, name="accessibility"),
    path("admin/", admin.site.urls),
]

if settings.DEBUG:
    urlpatterns += [
        path("dev/courriels/", views.dev_mailbox, name="dev-mailbox"),
        path("dev/courriels/<str:name>", views.dev_mail, name="dev-mail"),
    ]
