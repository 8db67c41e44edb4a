"""The allow-list: every metric `record` accepts, its dimensions and the values they may take.

Anything not on this list is refused before it is stored, so nothing a visitor types (a search
word, an address, a referrer) can become a count. A value is either from a closed list (the
site's languages, yes/no) or a short slug whose source is the site itself (a pathway key an
editor chose, an ISO country code the directory validated), never free text.

To add a metric: add it to METRICS (and to INTERNAL if the public must not see it), call
`record` with exactly its dimensions, and describe it in docs/statistics.md.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

import pycountry
from django.conf import settings
from django.utils.translation import gettext_lazy as _

SLUG = re.compile(r"[a-z0-9-]{1,40}")
SEPARATOR = "|"
STEPS = frozenset(str(number) for number in range(1, 31))


@lru_cache(maxsize=1)
def _country_codes() -> frozenset[str]:
    return frozenset(country.alpha_2 for country in pycountry.countries)


_languages: tuple[object, tuple[str, ...]] = (None, ())


def _language_codes() -> tuple[str, ...]:
    global _languages
    source, codes = _languages
    if source is not settings.LANGUAGES:  # computed once, again only if the setting changes
        codes = tuple(code for code, _name in settings.LANGUAGES)
        _languages = (settings.LANGUAGES, codes)
    return codes


@dataclass(frozen=True)
class Dimension:
    """One dimension: `listed` values are always shown (zeros too); `accepts` decides."""

    name: str
    label: object
    listed: Callable[[], tuple[str, ...]] = tuple
    pattern: Callable[[str], bool] | None = None

    def accepts(self, value: str) -> bool:
        if value in self.listed():
            return True
        return self.pattern is not None and self.pattern(value)


def _slug(value: str) -> bool:
    return SLUG.fullmatch(value) is not None


def _country(value: str) -> bool:
    return value in _country_codes()


def _fixed(*values: str) -> Callable[[], tuple[str, ...]]:
    return lambda: values


LANGUAGE = Dimension("language", _("language"), _language_codes)
KIND = Dimension(
    "kind",
    _("kind of page"),
    _fixed("home", "pathway", "step", "plan", "page", "directory", "selfcheck", "landing",
           "open-data"),
)
SELFCHECK_PATHWAY = Dimension(
    "pathway",
    _("pathway"),
    # The four seeded pathways and "none" are always listed; a pathway an editor adds later is
    # accepted too (its key comes from the database, never from the visitor).
    _fixed("self", "someone-else", "parents", "my-child", "young-people", "none"),
    _slug,
)
URGENT = Dimension("urgent", _("urgent help first"), _fixed("yes", "no"))
PATHWAY = Dimension("pathway", _("pathway"), pattern=_slug)
STEP = Dimension("step", _("step"), pattern=lambda value: value in STEPS)
COUNTRY = Dimension("country", _("country"), pattern=_country)
COUNTRY_OR_ANY = Dimension("country", _("country"), _fixed("any"), _country)
CAMPAIGN = Dimension("campaign", _("campaign"), pattern=_slug)
# "Has this helped you stop or reduce what worried you?" (stats/views.py helped)
HELPED_ANSWERS = ("yes", "a-little", "not-yet", "prefer-not")
ANSWER = Dimension("answer", _("answer"), _fixed(*HELPED_ANSWERS))
HELPED_WHERE = ("pathway-end", "mailbox")
WHERE = Dimension("where", _("asked"), _fixed(*HELPED_WHERE))
METRIC_NAME = Dimension("metric", _("metric"), pattern=lambda value: value in METRICS
                        or value == "unknown")


@dataclass(frozen=True)
class Metric:
    name: str
    label: object
    description: object
    dimensions: tuple[Dimension, ...] = ()  # in the order they are shown
    names: frozenset[str] = field(init=False)
    by_name: tuple[Dimension, ...] = field(init=False)  # in the order of the storage key

    def __post_init__(self):
        object.__setattr__(self, "names", frozenset(d.name for d in self.dimensions))
        object.__setattr__(self, "by_name", tuple(sorted(self.dimensions, key=lambda d: d.name)))


METRICS: dict[str, Metric] = {
    metric.name: metric
    for metric in (
        Metric("page_view", _("Pages shown"),
               _("A page rendered by the server, by kind of page and language."),
               (KIND, LANGUAGE)),
        Metric("landing", _("Arrivals on a campaign page"),
               _("A visit to a deterrence landing page a platform links to, by campaign."),
               (CAMPAIGN, LANGUAGE)),
        Metric("selfcheck_completed", _("Self-checks completed"),
               _("A self-check answered to the end, by the pathway it pointed to and whether "
                 "it put urgent help first. The answers themselves are never kept."),
               (SELFCHECK_PATHWAY, URGENT, LANGUAGE)),
        Metric("pathway_step_reached", _("Pathway steps read"),
               _("A step of a pathway opened, by pathway and step number."),
               (PATHWAY, STEP, LANGUAGE)),
        Metric("directory_search", _("Searches for a provider"),
               _("A search of the treatment provider directory, by the country chosen."),
               (COUNTRY_OR_ANY, LANGUAGE)),
        Metric("referral_created", _("Anonymous referrals sent"),
               _("A self-referral sent to a provider, by the provider's country."),
               (COUNTRY,)),
        Metric("referral_acknowledged", _("Referrals acknowledged by a provider"),
               _("A referral a provider's clinician acknowledged, by the provider's country."),
               (COUNTRY,)),
        Metric("mailbox_opened", _("Mailboxes opened"),
               _("A visitor opened their anonymous mailbox with their codename."), ()),
        Metric("helped", _("Answers to \"Has this helped?\""),
               _("An answer to the optional question \"Has this helped you stop or reduce what "
                 "worried you?\", asked at the end of a pathway and in an open mailbox. Nothing "
                 "else is kept with it."),
               (ANSWER, WHERE, LANGUAGE)),
        # Counts about the counting itself: staff see them, the open data does not.
        Metric("stats_rejected", _("Counts refused"),
               _("A call to record a metric or value that is not on the allow-list."),
               (METRIC_NAME,)),
        Metric("stats_dropped", _("Counts lost"),
               _("A count that could not reach Redis, so it was lost (counted in the database)."),
               ()),
    )
}

INTERNAL = ("stats_rejected", "stats_dropped")
PUBLISHED = tuple(name for name in METRICS if name not in INTERNAL)
FUNNEL = (
    "landing",
    "selfcheck_completed",
    "pathway_step_reached",
    "directory_search",
    "referral_created",
    "referral_acknowledged",
)


def field_for(metric: str, dims: dict) -> str | None:
    """The storage key of one count ("metric|dim=value|..."), or None if it is not allowed.

    The metric must be known, the dimensions exactly its own, and every value allowed.
    """
    definition = METRICS.get(metric)
    if definition is None or dims.keys() != definition.names:
        return None
    parts = [metric]
    for dimension in definition.by_name:
        value = dims[dimension.name]
        if type(value) is int:
            value = str(value)
        elif type(value) is not str:
            return None
        if not dimension.accepts(value):
            return None
        parts.append(f"{dimension.name}={value}")
    return SEPARATOR.join(parts)


def field_split(field_key: str) -> tuple[str, str] | None:
    """("metric", "dim=value|dim=value") from a storage key; None if it is not well formed."""
    metric, _sep, dims = field_key.partition(SEPARATOR)
    if metric not in METRICS:
        return None
    return metric, dims


def dims_parse(dims: str) -> dict[str, str]:
    """{"language": "fi", ...} from "language=fi|..."."""
    if not dims:
        return {}
    return dict(part.split("=", 1) for part in dims.split(SEPARATOR))
