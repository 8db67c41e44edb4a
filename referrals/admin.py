from django.contrib import admin

from .models import AuditEntry, Location, Membership, Organization, Service
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
