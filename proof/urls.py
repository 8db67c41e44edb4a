"""The site's URLs plus a bare view, the framework floor the benchmark compares pages to.

Selected only by the harness (ROOT_URLCONF=proof.urls: the proof's stack and bench/web.py);
never in production.
"""

from django.http import HttpResponse
from django.urls import path

from helpportal.urls import (  # noqa: F401 (Django looks the handlers up on this module)
    handler400,
    handler403,
    handler404,
    handler500,
)
from helpportal.urls import urlpatterns as site_urlpatterns


def bare(request):
    """The cheapest response Django can give through the full middleware stack."""
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("bench/bare", bare),
    *site_urlpatterns,
]
