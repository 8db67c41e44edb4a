"""The portal's directory pages, put into the `portal` namespace by referrals/urls_portal.py."""

from django.urls import path

from . import views_portal

urlpatterns = [
    path("organisations/<uuid:pk>/services/", views_portal.services_list, name="services"),
    path("services/<uuid:pk>/", views_portal.service_edit, name="service_edit"),
    path("organisations/<uuid:pk>/members/", views_portal.members, name="members"),
    path(
        "organisations/<uuid:pk>/members/<int:membership_pk>/remove/",
        views_portal.member_remove,
        name="member_remove",
    ),
    path("organisations/<uuid:pk>/words/", views_portal.organization_texts,
         name="organization_texts"),
    path("organisations/<uuid:pk>/key/", views_portal.organization_key_create,
         name="organization_key"),
    path("organisations/<uuid:pk>/members/<int:membership_pk>/grant/", views_portal.grant,
         name="grant"),
]
