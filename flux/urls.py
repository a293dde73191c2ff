from django.urls import path

from flux import views

app_name = "flux"

urlpatterns = [
    path("", views.flux_list, name="list"),
    path("deposer/", views.upload, name="upload"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/rejets.csv", views.rejects_csv, name="rejects"),
]
