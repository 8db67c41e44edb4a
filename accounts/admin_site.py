"""The admin site, at /staff/admin/. Whether someone may use it at all is accounts/roles.py's
answer (editors and administrators); a signed-in clinician or manager finds nothing here
(404), as with any staff page that is not theirs. Which models each may see is Django's
model permissions (editors: content) and each ModelAdmin's `has_*_permission`, which ask roles.
"""

from django.contrib import admin
from django.http import Http404

from . import roles


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
