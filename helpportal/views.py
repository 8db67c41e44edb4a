"""Site-wide views: health and the translated error pages."""

import secrets

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import get_language_from_request
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from .celery import app as celery_app


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:  # noqa: BLE001 (any failure means "down")
        return False


def _cache_ok() -> bool:
    key = f"healthz:{secrets.token_hex(8)}"
    try:
        cache.set(key, "1", 10)
        ok = cache.get(key) == "1"
        cache.delete(key)
        return ok
    except Exception:  # noqa: BLE001
        return False


def _broker_state() -> str:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "in-process"
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return "ok"
    except Exception:  # noqa: BLE001
        return "down"


@require_safe
@never_cache
def healthz(request):
    checks = {
        "database": "ok" if _database_ok() else "down",
        "cache": "ok" if _cache_ok() else "down",
        "broker": _broker_state(),
    }
    healthy = all(value != "down" for value in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "degraded", "checks": checks},
        status=200 if healthy else 503,
    )


STAFF_ERRORS = {"errors/403.html": "errors/staff_403.html",
                "errors/404.html": "errors/staff_404.html"}


def _error(request, status, template):
    """The error page in the site's layout; under /staff/ the 403 and 404 pages come in the
    staff layout, with the staff navigation for someone signed in."""
    if request.path.startswith("/staff/"):
        template = STAFF_ERRORS.get(template, template)
    return render(request, template, status=status)


def bad_request(request, exception=None):
    return _error(request, 400, "errors/400.html")


def permission_denied(request, exception=None):
    return _error(request, 403, "errors/403.html")


def page_not_found(request, exception=None):
    return _error(request, 404, "errors/404.html")


def server_error(request):
    return _error(request, 500, "errors/500.html")


def csrf_failure(request, reason=""):
    return _error(request, 403, "errors/403_csrf.html")


@require_safe
def root(request):
    """`/` sends a visitor to their browser's language; nothing is stored to remember it."""
    language = get_language_from_request(request)
    response = HttpResponseRedirect(f"/{language}/")
    patch_vary_headers(response, ["Accept-Language"])
    return response


# What the exit address asks the browser to forget for this site: its HTTP cache, and its
# storage (localStorage, sessionStorage, IndexedDB, service workers). Cookies are not named:
# public pages set none, and the CSRF cookie of a form page ends with the browser session.
CLEAR_SITE_DATA = '"cache", "storage"'


@require_safe
def quick_exit(request):
    """Quick exit: a redirect to the neutral site that also empties this site's traces.

    The quick-exit link points here, so it works with JavaScript off too. A redirect leaves no
    history entry of its own; `Clear-Site-Data` makes the browser forget what this site cached
    and stored. Nothing is read from the request, no cookie is set, nothing is logged or
    counted, and the answer is never stored by the browser or nginx (no-store).
    """
    response = HttpResponseRedirect(settings.QUICK_EXIT_URL)
    response["Clear-Site-Data"] = CLEAR_SITE_DATA
    patch_cache_control(response, no_store=True)
    return response
