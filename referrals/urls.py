from django.urls import path

from . import views, visitor

urlpatterns = [
    path("find-help/", views.directory, name="find_help"),
    path("find-help/<uuid:pk>/", views.service_detail, name="service_detail"),
    path("find-help/<uuid:pk>/refer/", visitor.refer, name="refer"),
    path("mailbox/", visitor.mailbox, name="mailbox"),
]
