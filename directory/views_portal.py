"""The portal's directory pages: a clinician keeps their services current, a manager their
clinicians. Server-rendered, works without JavaScript, never cached."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.db import transaction
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from accounts import keys, roles
from accounts.decorators import portal_member_required
from accounts.keystore import keystore_private
from accounts.models import Membership
from accounts.services import audit_record, membership_add, membership_remove

from . import selectors, services
from .forms import (
    ClinicianAddForm,
    OrganizationTextsForm,
    ServiceStatusForm,
    ServiceTextsForm,
)


@portal_member_required
@require_safe
def services_list(request, pk):
    """An organisation's services, each with what a visitor sees of it now and a way to
    change it."""
    organization = selectors.organization_get_for_user(request.user, pk)
    return render(request, "directory/portal/services.html", {
        "organization": organization,
        "services": organization.services.order_by("name", "pk"),
        "managed": roles.may_manage_organization(request.user, organization.pk),
    })


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
        texts = ServiceTextsForm(request.POST, service=service)
        if form.is_valid() and texts.is_valid():
            changes = {name: form.cleaned_data[name] for name in form.Meta.fields}
            changes["referral_channels"] = form.referral_channels()
            with transaction.atomic():
                services.service_update(actor=request.user, service=service, **changes)
                services.service_texts_update(actor=request.user, service=service,
                                              texts=texts.texts())
            messages.success(request, _("Saved. The directory shows the change now."))
            return redirect("portal:services", pk=service.organization_id)
        status = 400
    else:
        form = ServiceStatusForm(instance=service)
        texts = ServiceTextsForm(service=service)
        status = 200
    return render(
        request,
        "directory/portal/service_edit.html",
        {"service": service, "form": form, "texts": texts},
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
            "key": keys.organization_key_current(organization),
            "granted": keys.granted_user_ids(organization),
            "waiting": {m.pk for m in keys.grants_waiting(organization)},
            "form": form,
        },
        status=400 if form.errors else 200,
    )


@portal_member_required
@require_http_methods(["GET", "HEAD", "POST"])
def organization_texts(request, pk):
    """A manager writes the organisation's name and description in each language."""
    organization = selectors.organization_get_for_manager(request.user, pk)
    texts = OrganizationTextsForm(request.POST or None, organization=organization)
    if request.method == "POST" and texts.is_valid():
        services.organization_texts_update(actor=request.user, organization=organization,
                                           texts=texts.texts())
        messages.success(request, _("Saved. The directory shows the change now."))
        return redirect("portal:members", pk=organization.pk)
    return render(request, "directory/portal/organization_texts.html",
                  {"organization": organization, "texts": texts},
                  status=400 if texts.errors else 200)


@portal_member_required
def organization_key_create(request, pk):
    """A manager makes the organisation's key pair: the page answering the POST shows its
    recovery key, once. Until then the organisation's services take no referral. With
    `rotate`, a new key for new referrals (older ones keep theirs); colleagues are given it
    again from the members page."""
    organization = selectors.organization_get_for_manager(request.user, pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    rotate = request.POST.get("rotate") == "1"
    if keys.organization_key_current(organization) is not None and not rotate:
        messages.info(request, _("This organisation has its key already."))
        return redirect("portal:members", pk=organization.pk)
    try:
        keystore_private(request)  # proves this session holds the manager's own key
        _key, recovery = keys.organization_key_create(organization=organization,
                                                      member=request.user)
    except keys.KeyRefused:
        messages.error(request, _("Your key is not open in this sign-in. Sign out, then sign "
                                  "in again with your password."))
        return redirect("portal:members", pk=organization.pk)
    audit_record(actor=request.user, action="organization.key", organization=organization,
                 target=organization, detail={"rotation": rotate})
    return render(request, "directory/portal/organization_key.html",
                  {"organization": organization, "recovery_key": recovery})


@portal_member_required
def grant(request, pk, membership_pk):
    """A member who holds the organisation's key gives it to a colleague who has signed in
    once (so has a key of their own)."""
    organization = selectors.organization_get_for_user(request.user, pk)
    membership = get_object_or_404(Membership, pk=membership_pk, organization=organization)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        if keys.organization_key_current(organization) is None:
            raise keys.KeyRefused("no-key")
        keys.grants_pass_on(organization=organization, granted_by=request.user,
                            private=keystore_private(request), member=membership.user)
    except keys.KeyRefused as refused:
        messages.error(request, GRANT_REFUSED.get(refused.reason, GRANT_REFUSED["locked"]))
    else:
        audit_record(actor=request.user, action="organization.grant", organization=organization,
                     target=membership.user)
        messages.success(request, _("%(name)s can now read this organisation's referrals.")
                         % {"name": membership.user.username})
    if request.POST.get("back") == "dashboard":
        return redirect("portal:dashboard")
    return redirect("portal:members", pk=organization.pk)


GRANT_REFUSED = {
    "no-key": _("This organisation has no key yet: its manager makes it on the staff page."),
    "no-grant": _("You cannot give access: you have not been given this organisation's key "
                  "yourself."),
    "not-a-member": _("This person does not work for this organisation."),
    "inactive": _("This account is deactivated."),
    "locked": _("Your key is not open in this sign-in. Sign out, then sign in again with your "
                "password."),
}


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
