"""Public directory pages. Views parse and render; selectors decide what is shown."""

from django.http import HttpResponse
from django.utils.translation import get_language
from django.views.decorators.http import require_safe

from helpportal.cache_headers import public_page
from stats.services import record

from . import selectors, vocabulary
from .models import Service


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
    response = render_directory(
        request,
        f"{filters.cache_key()}:{int(searched)}",
        "directory/directory.html",
        lambda: {
            "filters": filters,
            "services": selectors.directory_search(filters),
            "searched": searched,
            "countries": _choices(selectors.directory_countries(), vocabulary.area_name),
            "languages": _choices(selectors.directory_languages(), vocabulary.language_name),
            "modes": list(vocabulary.DELIVERY_MODES.items()),
            "costs": Service.Cost.choices,
        },
    )
    # Counted per request, whether the page was rendered or reused.
    record("directory_search", country=filters.country or "any", language=get_language())
    return response


@require_safe
@public_page
def service_detail(request, pk):
    return render_directory(
        request,
        "service",
        "directory/service.html",
        lambda: {"service": selectors.directory_service_get(pk)},
    )
