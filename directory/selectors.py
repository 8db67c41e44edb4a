"""Reads of the directory. Who may act for which organisation is decided in accounts/roles.py;
here another organisation's object is simply not found (404)."""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404

from accounts import roles
from helpportal.renders import RenderedPages

from . import vocabulary
from .models import DirectoryVersion, Organization, Service


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
    accepting: bool = False
    ignored: list[str] = field(default_factory=list)

    def cache_key(self) -> str:
        """Everything of the search that the rendered page depends on, and nothing else: two
        spellings of one search (fi, FI) share a key, and unknown values count only as
        'ignored', so garbage in the query string cannot make new keys."""
        return "|".join((self.country, self.language, self.mode, self.cost,
                         "1" if self.accepting else "", ",".join(self.ignored)))


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
    accepting = params.get("accepting", "")
    if accepting:
        if accepting in ("1", "on", "yes", "true"):
            filters.accepting = True
        else:
            filters.ignored.append("accepting")
    return filters


def directory_search(filters: DirectoryFilters) -> list[Service]:
    """Published services matching the filters. Lists of codes are filtered in Python: the
    directory holds hundreds of services, not millions, and this works on every database."""
    services = Service.objects.published().select_related("organization")
    if filters.cost:
        services = services.filter(cost=filters.cost)
    if filters.accepting:
        services = services.filter(status=Service.Status.ACTIVE).exclude(
            intake=Service.Intake.CLOSED
        )
    found = []
    for service in services:
        if filters.country and filters.country not in service.countries:
            continue
        if filters.language and filters.language not in service.languages:
            continue
        if filters.mode and filters.mode not in service.delivery_modes:
            continue
        found.append(service)
    return found


def directory_countries() -> list[str]:
    countries = set()
    for areas in Service.objects.published().values_list("service_areas", flat=True):
        countries.update(area.split("-")[0] for area in areas)
    return sorted(countries)


def directory_languages() -> list[str]:
    languages = set()
    for codes_ in Service.objects.published().values_list("languages", flat=True):
        languages.update(codes_)
    return sorted(languages)


# The directory's rendered pages, kept like content's (helpportal/renders.py) until an
# organisation, service or location changes (watched in apps.py).
DIRECTORY_PAGES = RenderedPages("directory", DirectoryVersion)
DIRECTORY_RENDERS = DIRECTORY_PAGES.local


def directory_version() -> int:
    """The number every rendered directory page's cache key carries."""
    return DIRECTORY_PAGES.version()


def forget_directory_local() -> None:
    """Drop what this process remembers of the directory's version and rendered pages."""
    DIRECTORY_PAGES.forget_local()


def directory_service_get(pk) -> Service:
    """A published service for the public detail page (the URL only admits a UUID)."""
    try:
        return Service.objects.published().select_related("organization").get(pk=pk)
    except Service.DoesNotExist:
        raise Http404 from None




def organization_get_for_user(user, pk) -> Organization:
    """The organisation, if the user may act for it (its inbox, its services); else Http404."""
    organization = _get_or_404(Organization.objects, pk)
    if not roles.may_act_for_organization(user, organization.pk):
        raise Http404
    return organization
