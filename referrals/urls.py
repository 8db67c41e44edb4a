"""The visitor's referral form and mailbox (inside the language prefix)."""

from django.urls import path

from . import views_visitor

urlpatterns = [
    path("find-help/<uuid:pk>/refer/", views_visitor.refer, name="refer"),
    path("mailbox/", views_visitor.mailbox, name="mailbox"),
    path("mailbox/codename/", views_visitor.codename, name="codename"),
]
