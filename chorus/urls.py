from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView

from chorus import views
from chorus.api import docs as api_docs
from chorus.api import views as api_views
from support.views.help import accessibility

# The portal's own error pages (the API keeps its JSON shape): chorus/errors.py.
handler400 = "chorus.errors.bad_request"
handler403 = "chorus.errors.permission_denied"
handler404 = "chorus.errors.page_not_found"
handler500 = "chorus.errors.server_error"

urlpatterns = [
    path("", views.home, name="home"),
    path("sante/", views.health, name="health"),
    path("i18n/setlang/", views.set_language, name="set_language"),
    path("compte/", include("accounts.urls")),
    path("structures/", include("structures.urls")),
    path("factures/", include("invoices.urls")),
    path("flux/", include("flux.urls")),
    path("notifications/", include("digests.urls")),
    path("sollicitations/", include("support.urls")),
    path("tableau-de-bord/", include("dashboards.urls")),
    path("aide/", include("support.help_urls")),
    path("accessibilite/", accessibility, name="accessibility"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("chorus.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", api_docs.docs, name="api-docs"),
    path("api/docs/swagger/", api_docs.SwaggerView.as_view(), name="api-swagger"),
    # Last of the API: any other path under /api/ is the API's JSON 404 (also keeps Django
    # from redirecting a POST without its final slash, which would lose the body).
    re_path(r"^api/", api_views.not_found),
]

if settings.DEBUG:
    urlpatterns += [
        path("dev/courriels/", views.dev_mailbox, name="dev-mailbox"),
        path("dev/courriels/<str:name>", views.dev_mail, name="dev-mail"),
    ]
