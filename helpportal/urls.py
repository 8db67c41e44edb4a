from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from content.landing import landing
from content.views import preview

from . import staff, views

# The admin signs in through the staff sign-in (password, then second factor).
admin.site.login = staff.admin_login

urlpatterns = [
    path("", views.root, name="root"),
    path("healthz", views.healthz, name="healthz"),
    path("api/hsds/", include("referrals.api_urls")),
    path("api/stats/", include("stats.api_urls")),
    path("staff/", include("helpportal.staff_urls")),
    path("staff/admin/", admin.site.urls),
    path("staff/portal/", include("referrals.portal_urls")),
    path("staff/preview/<slug:kind>/<int:pk>/", preview, name="preview"),
    path("staff/stats/", include("stats.staff_urls")),
]

urlpatterns += i18n_patterns(
    path("", include("content.urls")),
    path("", include("referrals.urls")),
    path("", include("stats.urls")),
    path("go/<slug:campaign>/", landing, name="landing"),
    prefix_default_language=True,
)

handler400 = "helpportal.views.bad_request"
handler403 = "helpportal.views.permission_denied"
handler404 = "helpportal.views.page_not_found"
handler500 = "helpportal.views.server_error"
