"""The staff dashboard, under /staff/stats/ (sign-in and second factor apply)."""

from django.urls import path

from . import views

app_name = "stats"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("export.csv", views.export, name="export"),
]
