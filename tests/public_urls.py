"""Every public page, by name, for the suites that must check all of them.

A test that loops over this list covers a new page as soon as it is listed here; the test
`test_every_public_url_name_is_listed` fails when a public URL exists that is not.
"""

from django.conf import settings
from django.urls import reverse
from django.utils import translation

from content.audiences import AUDIENCES

LANGUAGE_CODES = [code for code, _name in settings.LANGUAGES]


def public_paths(language: str) -> list[str]:
    """The paths of every public GET page in one language."""
    with translation.override(language):
        paths = [reverse(name) for name in ("home", "urgent", "about", "privacy")]
        paths += [reverse("audience", args=[audience.slug]) for audience in AUDIENCES]
    return paths


def all_public_paths() -> list[str]:
    return [path for code in LANGUAGE_CODES for path in public_paths(code)]
