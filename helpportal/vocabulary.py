"""Words every app shares: who a page or a service is for (one audience vocabulary for
content, the directory, helplines and statistics) and the names of countries and languages
in the visitor's language (from babel's CLDR data, so every shipped language has them)."""

import functools

from babel import Locale, UnknownLocaleError
from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class Audience(models.TextChoices):
    SELF = "self", _("People worried about themselves")
    SOMEONE_ELSE = "someone-else", _("People worried about someone else")
    PARENTS = "parents", _("Parents and carers")
    YOUNG_PEOPLE = "young-people", _("Young people")


# Spellings used before there was one vocabulary (the directory's, and the helplines seed's),
# read by the migrations that rewrote stored values and by the HSDS import.
OLD_AUDIENCE_SPELLINGS = {"parent": Audience.PARENTS.value,
                          "young-person": Audience.YOUNG_PEOPLE.value}


def _locale() -> Locale:
    return _parsed_locale(get_language() or settings.LANGUAGE_CODE)


@functools.lru_cache(maxsize=32)
def _parsed_locale(code: str) -> Locale:
    """babel's Locale for a language code, parsed once per process (a search page names every
    country and language of its lists)."""
    try:
        return Locale.parse(code)
    except (UnknownLocaleError, ValueError):
        return Locale("en")


def country_name(code: str) -> str:
    """The country's name in the current language; an unknown code is shown as it is."""
    return _locale().territories.get(code, code)


def language_name(code: str) -> str:
    return _locale().languages.get(code, code)
