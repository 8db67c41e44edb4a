"""Deterrence landing pages: /<language>/go/<campaign>/, where a platform or search engine
sends people who searched for or tried to reach abuse material (docs/platforms.md).

The same for every visitor (cached by the proxy like any public page); nothing about the
visitor is kept, only a count of arrivals per campaign and language. A foreign referrer has
already been stripped by the privacy middleware.
"""

from django.http import Http404
from django.shortcuts import render
from django.utils.translation import get_language
from django.views.decorators.http import require_safe

from helpportal.cache_headers import public_page
from stats.services import record

from .selectors import campaign_get


@require_safe
@public_page
def landing(request, campaign):
    language = get_language()
    shown = campaign_get(slug=campaign, language=language)
    if shown is None:
        raise Http404
    record("landing", campaign=shown.slug, language=language)
    record("page_view", kind="landing", language=language)
    return render(
        request,
        "content/landing.html",
        {"campaign": shown, "fallback": shown.language != language, "sensitive": True},
    )
