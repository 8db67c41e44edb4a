"""The admin site, at /staff/admin/. Whether someone may use it at all is accounts/roles.py's
answer (editors and administrators); a signed-in clinician or manager finds nothing here
(404), as with any staff page that is not theirs. Which models each may see is Django's
model permissions (editors: content) and each ModelAdmin's `has_*_permission`, which ask roles.
"""

from django.contrib import admin
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from . import roles

# The admin's home, grouped by the task a person comes for, each model once, in the order
# they are used; a model not named here is listed under "Other". Named by string: accounts
# imports no other app.
TASKS = (
    ("content", _("Content: what visitors read"), (
        "content.StepText", "content.PathwayText", "content.ExerciseText", "content.PageText",
        "content.Campaign", "content.Helpline", "content.SelfCheckQuestion",
        "content.SelfCheckOption", "content.SelfCheckText", "content.Pathway",
        "content.Exercise", "content.Page", "content.Revision",
    )),
    ("directory", _("Directory: organisations and services"), (
        "directory.Organization", "directory.Service", "directory.Location",
    )),
    ("staff", _("Staff: accounts and groups"), ("auth.User", "auth.Group")),
    ("audit", _("Audit log, deliveries and counts"), (
        "accounts.AuditEntry", "referrals.Outbox", "referrals.HeldReferral", "stats.DailyCount",
    )),
)


class StaffAdminSite(admin.AdminSite):
    def login(self, request, extra_context=None):
        """The admin signs in through the staff sign-in (password, then second factor)."""
        from .views import admin_login

        return admin_login(request, extra_context)

    def password_change(self, request, extra_context=None):
        """The admin's own password change; the staff key is wrapped again by the new one."""
        from .keystore import keystore_rewrap

        response = super().password_change(request, extra_context)
        if request.method == "POST" and response.status_code == 302:
            keystore_rewrap(request, request.POST.get("new_password1", ""))
        return response

    def has_permission(self, request):
        return roles.may_use_admin(request.user)

    def get_app_list(self, request, app_label=None):
        """The home page and the sidebar by task (TASKS), not by the app that happens to hold a
        model; an app's own page (`app_label`) stays as Django lists it."""
        apps = super().get_app_list(request, app_label)
        if app_label is not None:
            return apps
        models = {f"{app['app_label']}.{model['object_name']}": model
                  for app in apps for model in app["models"]}
        groups = []
        for label, name, names in TASKS:
            chosen = [models.pop(model) for model in names if model in models]
            if chosen:
                groups.append(self._group(label, name, chosen))
        if models:
            groups.append(self._group("other", _("Other"), list(models.values())))
        return groups

    @staticmethod
    def _group(label, name, models) -> dict:
        # A group's heading leads to its first list, where its work usually starts.
        return {"name": name, "app_label": label, "app_url": models[0].get("admin_url") or "",
                "has_module_perms": True, "models": models}

    def admin_view(self, view, cacheable=False):
        inner = super().admin_view(view, cacheable)

        def guarded(request, *args, **kwargs):
            # Signed in but not an editor or administrator: not found, rather than the
            # admin's own sign-in page (which would offer to sign in as someone else).
            if request.user.is_authenticated and not self.has_permission(request):
                raise Http404
            return inner(request, *args, **kwargs)

        guarded.__name__ = getattr(inner, "__name__", "admin_view")
        guarded.__wrapped__ = inner
        for attribute in ("csrf_exempt", "login_exempt"):
            if hasattr(inner, attribute):
                setattr(guarded, attribute, getattr(inner, attribute))
        return guarded
