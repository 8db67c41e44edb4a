"""/staff/preview/: a draft as a visitor would see it (editors and administrators)."""

from django.urls import path

from . import views

urlpatterns = [
    path("<slug:kind>/<int:pk>/", views.preview, name="preview"),
]
