"""The public find-help pages (inside the language prefix)."""

from django.urls import path

from . import views

urlpatterns = [
    path("find-help/", views.directory, name="find_help"),
    path("find-help/<uuid:pk>/", views.service_detail, name="service_detail"),
]
