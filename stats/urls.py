"""Public statistics pages (inside the language prefix)."""

from django.urls import path

from . import views

urlpatterns = [
    path("open-data/", views.open_data, name="open_data"),
    path("did-it-help/", views.helped, name="helped"),
]
