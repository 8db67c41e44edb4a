"""Public directory pages. Views parse and render; selectors decide what is shown."""

from urllib.parse import urlencode

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from helpportal import cache
from helpportal.cache_headers import public_page
from helpportal.renders import RENDER_CACHE_SECONDS
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


def _page_links(filters, page) -> list[dict[str, str]]:
    """Links to the previous and next pages of results, with the same filters: each a rel
    and the URL's query string ("?..." or "" for the first page of no filters)."""
    links = []
    for rel, wanted, number in (("prev", page.has_previous(), page.number - 1),
                                ("next", page.has_next(), page.number + 1)):
        if wanted:
            params = filters.as_params()
            if number > 1:
                params["page"] = str(number)
            links.append({"rel": rel, "query": f"?{urlencode(params)}" if params else ""})
    return links


def result_cards(ids) -> list[str]:
    """The cards of the services `ids`, in that order, rendered or reused: a card is the same
    in every search that finds its service, so it is kept per directory version, language and
    service, in this process and in the cache (for the other processes). Only the services
    whose cards are kept nowhere are read from the database."""
    version, language = selectors.directory_version(), get_language()
    keys = {pk: f"directory-card:{version}:{language}:{pk}" for pk in ids}
    cards = {pk: selectors.DIRECTORY_CARDS.recall(key) for pk, key in keys.items()}
    missing = [pk for pk, card in cards.items() if card is None]
    if missing:
        shared = cache.get_many([keys[pk] for pk in missing])
        for pk in missing:
            if keys[pk] in shared:
                cards[pk] = shared[keys[pk]]
                selectors.DIRECTORY_CARDS.remember(keys[pk], cards[pk])
        missing = [pk for pk in missing if cards[pk] is None]
    if missing:
        rendered = {}
        for pk, service in selectors.directory_services(missing).items():
            cards[pk] = rendered[keys[pk]] = render_to_string(
                "directory/_card.html", {"service": service})
            selectors.DIRECTORY_CARDS.remember(keys[pk], cards[pk])
        cache.set_many(rendered, RENDER_CACHE_SECONDS)
    return [cards[pk] for pk in ids if cards[pk] is not None]


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
        page = selectors.directory_page(filters)
        count = page.paginator.count
        loosenings = [] if count else selectors.directory_loosenings(filters)
        choices = selectors.directory_choices()
        return {
            "filters": filters,
            "page": page,
            "cards": result_cards(page.object_list),
            "count": count,
            "page_links": _page_links(filters, page),
            "loosenings": [
                {"label": FILTER_LABELS[item.name], "count": item.count,
                 "query": urlencode(item.params)}
                for item in loosenings
            ],
            "searched": searched,
            "countries": _choices(choices["countries"], vocabulary.area_name),
            "languages": _choices(choices["languages"], vocabulary.language_name),
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
