"""Code lists the directory accepts: ISO 639-1 languages, ISO 3166 countries and regions,
and the HSDS-style vocabularies for delivery modes, audiences and referral channels."""

from functools import lru_cache

import pycountry
from babel import Locale, UnknownLocaleError
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

DELIVERY_MODES = {
    "online": _("Online (chat or messages)"),
    "phone": _("Phone"),
    "video": _("Video"),
    "in_person": _("In person"),
}
AUDIENCES = {
    "self": _("People worried about themselves"),
    "someone-else": _("People worried about someone else"),
    "parent": _("Parents and carers"),
    "young-person": _("Young people"),
}
CHANNELS = {
    "email": _("A content-free email notice"),
    "webhook": _("A signed webhook"),
}


@lru_cache(maxsize=1)
def language_codes() -> frozenset[str]:
    return frozenset(lang.alpha_2 for lang in pycountry.languages if hasattr(lang, "alpha_2"))


@lru_cache(maxsize=1)
def country_codes() -> frozenset[str]:
    return frozenset(country.alpha_2 for country in pycountry.countries)


@lru_cache(maxsize=1)
def region_codes() -> frozenset[str]:
    return frozenset(sub.code for sub in pycountry.subdivisions)


def is_language(code: str) -> bool:
    return code in language_codes()


def is_area(code: str) -> bool:
    """A country (FI) or one of its regions (FI-18)."""
    return code in country_codes() or code in region_codes()


def _locale() -> Locale:
    try:
        return Locale.parse(get_language() or "en")
    except (UnknownLocaleError, ValueError):
        return Locale("en")


def language_name(code: str) -> str:
    return _locale().languages.get(code, code)


def area_name(code: str) -> str:
    country, _sep, region = code.partition("-")
    name = _locale().territories.get(country, country)
    if region:
        subdivision = pycountry.subdivisions.get(code=code)
        return f"{subdivision.name if subdivision else code} ({name})"
    return name
