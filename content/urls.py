from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("for/<slug:slug>/", views.audience, name="audience"),
    path("urgent-help/", views.urgent, name="urgent"),
    path("about/", views.about, name="about"),
    path("privacy/", views.privacy, name="privacy"),
]
