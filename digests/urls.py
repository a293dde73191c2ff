from django.urls import path

from digests import views

app_name = "digests"

urlpatterns = [
    path("", views.preferences, name="preferences"),
]
