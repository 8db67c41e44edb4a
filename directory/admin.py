"""The directory in the admin: administrators only (accounts.roles.may_manage_directory).
Every change is audited."""

from django.contrib import admin

from accounts import roles
from accounts.admin import AuditedAdmin, permissions_from
from accounts.models import Membership

from .models import Location, Organization, OrganizationText, Service, ServiceText

AdministratorsOnly = permissions_from(
    roles.may_manage_directory, "The directory in the admin is the administrators'."
)


class ServiceInline(AdministratorsOnly, admin.TabularInline):
    model = Service
    extra = 0
    fields = ("name", "status", "intake", "waitlist_weeks", "reply_days", "published")
    show_change_link = True


class MembershipInline(AdministratorsOnly, admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ("user",)


class OrganizationTextInline(AdministratorsOnly, admin.StackedInline):
    """The organisation's own name and description per language, as in the portal."""

    model = OrganizationText
    extra = 0


@admin.register(Organization)
class OrganizationAdmin(AdministratorsOnly, AuditedAdmin):
    list_display = ("name", "country", "demo")
    list_filter = ("country", "demo")
    search_fields = ("name",)
    inlines = [OrganizationTextInline, ServiceInline, MembershipInline]

    def audit_organization(self, obj):
        return obj


class ServiceTextInline(AdministratorsOnly, admin.StackedInline):
    """The service's own words per language, as in the portal."""

    model = ServiceText
    extra = 0


@admin.register(Service)
class ServiceAdmin(AdministratorsOnly, AuditedAdmin):
    inlines = [ServiceTextInline]
    list_display = ("name", "organization", "status", "intake", "waitlist_weeks", "reply_days",
                    "published")
    list_filter = ("status", "intake", "cost", "published")
    search_fields = ("name", "organization__name")


@admin.register(Location)
class LocationAdmin(AdministratorsOnly, AuditedAdmin):
    list_display = ("__str__", "organization", "kind", "city", "country")
