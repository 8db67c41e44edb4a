"""/api/hsds/: the read-only HSDS 3.0 API (outside the language prefixes: it is data)."""

from django.urls import path

from . import views_api

app_name = "hsds"

urlpatterns = [
    path("", views_api.root, name="root"),
    path("services", views_api.service_list, name="services"),
    path("services/<str:pk>", views_api.service_detail, name="service"),
    path("organizations", views_api.organization_list, name="organizations"),
    path("organizations/<str:pk>", views_api.organization_detail, name="organization"),
]
