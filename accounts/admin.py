"""The audit log in the admin (read-only), and the base of every admin that audits changes."""

from django.contrib import admin
from django_otp_webauthn.admin import WebAuthnCredentialAdmin
from django_otp_webauthn.models import WebAuthnCredential

from . import roles
from .models import AuditEntry
from .services import audit_record


def permissions_from(predicate, doc: str):
    """A ModelAdmin or inline mixin whose every permission is `predicate(request.user)`, a
    question of accounts/roles.py; a ModelAdmin may narrow it further."""

    def allowed(self, request, *args, **kwargs):
        return predicate(request.user)

    return type("RolePermissions", (), {
        "__doc__": doc,
        **{name: allowed for name in ("has_module_permission", "has_view_permission",
                                      "has_add_permission", "has_change_permission",
                                      "has_delete_permission")},
    })


class AuditedAdmin(admin.ModelAdmin):
    """Changes made in the admin are audited like those made in the portal."""

    def audit_organization(self, obj):
        """The organisation an entry about `obj` belongs to (an organisation's own admin
        answers the object itself)."""
        return getattr(obj, "organization", None)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        organization = self.audit_organization(obj)
        audit_record(
            actor=request.user,
            action=f"admin.{type(obj).__name__.lower()}.{'change' if change else 'add'}",
            organization=organization,
            target=obj,
            detail={"fields": sorted(form.changed_data)},
        )

    def delete_model(self, request, obj):
        organization = self.audit_organization(obj)
        audit_record(
            actor=request.user,
            action=f"admin.{type(obj).__name__.lower()}.delete",
            # An organisation's own entry cannot point at the row being deleted.
            organization=None if organization is obj else organization,
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
        return roles.may_view_audit_log(request.user)


# Passkeys: an administrator removes one a staff member has lost (docs/staff-accounts.md);
# nobody adds one here: a passkey is made by its owner's device.
admin.site.register(WebAuthnCredential, WebAuthnCredentialAdmin)
