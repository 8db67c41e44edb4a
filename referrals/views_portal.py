"""The portal's home: the organisations a clinician works for, their services and waiting
referrals. Server-rendered, works without JavaScript, never cached."""

from django.shortcuts import render
from django.views.decorators.http import require_safe

from accounts import keys, roles
from accounts.decorators import portal_member_required
from directory.selectors import organizations_for_user

from . import selectors


@portal_member_required
@require_safe
def dashboard(request):
    organizations = list(organizations_for_user(request.user).order_by("name", "pk")
                         .prefetch_related("services"))
    counts = selectors.inbox_counts([organization.pk for organization in organizations])
    for organization in organizations:
        # What is new in its inbox, and how many of its services take new referrals now.
        organization.counts = counts[organization.pk]
        services = organization.services.all()
        organization.service_count = len(services)
        organization.taking_count = sum(service.takes_referrals_now for service in services)
        # Colleagues this member can give the organisation's key to, and whether it has one.
        organization.has_key = keys.organization_key_current(organization) is not None
        organization.waiting_for_access = [
            membership for membership in keys.grants_waiting(organization)
            if membership.user_id != request.user.pk
        ] if keys.holds_current_key(organization, request.user) else []
    return render(
        request,
        "referrals/portal/dashboard.html",
        {
            "organizations": organizations,
            "managed": roles.managed_organization_ids_for(request.user),
        },
    )
