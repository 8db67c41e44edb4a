"""The site's URLconf plus a view that fails, to see the 500 page."""

from django.conf.urls.i18n import i18n_patterns
from django.urls import path

from helpportal.urls import urlpatterns as site


def fail(request):
    return 1 // 0


urlpatterns = [*i18n_patterns(path("fail/", fail)), *site]

handler500 = "helpportal.views.server_error"
