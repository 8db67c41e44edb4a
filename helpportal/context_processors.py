from django.conf import settings
from django.urls import reverse, translate_url
from django.utils import translation


def site(request):
    """What every page's frame needs: site name, quick exit, the language switcher."""
    current = translation.get_language()
    languages = []
    for code, _name in settings.LANGUAGES:
        url = translate_url(request.path, code)
        if url == request.path and code != current:
            # A path that does not resolve (a 404) switches to that language's home page.
            with translation.override(code):
                url = reverse("home")
        info = translation.get_language_info(code)
        languages.append(
            {"code": code, "name": info["name_local"], "url": url, "current": code == current}
        )
    return {
        "SITE_NAME": settings.SITE_NAME,
        "QUICK_EXIT_URL": settings.QUICK_EXIT_URL,
        "NEUTRAL_TITLES": settings.NEUTRAL_TITLES,
        "site_languages": languages,
    }
