"""The portal's home: the organisations a clinician works for, their services and waiting
referrals. Server-rendered, works without JavaScript, never cached."""

from django.shortcuts import render
from django.views.decorators.http import require_safe

from accounts import roles
from accounts.decorators import portal_member_required
from directory.selectors import organizations_for_user


@portal_member_required
@require_safe
def dashboard(request):
    organizations = organizations_for_user(request.user).prefetch_related("services")
    managed = roles.managed_organization_ids_for(request.user)
    return render(
        request,
        "referrals/portal/dashboard.html",
        {
            "organizations": organizations,
            "managed": managed,
        },
    )
