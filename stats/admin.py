"""The daily counts, read-only: staff use the dashboard (/staff/stats/); this is for looking
up a single row. Counts are changed only by `record` and the roll-up."""

from django.contrib import admin

from accounts import roles

from .models import DailyCount


@admin.register(DailyCount)
class DailyCountAdmin(admin.ModelAdmin):
    list_display = ("day", "metric", "dims", "count")
    list_filter = ("metric",)
    date_hierarchy = "day"
    search_fields = ("dims",)

    def has_module_permission(self, request):
        return roles.may_read_statistics(request.user)

    def has_view_permission(self, request, obj=None):
        return roles.may_read_statistics(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
