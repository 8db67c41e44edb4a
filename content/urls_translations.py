"""/staff/translations/: the translation status report (editors and administrators)."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.translations, name="translation_status"),
]
