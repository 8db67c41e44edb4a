"""Deliveries in the admin: administrators see and retry them, never a referral's words."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts import roles

from .models import HeldReferral, Outbox
from .services import outbox_retry, referrals_release

# Referrals and mailbox messages are deliberately not registered: their words are for the
# clinicians of the service's organisation, in the portal, where each reading is audited. Held
# referrals are, by their service and day only.


@admin.register(Outbox)
class OutboxAdmin(admin.ModelAdmin):
    """Deliveries of referrals to providers, for administrators to spot and retry failures.
    Read-only: identifiers, channel and state, never a referral's words."""

    list_display = ("id", "organization", "channel", "state", "attempts", "next_attempt_at",
                    "delivered_at", "last_error")
    list_filter = ("state", "channel")
    list_select_related = ("referral__service__organization",)
    ordering = ("-next_attempt_at",)
    fields = ("id", "organization", "service", "channel", "state", "attempts",
              "next_attempt_at", "delivered_at", "last_error")
    readonly_fields = fields
    actions = ["try_again"]

    @admin.display(description=_("organisation"))
    def organization(self, obj):
        return obj.referral.service.organization

    @admin.display(description=_("service"))
    def service(self, obj):
        return obj.referral.service

    @admin.action(description=_("Try again"), permissions=["retry"])
    def try_again(self, request, queryset):
        count = outbox_retry(actor=request.user, deliveries=queryset)
        if count:
            self.message_user(
                request,
                ngettext("%(count)d failed delivery queued again.",
                         "%(count)d failed deliveries queued again.", count) % {"count": count},
                messages.SUCCESS,
            )
        else:
            self.message_user(request, _("None of those deliveries had failed."), messages.WARNING)

    def has_retry_permission(self, request):
        return self.has_view_permission(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return roles.may_view_deliveries(request.user)


@admin.register(HeldReferral)
class HeldReferralAdmin(admin.ModelAdmin):
    """Referrals held during a flood (referrals/limits.py), for administrators to release to
    their services once the flood is understood. Service, organisation and days only: their
    words are sealed to the organisation, whose clinicians can also release them one by one.
    See docs/operations.md, "Referral floods"."""

    list_display = ("id", "organization", "service", "held_on", "created_on")
    list_filter = ("held_on", "service__organization")
    list_select_related = ("service__organization",)
    ordering = ("-held_on", "service")
    fields = ("id", "organization", "service", "held_on", "created_on")
    readonly_fields = fields
    actions = ["release"]

    @admin.display(description=_("organisation"))
    def organization(self, obj):
        return obj.service.organization

    @admin.action(description=_("Release to their services"), permissions=["release"])
    def release(self, request, queryset):
        count = referrals_release(actor=request.user, referrals=list(queryset))
        self.message_user(
            request,
            ngettext("%(count)d referral released to its service.",
                     "%(count)d referrals released to their services.", count)
            % {"count": count},
            messages.SUCCESS,
        )

    def has_release_permission(self, request):
        return self.has_view_permission(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return roles.may_release_held_referrals(request.user)
