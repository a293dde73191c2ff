from django.urls import path

from dashboards import views

app_name = "dashboards"

urlpatterns = [
    path("", views.index, name="index"),
    path("fournisseur/", views.supplier, name="supplier"),
    path("agent/", views.agent, name="agent"),
]
