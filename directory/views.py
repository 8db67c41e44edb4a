"""Public directory pages. Views parse and render; selectors decide what is shown."""

from urllib.parse import urlencode

from django.http import HttpResponse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from helpportal.cache_headers import public_page
from helpportal.vocabulary import Audience
from stats.services import record

from . import selectors, vocabulary
from .models import Service

# What each filter is called when the page suggests leaving it out.
FILTER_LABELS = {
    "country": _("the country"),
    "language": _("the language"),
    "mode": _("how you meet"),
    "cost": _("the cost"),
    "audience": _("who it is for"),
    "anonymous": _("anonymous contact through this site"),
    "accepting": _("taking new referrals now"),
}


def _choices(values, namer):
    return [(value, namer(value)) for value in values]


def render_directory(request, key: str, template: str, context_builder) -> HttpResponse:
    """Render a directory page that is the same for every visitor, or reuse its rendering
    until the directory changes. `key` names everything the page depends on besides the path
    and the language; `context_builder` runs only when it is rendered."""
    return selectors.DIRECTORY_PAGES.render(
        request, template, context_builder, key=f"{get_language()}:{key}"
    )


@require_safe
@public_page
def directory(request):
    filters = selectors.directory_filters_parse(request.GET)
    searched = bool(request.GET)

    def build():
        services = selectors.directory_search(filters)
        loosenings = [] if services else selectors.directory_loosenings(filters)
        return {
            "filters": filters,
            "services": services,
            "loosenings": [
                {"label": FILTER_LABELS[item.name], "count": item.count,
                 "query": urlencode(item.params)}
                for item in loosenings
            ],
            "searched": searched,
            "countries": _choices(selectors.directory_countries(), vocabulary.area_name),
            "languages": _choices(selectors.directory_languages(), vocabulary.language_name),
            "modes": list(vocabulary.DELIVERY_MODES.items()),
            "costs": Service.Cost.choices,
            "audiences": Audience.choices,
        }

    response = render_directory(
        request, f"{filters.cache_key()}:{int(searched)}", "directory/directory.html", build
    )
    # Counted per request, whether the page was rendered or reused.
    record("directory_search", country=filters.country or "any", language=get_language())
    return response


def _service_context(service: Service) -> dict:
    return {"service": service, "words": selectors.service_words(service, get_language())}


@require_safe
@public_page
def service_detail(request, pk):
    return render_directory(
        request,
        "service",
        "directory/service.html",
        lambda: _service_context(selectors.directory_service_get(pk)),
    )
