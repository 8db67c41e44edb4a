"""/api/hsds/: the read-only HSDS 3.0 API (outside the language prefixes: it is data)."""

from django.urls import path

from . import api

app_name = "hsds"

urlpatterns = [
    path("", api.root, name="root"),
    path("services", api.service_list, name="services"),
    path("services/<str:pk>", api.service_detail, name="service"),
    path("organizations", api.organization_list, name="organizations"),
    path("organizations/<str:pk>", api.organization_detail, name="organization"),
]
