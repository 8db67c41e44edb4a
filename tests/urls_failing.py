"""A URLconf with a view that fails, to see the 500 page."""

from django.conf.urls.i18n import i18n_patterns
from django.urls import include, path


def fail(request):
    return 1 // 0


urlpatterns = i18n_patterns(
    path("fail/", fail),
    path("", include("content.urls")),
    path("", include("referrals.urls")),
)

handler500 = "helpportal.views.server_error"
