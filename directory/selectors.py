"""Reads of the directory. Who may act for which organisation is decided in accounts/roles.py;
here another organisation's object is simply not found (404)."""

import uuid
from dataclasses import dataclass, field, replace

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import Http404

from accounts import roles
from accounts.models import OrganizationKey
from helpportal.renders import LocalRenders, RenderedPages
from helpportal.vocabulary import Audience

from . import vocabulary
from .models import DirectoryVersion, Organization, OrganizationText, Service, ServiceText

# Services per page of search results; pages beyond MAX_PAGE are not asked for by any link
# and count as a value that was not understood (so that they cannot make new cache keys).
RESULTS_PER_PAGE = 20
MAX_PAGE = 1000


def organizations_for_user(user) -> QuerySet[Organization]:
    """The organisations the user works for (accounts.roles decides which)."""
    return Organization.objects.filter(pk__in=roles.organization_ids_for(user))


def _get_or_404(queryset, pk):
    try:
        return queryset.get(pk=pk)
    except (queryset.model.DoesNotExist, ValueError, TypeError, ValidationError):
        raise Http404 from None


def service_get_for_user(user, pk) -> Service:
    """The service, if accounts.roles lets the user edit it; otherwise Http404."""
    service = _get_or_404(Service.objects.select_related("organization"), pk)
    if not roles.may_edit_service(user, service):
        raise Http404
    return service


def organization_get_for_manager(user, pk) -> Organization:
    organization = _get_or_404(Organization.objects, pk)
    if not roles.may_manage_organization(user, organization.pk):
        raise Http404
    return organization


@dataclass
class DirectoryFilters:
    """Validated filters of the public search; what was not understood is in `ignored`."""

    country: str = ""
    language: str = ""
    mode: str = ""
    cost: str = ""
    audience: str = ""
    anonymous: bool = False
    accepting: bool = False
    page: int = 1
    ignored: list[str] = field(default_factory=list)

    def cache_key(self) -> str:
        """Everything of the search that the rendered page depends on, and nothing else: two
        spellings of one search (fi, FI) share a key, and unknown values count only as
        'ignored', so garbage in the query string cannot make new keys."""
        return "|".join((self.country, self.language, self.mode, self.cost, self.audience,
                         "1" if self.anonymous else "", "1" if self.accepting else "",
                         str(self.page), ",".join(self.ignored)))

    def as_params(self) -> dict[str, str]:
        """The understood filters as GET parameters."""
        params = {"country": self.country, "language": self.language, "mode": self.mode,
                  "cost": self.cost, "audience": self.audience,
                  "anonymous": "1" if self.anonymous else "",
                  "accepting": "1" if self.accepting else ""}
        return {name: value for name, value in params.items() if value}


def directory_filters_parse(params) -> DirectoryFilters:
    """Read the search's GET parameters. Unknown values are ignored and reported, never fatal."""
    filters = DirectoryFilters()
    country = params.get("country", "").strip().upper()
    if country:
        if vocabulary.is_area(country) and "-" not in country:
            filters.country = country
        else:
            filters.ignored.append("country")
    language = params.get("language", "").strip().lower()
    if language:
        if vocabulary.is_language(language):
            filters.language = language
        else:
            filters.ignored.append("language")
    mode = params.get("mode", "").strip()
    if mode:
        if mode in vocabulary.DELIVERY_MODES:
            filters.mode = mode
        else:
            filters.ignored.append("mode")
    cost = params.get("cost", "").strip()
    if cost:
        if cost in Service.Cost.values:
            filters.cost = cost
        else:
            filters.ignored.append("cost")
    audience = params.get("audience", "").strip()
    if audience:
        if audience in Audience.values:
            filters.audience = audience
        else:
            filters.ignored.append("audience")
    for name in ("anonymous", "accepting"):
        value = params.get(name, "")
        if value:
            if value in ("1", "on", "yes", "true"):
                setattr(filters, name, True)
            else:
                filters.ignored.append(name)
    page = params.get("page", "").strip()
    if page:
        if page.isascii() and page.isdigit() and 1 <= int(page) <= MAX_PAGE:
            filters.page = int(page)
        else:
            filters.ignored.append("page")
    return filters


class SearchIndex:
    """The published services in the directory's order, and for every term the search filters
    by (Service.search_facets(), taking new referrals now, anonymous contact through this site)
    the set of them that has it, as a bitset (bit i: the i-th service). Built from one read of
    the services when the directory's version changes, once per process, so that a search is
    a few integer ANDs however many services there are, and the database is asked only for
    the page's twenty rows."""

    def __init__(self, version: int):
        self.version = version
        with_keys = set(OrganizationKey.objects.values_list("organization_id", flat=True))
        services = (Service.objects.published().order_by("organization__name", "name", "id")
                    .only("id", "organization_id", "status", "intake", "cost", "service_areas",
                          "languages", "delivery_modes", "audiences", "minimum_age",
                          "maximum_age", "accepts_anonymous_referrals"))
        positions: dict[tuple[str, str], list[int]] = {}
        self.ids = []
        for position, service in enumerate(services.iterator(chunk_size=2000)):
            self.ids.append(service.pk)
            terms = service.search_facets()
            if service.takes_referrals_now:
                terms.add(("accepting", "1"))
            # As accepts_anonymous_referrals_now: it takes them and its organisation has a key.
            if service.accepts_anonymous_referrals and service.organization_id in with_keys:
                terms.add(("anonymous", "1"))
            for term in terms:
                positions.setdefault(term, []).append(position)
        self.every = (1 << len(self.ids)) - 1
        self.sets = {term: _bitset(found) for term, found in positions.items()}
        # Every own name per language, so that a page of results needs no texts read.
        self.names: dict[tuple[str, uuid.UUID], dict[str, str]] = {}
        for kind, rows in (
            ("service", ServiceText.objects.exclude(name="").values_list(
                "service_id", "language", "name")),
            ("organization", OrganizationText.objects.exclude(name="").values_list(
                "organization_id", "language", "name")),
        ):
            for pk, language, name in rows:
                self.names.setdefault((kind, pk), {})[language] = name

    def own_names(self, kind: str, pk) -> dict[str, str]:
        return self.names.get((kind, pk), {})

    def codes(self, kind: str) -> list[str]:
        return sorted(code for term_kind, code in self.sets if term_kind == kind)

    def matches(self, filters: DirectoryFilters) -> int:
        found = self.every
        for term in _terms(filters):
            found &= self.sets.get(term, 0)
        return found


def _bitset(positions: list[int]) -> int:
    bits = bytearray((max(positions) >> 3) + 1)
    for position in positions:
        bits[position >> 3] |= 1 << (position & 7)
    return int.from_bytes(bits, "little")


def _terms(filters: DirectoryFilters) -> list[tuple[str, str]]:
    terms = [(kind, getattr(filters, kind))
             for kind in ("country", "language", "mode", "cost", "audience")
             if getattr(filters, kind)]
    return terms + [(name, "1") for name in ("anonymous", "accepting") if getattr(filters, name)]


def search_index() -> SearchIndex:
    """This process's index of the directory as it is now (rebuilt when its version moves)."""
    version = directory_version()
    index = _INDEX.get("current")
    if index is None or index.version != version:
        index = _INDEX["current"] = SearchIndex(version)
    return index


_INDEX: dict[str, SearchIndex] = {}


class Matches:
    """The services a search found, in the directory's order, as a sequence Django's
    Paginator can count and slice: a slice is the ids of its services, nothing is read from
    the database (directory_services() reads the ones whose cards are not kept)."""

    def __init__(self, index: SearchIndex, found: int):
        self.index = index
        self.found = found

    def __len__(self) -> int:
        return self.found.bit_count()

    def count(self) -> int:
        return len(self)

    def __getitem__(self, wanted: slice) -> list[uuid.UUID]:
        if not isinstance(wanted, slice) or wanted.step not in (None, 1):
            raise TypeError("Matches is read in slices")
        start, stop, _step = wanted.indices(len(self))
        bits = bin(self.found)[:1:-1]  # bit 0 first
        ids, position = [], -1
        for number in range(stop):
            position = bits.find("1", position + 1)
            if number >= start:
                ids.append(self.index.ids[position])
        return ids


def directory_services(ids) -> dict[uuid.UUID, Service]:
    """The published services of `ids`, by id, with their organisations, each knowing its own
    names per language from the search index (what a result card shows: local_name)."""
    index = search_index()
    services = (Service.objects.published().select_related("organization").order_by()
                .in_bulk(list(ids)))
    for service in services.values():
        service.own_names = index.own_names("service", service.pk)
        service.organization.own_names = index.own_names("organization",
                                                         service.organization_id)
    return services


def directory_search(filters: DirectoryFilters) -> Matches:
    """Published services matching the filters, in the directory's order (SearchIndex)."""
    index = search_index()
    return Matches(index, index.matches(filters))


def directory_page(filters: DirectoryFilters) -> Page:
    """The page of results the filters ask for (the last one if they ask for more)."""
    return Paginator(directory_search(filters), RESULTS_PER_PAGE).get_page(filters.page)


@dataclass
class Loosening:
    """A filter the visitor could leave out, and how many services would then match."""

    name: str
    count: int
    params: dict[str, str]


def directory_loosenings(filters: DirectoryFilters) -> list[Loosening]:
    """For a search that found nothing: each filter in use, with how many services match
    without it, most first (only those that would find something)."""
    found = []
    for name in filters.as_params():
        looser = replace(filters, **{name: type(getattr(filters, name))()}, ignored=[], page=1)
        count = len(directory_search(looser))
        if count:
            found.append(Loosening(name=name, count=count, params=looser.as_params()))
    return sorted(found, key=lambda loosening: -loosening.count)


def directory_choices() -> dict[str, list[str]]:
    """The countries and languages of published services, for the search's lists."""
    index = search_index()
    return {"countries": index.codes("country"), "languages": index.codes("language")}


# The directory's rendered pages, kept like content's (helpportal/renders.py) until an
# organisation, service or location changes (watched in apps.py).
DIRECTORY_PAGES = RenderedPages("directory", DirectoryVersion)
DIRECTORY_RENDERS = DIRECTORY_PAGES.local
# The search's result cards, kept by directory.views.result_cards() in this process (and in
# the cache, for the other processes).
DIRECTORY_CARDS = LocalRenders()
DIRECTORY_CARDS.size = 20_000


def directory_version() -> int:
    """The number every rendered directory page's cache key carries."""
    return DIRECTORY_PAGES.version()


def forget_directory_local() -> None:
    """Drop what this process remembers of the directory: version, index, rendered pages."""
    DIRECTORY_PAGES.forget_local()
    DIRECTORY_CARDS.clear()
    _INDEX.clear()


def directory_service_get(pk) -> Service:
    """A published service for the public detail page (the URL only admits a UUID)."""
    try:
        return (Service.objects.published().select_related("organization")
                .prefetch_related("texts", "organization__texts").get(pk=pk))
    except Service.DoesNotExist:
        raise Http404 from None




def organization_get_for_user(user, pk) -> Organization:
    """The organisation, if the user may act for it (its inbox, its services); else Http404."""
    organization = _get_or_404(Organization.objects, pk)
    if not roles.may_act_for_organization(user, organization.pk):
        raise Http404
    return organization


@dataclass
class Words:
    """One of a service's texts as a visitor reads it, and the language it is in."""

    text: str
    language: str
    fallback: bool  # not in the visitor's language


@dataclass
class ServiceWords:
    description: Words | None
    eligibility: Words | None
    fees: Words | None
    confidentiality: Words | None  # None: the site's general text stands in

    @property
    def any_fallback(self) -> bool:
        return any(words and words.fallback for words in
                   (self.description, self.eligibility, self.fees, self.confidentiality))


def service_words(service: Service, language: str) -> ServiceWords:
    """A service's words for a visitor: its text in their language, else its English text,
    else (for all but the confidentiality statement) its own fields, which count as English."""
    texts = {text.language: text for text in service.texts.all()}
    english = settings.LANGUAGE_CODE

    def pick(name: str, own: str | None) -> Words | None:
        for code in dict.fromkeys((language, english)):
            value = getattr(texts[code], name) if code in texts else ""
            if value.strip():
                return Words(value, code, code != language)
        value = getattr(service, own) if own else ""
        return Words(value, english, english != language) if value.strip() else None

    return ServiceWords(
        description=pick("description", "description"),
        eligibility=pick("eligibility_description", "eligibility_description"),
        fees=pick("cost_description", "cost_description"),
        confidentiality=pick("confidentiality", None),
    )
