"""/staff/portal/: the clinician portal. Its home and the inbox are here; the directory's
pages (service editing, members) come from directory/urls_portal.py, by string, into the
same `portal` namespace."""

from django.urls import include, path

from . import views_inbox, views_portal

app_name = "portal"

urlpatterns = [
    path("", views_portal.dashboard, name="dashboard"),
    path("", include("directory.urls_portal")),
    path("organisations/<uuid:pk>/referrals/", views_inbox.inbox, name="inbox"),
    path("referrals/<uuid:pk>/", views_inbox.referral_detail, name="referral"),
    path("referrals/<uuid:pk>/reply/", views_inbox.referral_reply, name="referral_reply"),
    path("referrals/<uuid:pk>/state/", views_inbox.referral_state, name="referral_state"),
    path("referrals/<uuid:pk>/release/", views_inbox.referral_release, name="referral_release"),
]
