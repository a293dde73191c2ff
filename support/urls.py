from django.urls import path

from support.views import contact, principal, received, tickets

app_name = "support"

urlpatterns = [
    path("", tickets.ticket_list, name="list"),
    path("nouvelle/", tickets.ticket_create, name="create"),
    path("recues/", received.received_list, name="received"),
    path("<int:pk>/", tickets.ticket_detail, name="detail"),
    path("<int:pk>/modifier/", tickets.ticket_edit, name="edit"),
    path("<int:pk>/supprimer/", tickets.ticket_delete, name="delete"),
    path("pieces-jointes/<int:attachment_id>/", tickets.attachment_download, name="attachment"),
    path(
        "gestionnaire-principal/<int:structure_id>/",
        principal.principal_help,
        name="principal_help",
    ),
    path("nous-contacter/", contact.contact, name="contact"),
    path("nous-contacter/envoyee/", contact.contact_done, name="contact-done"),
    path("suivi/<str:token>/", contact.follow, name="follow"),
    path(
        "suivi/<str:token>/pieces-jointes/<int:attachment_id>/",
        contact.follow_attachment,
        name="follow-attachment",
    ),
]
