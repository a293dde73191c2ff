from django.urls import path

from invoices.views import entry, files, received, sent, upload, validate, validation

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
    path("<int:pk>/recycler/", sent.recycle, name="recycle"),
    path("<int:pk>/completer/", sent.complete, name="complete"),
    path("<int:pk>/rejet-pris-en-compte/", sent.acknowledge, name="acknowledge"),
    path("<int:pk>/valideur/", sent.change_validator, name="change_validator"),
    path("a-valider/", validation.to_validate_list, name="to_validate"),
    path("a-valider/<int:pk>/", validation.to_validate_detail, name="to_validate_detail"),
    path("recues/", received.received_list, name="received"),
    path("recues/<int:pk>/", received.received_detail, name="received_detail"),
    path("pieces/<int:pk>/", files.download, name="download"),
    path("pieces/<int:pk>/apercu/", files.preview, name="preview"),
    path("<int:pk>/ubl/", files.ubl, name="ubl"),
]
