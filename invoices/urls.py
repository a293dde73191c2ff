from django.urls import path

from invoices.bulk import views as bulk_views
from invoices.views import (
    drafts,
    entry,
    files,
    received,
    registers,
    sent,
    upload,
    validate,
    validation,
)

app_name = "invoices"

urlpatterns = [
    path("", sent.sent_list, name="sent"),
    path("export.csv", sent.sent_export, name="sent_export"),
    path("saisie/", entry.create, name="create"),
    path("depot/", upload.upload, name="upload"),
    path("verifier/", validate.validate, name="validate"),
    path("destinataire/", entry.recipient_services, name="recipient_services"),
    path("<int:pk>/", sent.detail, name="detail"),
    path("<int:pk>/modifier/", entry.edit, name="edit"),
    path("<int:pk>/verifier-et-deposer/", upload.upload_review, name="upload_review"),
    path("<int:pk>/supprimer/", drafts.delete, name="delete"),
    path("<int:pk>/dupliquer/", drafts.duplicate, name="duplicate"),
    path("<int:pk>/recycler/", sent.recycle, name="recycle"),
    path("<int:pk>/completer/", sent.complete, name="complete"),
    path("<int:pk>/rejet-pris-en-compte/", sent.acknowledge, name="acknowledge"),
    path("<int:pk>/valideur/", sent.change_validator, name="change_validator"),
    path("a-valider/", validation.to_validate_list, name="to_validate"),
    path("a-valider/<int:pk>/", validation.to_validate_detail, name="to_validate_detail"),
    path("recues/", received.received_list, name="received"),
    path("recues/pieces.zip", received.received_zip, name="received_zip"),
    path("recues/export.csv", received.received_export, name="received_export"),
    path("recues/decisions/", bulk_views.bulk_list, name="bulk_decisions"),
    path("recues/decisions/<int:pk>/", bulk_views.detail, name="bulk_decision"),
    path("recues/decisions/<int:pk>/avancement/", bulk_views.progress, name="bulk_progress"),
    path("recues/<int:pk>/", received.received_detail, name="received_detail"),
    path("pieces/<int:pk>/", files.download, name="download"),
    path("pieces/<int:pk>/apercu/", files.preview, name="preview"),
    path("<int:pk>/ubl/", files.ubl, name="ubl"),
    path("engagements/", registers.register_index, name="registers"),
    path("engagements/<int:structure_pk>/", registers.register, name="register"),
    path(
        "engagements/<int:structure_pk>/<int:pk>/",
        registers.engagement_detail,
        name="register_engagement",
    ),
    path(
        "engagements/<int:structure_pk>/<int:pk>/etat/",
        registers.engagement_state,
        name="register_engagement_state",
    ),
    path(
        "engagements/<int:structure_pk>/chargements/<int:pk>/",
        registers.import_detail,
        name="register_import",
    ),
    path(
        "engagements/<int:structure_pk>/chargements/<int:pk>/avancement/",
        registers.import_progress,
        name="register_import_progress",
    ),
]
