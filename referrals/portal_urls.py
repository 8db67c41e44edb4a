from django.urls import path

from . import inbox, portal

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

# The clinician inbox (referrals/inbox.py).
urlpatterns += [
    path("organisations/<uuid:pk>/referrals/", inbox.inbox, name="inbox"),
    path("referrals/<uuid:pk>/", inbox.referral_detail, name="referral"),
    path("referrals/<uuid:pk>/reply/", inbox.referral_reply, name="referral_reply"),
    path("referrals/<uuid:pk>/state/", inbox.referral_state, name="referral_state"),
]
