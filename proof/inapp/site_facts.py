"""What the privacy audit (proof/privacy.py) needs to know of the site: every public page,
the form pages, the languages, the quick-exit target, the CSRF cookie's name, the demo service
and the active campaigns."""

from django.conf import settings

from content.models import Campaign
from proof.public_urls import (
    DEMO_SERVICE,
    LANGUAGE_CODES,
    all_public_paths,
    all_reading_paths,
    form_paths,
)


def facts() -> dict:
    return {
        "public": all_public_paths(),
        "reading": all_reading_paths(),
        "forms": [path for code in LANGUAGE_CODES for path in form_paths(code)],
        "languages": LANGUAGE_CODES,
        "quick_exit": settings.QUICK_EXIT_URL,
        "csrf_cookie": settings.CSRF_COOKIE_NAME,
        "demo_service": DEMO_SERVICE,
        "campaigns": sorted(set(Campaign.objects.published().values_list("slug", flat=True))),
    }
