"""Code lists the directory accepts: ISO 639-1 languages, ISO 3166 countries and regions,
and the HSDS-style vocabularies for delivery modes and audiences. Names of countries and
languages come from helpportal/vocabulary.py, shared with content and statistics."""

from functools import lru_cache

import pycountry
from django.utils.translation import gettext_lazy as _

from helpportal.vocabulary import Audience, country_name, language_name  # noqa: F401

DELIVERY_MODES = {
    "online": _("Online (chat or messages)"),
    "phone": _("Phone"),
    "video": _("Video"),
    "in_person": _("In person"),
}
# Who a service is for: the one audience vocabulary of the site (helpportal/vocabulary.py).
AUDIENCES = dict(Audience.choices)
@lru_cache(maxsize=1)
def language_codes() -> frozenset[str]:
    return frozenset(lang.alpha_2 for lang in pycountry.languages if hasattr(lang, "alpha_2"))


@lru_cache(maxsize=1)
def country_codes() -> frozenset[str]:
    return frozenset(country.alpha_2 for country in pycountry.countries)


@lru_cache(maxsize=1)
def region_codes() -> frozenset[str]:
    return frozenset(sub.code for sub in pycountry.subdivisions)


@lru_cache(maxsize=64)
def region_codes_of(country: str) -> frozenset[str]:
    return frozenset(sub.code for sub in pycountry.subdivisions.get(country_code=country) or ())


def is_language(code: str) -> bool:
    return code in language_codes()


def is_area(code: str) -> bool:
    """A country (FI) or one of its regions (FI-18)."""
    return code in country_codes() or code in region_codes()


def area_name(code: str) -> str:
    country, _sep, region = code.partition("-")
    name = country_name(country)
    if region:
        subdivision = pycountry.subdivisions.get(code=code)
        return f"{subdivision.name if subdivision else code} ({name})"
    return name
