"""Root URLs. Each app's pages come from its own URL modules, named by string, so the site
package imports no app (the import contract in .importlinter)."""

from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.root, name="root"),
    path("healthz", views.healthz, name="healthz"),
    # Outside the language prefix: one address for every language, naming none of them.
    path("exit/", views.quick_exit, name="quick_exit"),
    path("api/hsds/", include("directory.urls_api")),
    path("api/stats/", include("stats.api_urls")),
    path("staff/", include("accounts.urls")),
    path("staff/passkeys/", include("accounts.urls_passkeys")),
    path("staff/admin/", admin.site.urls),
    path("staff/portal/", include("referrals.urls_portal")),
    path("staff/preview/", include("content.urls_staff")),
    path("staff/stats/", include("stats.staff_urls")),
    path("staff/translations/", include("content.urls_translations")),
]

urlpatterns += i18n_patterns(
    path("", include("content.urls")),
    path("", include("directory.urls")),
    path("", include("referrals.urls")),
    path("", include("stats.urls")),
    prefix_default_language=True,
)

handler400 = "helpportal.views.bad_request"
handler403 = "helpportal.views.permission_denied"
handler404 = "helpportal.views.page_not_found"
handler500 = "helpportal.views.server_error"
