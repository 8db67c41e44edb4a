"""Caching rules for responses."""

from functools import wraps

from django.utils.cache import patch_cache_control

PUBLIC_CACHE_SECONDS = 60


def public_page(view):
    """Mark a page that is the same for every visitor as cacheable by the shared cache.

    Browsers are asked to revalidate (max-age=0), so a shared device keeps no fresh copy;
    nginx may serve it for PUBLIC_CACHE_SECONDS. A response that sets a cookie, or is not a
    200, is left to the no-store default.
    """

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if response.status_code == 200 and not response.cookies:
            patch_cache_control(response, public=True, max_age=0, s_maxage=PUBLIC_CACHE_SECONDS)
        return response

    return wrapper
