"""Public directory pages. Views parse and render; selectors decide what is shown."""

from django.shortcuts import render
from django.utils.translation import get_language
from django.views.decorators.http import require_safe

from helpportal.http import public_page
from stats.services import record

from . import codes, selectors
from .models import Service


def _choices(values, namer):
    return [(value, namer(value)) for value in values]


@require_safe
@public_page
def directory(request):
    filters = selectors.directory_filters_parse(request.GET)
    services = selectors.directory_search(filters)
    record("directory_search", country=filters.country or "any", language=get_language())
    return render(
        request,
        "referrals/directory.html",
        {
            "filters": filters,
            "services": services,
            "searched": bool(request.GET),
            "countries": _choices(selectors.directory_countries(), codes.area_name),
            "languages": _choices(selectors.directory_languages(), codes.language_name),
            "modes": list(codes.DELIVERY_MODES.items()),
            "costs": Service.Cost.choices,
        },
    )


@require_safe
@public_page
def service_detail(request, pk):
    service = selectors.directory_service_get(pk)
    return render(request, "referrals/service.html", {"service": service})
