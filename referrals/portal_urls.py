from django.urls import path

from . import portal

app_name = "portal"

urlpatterns = [
    path("", portal.dashboard, name="dashboard"),
    path("services/<uuid:pk>/", portal.service_edit, name="service_edit"),
    path("organisations/<uuid:pk>/members/", portal.members, name="members"),
    path(
        "organisations/<uuid:pk>/members/<int:membership_pk>/remove/",
        portal.member_remove,
        name="member_remove",
    ),
]
