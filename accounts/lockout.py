"""django-axes hooks (named in settings): lockout is by username alone, and the page it shows."""

from django.conf import settings
from django.shortcuts import render
from django.utils.translation import gettext as _

# The one "address" axes ever stores, the same for everyone. Not None: axes keeps one row per
# (username, address, user agent) under a unique constraint, and NULLs never collide, so
# concurrent failures for a username would make duplicate rows, after which every further try
# ended in a 500 and was never counted (a way around the lockout).
AXES_PLACEHOLDER_ADDRESS = "0.0.0.0"  # noqa: S104 (stored, never bound)


def axes_client_ip(request):
    """Axes keeps no address: lockout is by username alone."""
    return AXES_PLACEHOLDER_ADDRESS


def lockout_response(request, original_response=None, credentials=None):
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    response = render(
        request,
        "staff/locked.html",
        {"title": _("Account locked for now"), "minutes": minutes,
         "limit": settings.AXES_FAILURE_LIMIT},
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )
    response["Cache-Control"] = "no-store"
    return response
