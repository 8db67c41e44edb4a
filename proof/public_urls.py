"""Every public page, for the suites and proof checks that must look at all of them.

Pathways, steps and plan pages come from the seed files (content/seed/), which the test
database and the proof's stack are loaded with, so a new step or pathway is covered as soon as
it is written.

DEMO_SERVICE and seeded_pathway_keys() need nothing; LANGUAGE_CODES and the path lists need
Django configured (settings and URL reversing), so Django is imported only when they are used.
"""

import tomllib
from pathlib import Path

SEED = Path(__file__).resolve().parent.parent / "content" / "seed"
READING_PAGES = ("home", "urgent", "about", "privacy", "confidentiality", "browsing",
                 "reporting", "professionals", "card", "card_a6", "find_help", "open_data")
FORM_PAGES = ("self_check", "mailbox")
# A demo service from directory/seed/demo-directory.json, which the test database holds.
DEMO_SERVICE = "36bf1277-bffd-4e66-90d8-fc2b55dc2070"


def __getattr__(name: str):
    # LANGUAGE_CODES reads settings: only once Django is configured, not on import.
    if name == "LANGUAGE_CODES":
        from django.conf import settings

        return [code for code, _name in settings.LANGUAGES]
    raise AttributeError(name)


def seeded_pathways(language: str | None = None) -> dict[str, int]:
    """Pathway key -> number of steps, from the seed files of `language` (default: the site's
    default language)."""
    if language is None:
        from django.conf import settings

        language = settings.LANGUAGE_CODE
    pathways = {}
    for path in sorted((SEED / "pathways").glob(f"*.{language}.toml")):
        with path.open("rb") as handle:
            data = tomllib.load(handle)
        pathways[data["key"]] = len(data["step"])
    return pathways


def seeded_plan_pathways() -> list[str]:
    """The pathways with a personal plan page: those with an exercise in a plan section, from
    the English exercises file (which decides which exercises exist)."""
    with (SEED / "exercises.en.toml").open("rb") as handle:
        exercises = tomllib.load(handle).get("exercise", [])
    return sorted({exercise["pathway"] for exercise in exercises if exercise.get("plan")})


def reading_paths(language: str) -> list[str]:
    """Pages that only show something: the same for everyone, no cookie, cacheable."""
    from django.urls import reverse
    from django.utils import translation

    with translation.override(language):
        paths = [reverse(name) for name in READING_PAGES]
        paths.append(reverse("service_detail", args=[DEMO_SERVICE]))
        for key, steps in seeded_pathways().items():
            paths.append(reverse("pathway", args=[key]))
            paths += [reverse("step", args=[key, number]) for number in range(1, steps + 1)]
        paths += [reverse("plan", args=[key]) for key in seeded_plan_pathways()]
    return paths


def form_paths(language: str) -> list[str]:
    """Pages with a form: they set the CSRF cookie and nothing else, and are never cached."""
    from django.urls import reverse
    from django.utils import translation

    with translation.override(language):
        return [reverse(name) for name in FORM_PAGES] + [
            reverse("refer", args=[DEMO_SERVICE])
        ]


def public_paths(language: str) -> list[str]:
    return reading_paths(language) + form_paths(language)


def all_reading_paths() -> list[str]:
    return [path for code in __getattr__("LANGUAGE_CODES") for path in reading_paths(code)]


def all_public_paths() -> list[str]:
    return [path for code in __getattr__("LANGUAGE_CODES") for path in public_paths(code)]
