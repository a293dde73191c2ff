from django.urls import path

from structures import views, views_profile

app_name = "structures"

urlpatterns = [
    path("", views.structure_list, name="list"),
    path("creer/", views.structure_create, name="create"),
    path("rechercher/", views.structure_search, name="search"),
    path("<int:pk>/", views.structure_detail, name="detail"),
    path("<int:pk>/rattachement/", views.structure_join, name="join"),
    path("<int:pk>/demandes/", views.requests_decide, name="decide"),
    path("<int:pk>/membres/detacher/", views.member_detach, name="detach"),
    path("<int:pk>/membres/transmettre/", views.principal_transfer, name="transfer"),
    path("<int:pk>/membres/droits/", views.member_rights, name="rights"),
    path("<int:pk>/membres/secondaire/", views.member_secondary, name="secondary"),
    path("<int:pk>/profil/", views_profile.profile, name="profile"),
    path("<int:pk>/profil/comptes/", views_profile.account_add, name="account_add"),
    path("<int:pk>/profil/comptes/action/", views_profile.account_action, name="account_action"),
    path(
        "<int:pk>/membres/<int:membership_pk>/services/",
        views.member_services,
        name="member_services",
    ),
    path("<int:pk>/mandat/", views.mandate, name="mandate"),
    path("<int:pk>/mandat/revoquer/", views.mandate_revoke, name="mandate_revoke"),
]
