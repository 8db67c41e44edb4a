"""When the database cannot be reached: a translated 503 page, never a 500 or a trace.

A view that hits a database that is down (a restart, a failover, a full connection table)
raises django.db.OperationalError or InterfaceError. Instead of the 500 page, the visitor gets
templates/errors/503.html with `Retry-After` and no-store. On the referral form and a message in
the mailbox, what the person wrote is given back on that page, with the form ready to be sent
again: nothing they wrote is lost, and nothing of it is stored or logged here. The form's
one-time token is released by the view when storing fails (referrals.visitor.once_release), so
the same form may be sent again once the database is back.

Django's connection handling does the rest: with CONN_HEALTH_CHECKS on, the next request finds
the dead persistent connection, drops it and connects again.
"""

import logging

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30
DATABASE_ERRORS = (OperationalError, InterfaceError)

# Forms whose words are given back when they are refused (503 here; 429 in the referral
# views), by URL name: the texts shown (read-only, with the names they are posted under), the
# fields carried along unchanged so that the same form can be sent again, and the action it
# applies to (None: any).
FORMS_GIVEN_BACK = {
    "refer": {
        "texts": (("message", _("Your message (not sent)")),
                  ("contact", _("How the service could reach you (not sent)"))),
        "carried": ("once", "acknowledge", "preferred_language"),
        "action": None,
    },
    "mailbox": {
        "texts": (("body", _("Your message (not sent)")),),
        "carried": ("codename", "action", "once", "opened"),
        "action": "write",
    },
}


def words_given_back(request) -> dict:
    """What a refused form gets back: the person's words and the form to send them again, for
    templates/errors/_given_back.html. Empty when the request is no such form."""
    match = getattr(request, "resolver_match", None)
    if request.method != "POST" or match is None or match.url_name not in FORMS_GIVEN_BACK:
        return {}
    form = FORMS_GIVEN_BACK[match.url_name]
    post = request.POST
    if form["action"] is not None and post.get("action", "open") != form["action"]:
        return {}
    texts = [{"name": name, "label": label, "value": post.get(name, "")}
             for name, label in form["texts"] if post.get(name, "") or name == form["texts"][0][0]]
    return {
        "resend": True,
        "action": request.path,
        "texts": texts,
        "carried": [(name, post.get(name, "")) for name in form["carried"] if name in post],
        "sensitive": True,
    }


class DatabaseOutageMiddleware:
    """Answer 503 (with the visitor's words, on a form) when the database is unreachable.

    Registered last in MIDDLEWARE, so its process_exception is the first to see a view's
    exception and the answer still passes through the headers and CSP of the outer middleware.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, DATABASE_ERRORS):
            return None
        # The class only: a driver's message names hosts and ports, never a visitor, but there
        # is no need for it; the request (address, path, form) is never logged.
        logger.warning("database unavailable (%s): answered 503", type(exception).__name__)
        try:
            response = render(request, "errors/503.html", words_given_back(request),
                              status=503)
        except Exception:  # noqa: BLE001 (the page itself failed: a plain answer, still no trace)
            response = HttpResponse(
                "Service temporarily unavailable. Please try again in a minute.\n",
                content_type="text/plain; charset=utf-8", status=503,
            )
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        add_never_cache_headers(response)
        response._has_been_logged = True  # the warning above says it; no ERROR per request
        return response
