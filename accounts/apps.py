from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"
    verbose_name = _("Staff accounts")
    default = True

    def ready(self):
        # Connect the session rules' receivers in every process (web, worker, shell), so
        # deactivating an account anywhere ends its sessions.
        from . import signals  # noqa: F401


class StaffAdminConfig(AdminConfig):
    """django.contrib.admin with the site of accounts/admin_site.py (roles decide access)."""

    default = False
    default_site = "accounts.admin_site.StaffAdminSite"
