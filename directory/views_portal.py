"""The portal's directory pages: a clinician keeps their services current, a manager their
clinicians. Server-rendered, works without JavaScript, never cached."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.db import transaction
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.decorators import portal_member_required
from accounts.models import Membership
from accounts.services import membership_add, membership_remove

from . import selectors, services
from .forms import ClinicianAddForm, ServiceStatusForm


@portal_member_required
@require_http_methods(["GET", "HEAD", "POST"])
def service_edit(request, pk):
    service = selectors.service_get_for_user(request.user, pk)
    if request.method == "POST":
        # The form writes cleaned values into its instance; give it a copy so that the service
        # keeps its old values for the audited comparison.
        form = ServiceStatusForm(
            request.POST, instance=selectors.service_get_for_user(request.user, pk)
        )
        if form.is_valid():
            changes = {name: form.cleaned_data[name] for name in form.Meta.fields}
            services.service_update(actor=request.user, service=service, **changes)
            messages.success(request, _("Saved. The directory shows the change now."))
            return redirect("portal:dashboard")
        status = 400
    else:
        form = ServiceStatusForm(instance=service)
        status = 200
    return render(
        request,
        "directory/portal/service_edit.html",
        {"service": service, "form": form},
        status=status,
    )


@portal_member_required
@require_http_methods(["GET", "HEAD", "POST"])
def members(request, pk):
    organization = selectors.organization_get_for_manager(request.user, pk)
    form = ClinicianAddForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            user = get_user_model().objects.create_user(
                username=form.cleaned_data["username"],
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password"],
                is_staff=True,
            )
            membership_add(
                actor=request.user,
                organization=organization,
                user=user,
                role=form.cleaned_data["role"],
            )
        messages.success(
            request, _("Account created. They set up their second factor at first sign-in.")
        )
        return redirect("portal:members", pk=organization.pk)
    return render(
        request,
        "directory/portal/members.html",
        {
            "organization": organization,
            "memberships": organization.memberships.select_related("user").order_by(
                "user__username"
            ),
            "form": form,
        },
        status=400 if form.errors else 200,
    )


@portal_member_required
def member_remove(request, pk, membership_pk):
    organization = selectors.organization_get_for_manager(request.user, pk)
    membership = get_object_or_404(Membership, pk=membership_pk, organization=organization)
    if request.method != "POST":  # after the lookups: someone else's stays a 404
        return HttpResponseNotAllowed(["POST"])
    if membership.user == request.user:
        messages.error(request, _("You cannot remove yourself."))
    else:
        membership_remove(actor=request.user, membership=membership)
        messages.success(request, _("Removed from the organisation."))
    return redirect("portal:members", pk=organization.pk)
