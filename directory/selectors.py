"""Reads of the directory. Who may act for which organisation is decided in accounts/roles.py;
here another organisation's object is simply not found (404)."""

from dataclasses import dataclass, field, replace

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404

from accounts import roles
from helpportal.renders import RenderedPages
from helpportal.vocabulary import Audience

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
    audience: str = ""
    anonymous: bool = False
    accepting: bool = False
    ignored: list[str] = field(default_factory=list)

    def cache_key(self) -> str:
        """Everything of the search that the rendered page depends on, and nothing else: two
        spellings of one search (fi, FI) share a key, and unknown values count only as
        'ignored', so garbage in the query string cannot make new keys."""
        return "|".join((self.country, self.language, self.mode, self.cost, self.audience,
                         "1" if self.anonymous else "", "1" if self.accepting else "",
                         ",".join(self.ignored)))

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
    return filters


# Under this age, a visitor counts as a young person: a service whose minimum age is 18 or
# more is not one for them, whatever its audiences say.
ADULT_AGE = 18


def service_serves_audience(service: Service, audience: str) -> bool:
    """Whether a service is for `audience`: it names that audience, and for young people its
    minimum age (if any) is under 18; for everyone else its maximum age (if any) is not under
    18 (a service only for children is not one for adults worried about themselves)."""
    if audience not in service.audiences:
        return False
    if audience == Audience.YOUNG_PEOPLE:
        return service.minimum_age is None or service.minimum_age < ADULT_AGE
    return service.maximum_age is None or service.maximum_age >= ADULT_AGE


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
    if filters.anonymous:
        # As accepts_anonymous_referrals_now: it takes them and its organisation has a key.
        services = services.filter(accepts_anonymous_referrals=True,
                                   organization__keys__isnull=False).distinct()
    found = []
    for service in services:
        if filters.country and filters.country not in service.countries:
            continue
        if filters.language and filters.language not in service.languages:
            continue
        if filters.mode and filters.mode not in service.delivery_modes:
            continue
        if filters.audience and not service_serves_audience(service, filters.audience):
            continue
        found.append(service)
    return found


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
        looser = replace(filters, **{name: type(getattr(filters, name))()}, ignored=[])
        count = len(directory_search(looser))
        if count:
            found.append(Loosening(name=name, count=count, params=looser.as_params()))
    return sorted(found, key=lambda loosening: -loosening.count)


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
        return (Service.objects.published().select_related("organization")
                .prefetch_related("texts").get(pk=pk))
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
