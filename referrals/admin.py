from django.contrib import admin, messages
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .delivery import queue
from .models import AuditEntry, Location, Membership, Organization, Outbox, Service
from .services import audit_record


class AuditedAdmin(admin.ModelAdmin):
    """Changes made in the admin are audited like those made in the portal."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        organization = obj if isinstance(obj, Organization) else getattr(obj, "organization", None)
        audit_record(
            actor=request.user,
            action=f"admin.{type(obj).__name__.lower()}.{'change' if change else 'add'}",
            organization=organization,
            target=obj,
            detail={"fields": sorted(form.changed_data)},
        )

    def delete_model(self, request, obj):
        organization = obj if isinstance(obj, Organization) else getattr(obj, "organization", None)
        audit_record(
            actor=request.user,
            action=f"admin.{type(obj).__name__.lower()}.delete",
            organization=None if isinstance(obj, Organization) else organization,
            target=obj,
        )
        super().delete_model(request, obj)

    def save_formset(self, request, form, formset, change):
        instances = formset.save(commit=False)
        for removed in formset.deleted_objects:
            audit_record(
                actor=request.user,
                action=f"admin.{type(removed).__name__.lower()}.delete",
                organization=getattr(removed, "organization", None),
                target=removed,
            )
            removed.delete()
        for instance in instances:
            is_new = instance.pk is None
            instance.save()
            audit_record(
                actor=request.user,
                action=f"admin.{type(instance).__name__.lower()}.{'add' if is_new else 'change'}",
                organization=getattr(instance, "organization", None),
                target=instance,
            )
        formset.save_m2m()


class ServiceInline(admin.TabularInline):
    model = Service
    extra = 0
    fields = ("name", "status", "intake", "waitlist_weeks", "published")
    show_change_link = True


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ("user",)


@admin.register(Organization)
class OrganizationAdmin(AuditedAdmin):
    list_display = ("name", "country", "demo")
    list_filter = ("country", "demo")
    search_fields = ("name",)
    inlines = [ServiceInline, MembershipInline]


@admin.register(Service)
class ServiceAdmin(AuditedAdmin):
    list_display = ("name", "organization", "status", "intake", "waitlist_weeks", "published")
    list_filter = ("status", "intake", "cost", "published")
    search_fields = ("name", "organization__name")


@admin.register(Location)
class LocationAdmin(AuditedAdmin):
    list_display = ("__str__", "organization", "kind", "city", "country")


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Administrators browse the audit log; nobody edits it."""

    list_display = ("at", "actor_name", "action", "organization", "target_type", "target_id")
    list_filter = ("action", "organization")
    search_fields = ("actor_name", "target_id")
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser


# Referrals and mailbox messages are deliberately not registered: their words are for the
# clinicians of the service's organisation, in the portal, where each reading is audited.


def outbox_retry(*, actor, deliveries) -> int:
    """Give failed deliveries a fresh set of attempts and queue them after commit. Returns how
    many were failed (others are left alone)."""
    with transaction.atomic():
        failed = list(
            Outbox.objects.select_for_update()
            .select_related("referral__service__organization")
            .filter(pk__in=[delivery.pk for delivery in deliveries], state=Outbox.State.FAILED)
        )
        for delivery in failed:
            delivery.state = Outbox.State.PENDING
            delivery.attempts = 0
            delivery.next_attempt_at = timezone.now()
            delivery.last_error = ""
            delivery.save(update_fields=["state", "attempts", "next_attempt_at", "last_error"])
            audit_record(
                actor=actor,
                action="admin.outbox.retry",
                organization=delivery.referral.service.organization,
                target=delivery,
                detail={"channel": delivery.channel},
            )
            transaction.on_commit(lambda pk=str(delivery.pk): queue(pk))
    return len(failed)


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
        return request.user.is_active and request.user.is_superuser
