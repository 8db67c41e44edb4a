"""Staff session rules: idle and absolute timeouts, the second factor, and ending sessions.

A staff session is signed out after STAFF_SESSION_IDLE_TIMEOUT without a request to a staff
page and STAFF_SESSION_MAX_AGE after signing in. Until the second factor is given, a signed-in
session reaches only the sign-in pages. Deactivating an account deletes all its sessions.
The receivers that stamp a sign-in and end a deactivated account's sessions are in
accounts/signals.py.
"""

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from . import keystore
from .passkeys import has_passkey

LOGIN_AT = "staff_login_at"
LAST_SEEN = "staff_last_seen"
# Last activity is written at most this often, so a busy page does not save the session on
# every request; the idle timeout is therefore exact to within this many seconds.
LAST_SEEN_RESOLUTION = 60

# Paths an authenticated session may reach before its second factor: the sign-in steps.
UNVERIFIED_VIEWS = ("staff:login", "staff:logout", "staff:verify", "staff:enrol",
                    "admin:login", "admin:logout",
                    # a passkey as the second step (accounts/urls_passkeys.py)
                    "otp_webauthn:credential-authentication-begin",
                    "otp_webauthn:credential-authentication-complete",
                    "otp_webauthn:js-i18n-catalog")
# Paths a verified session without a passkey may reach when STAFF_PASSKEY_REQUIRED: the
# account page, where one is added, and what adding one asks for.
PASSKEY_SETUP_VIEWS = ("staff:account", "staff:recovery_key", "staff:key",
                       "otp_webauthn:credential-registration-begin",
                       "otp_webauthn:credential-registration-complete",
                       "otp_webauthn:js-i18n-catalog", "staff:passkey_rename")


def is_staff_path(path: str) -> bool:
    return path.startswith(tuple(settings.STAFF_PATH_PREFIXES))


def login_url(next_path: str = "") -> str:
    url = reverse("staff:login")
    return f"{url}?{urlencode({'next': next_path})}" if next_path else url


def session_expiry_reason(session, now: float | None = None) -> str | None:
    """'absolute', 'idle' or None for a signed-in session's timestamps."""
    now = time.time() if now is None else now
    login_at = session.get(LOGIN_AT)
    last_seen = session.get(LAST_SEEN)
    # A session without the timestamps predates these rules; it is treated as expired.
    if login_at is None or now - login_at > settings.STAFF_SESSION_MAX_AGE.total_seconds():
        return "absolute"
    if last_seen is None or now - last_seen > settings.STAFF_SESSION_IDLE_TIMEOUT.total_seconds():
        return "idle"
    return None


class StaffSessionTimeoutMiddleware:
    """Sign out a staff session that was idle too long or is older than the absolute limit."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if is_staff_path(request.path) and request.user.is_authenticated:
            now = time.time()
            reason = session_expiry_reason(request.session, now)
            if reason is not None:
                logout(request)
                if reason == "idle":
                    minutes = int(settings.STAFF_SESSION_IDLE_TIMEOUT.total_seconds() // 60)
                    message = _(
                        "You were signed out after %(minutes)s minutes without activity. "
                        "Please sign in again."
                    ) % {"minutes": minutes}
                else:
                    hours = int(settings.STAFF_SESSION_MAX_AGE.total_seconds() // 3600)
                    message = _(
                        "You were signed out because %(hours)s hours have passed since you "
                        "signed in. Please sign in again."
                    ) % {"hours": hours}
                messages.info(request, message)
                next_path = request.get_full_path() if request.method in ("GET", "HEAD") else ""
                return redirect(login_url(next_path))
            if now - request.session.get(LAST_SEEN, 0) >= LAST_SEEN_RESOLUTION:
                request.session[LAST_SEEN] = int(now)
        return self.get_response(request)


class SecondFactorRequiredMiddleware:
    """Send a signed-in session that has not given its second factor to the verify page."""

    def __init__(self, get_response):
        self.get_response = get_response
        self._open_paths = None

    def open_paths(self) -> frozenset[str]:
        if self._open_paths is None:
            self._open_paths = frozenset(reverse(name) for name in UNVERIFIED_VIEWS)
        return self._open_paths

    def __call__(self, request):
        if (
            is_staff_path(request.path)
            and request.path not in self.open_paths()
            and request.user.is_authenticated
            and not request.user.is_verified()
        ):
            next_path = request.get_full_path() if request.method in ("GET", "HEAD") else ""
            url = reverse("staff:verify")
            return redirect(f"{url}?{urlencode({'next': next_path})}" if next_path else url)
        if (
            settings.STAFF_PASSKEY_REQUIRED
            and is_staff_path(request.path)
            and request.path not in self.open_paths() | self.setup_paths()
            and request.user.is_authenticated
            and not has_passkey(request.user)
        ):
            messages.warning(request, _("A passkey is required for every staff account. Add "
                                        "one here before you go on."))
            return redirect("staff:account")
        return self.get_response(request)

    def setup_paths(self) -> frozenset[str]:
        if getattr(self, "_setup_paths", None) is None:
            self._setup_paths = frozenset(reverse(name) for name in PASSKEY_SETUP_VIEWS)
        return self._setup_paths


class StaffKeyCookieMiddleware:
    """Sends the cookie half of the session's key lock when one was made (at sign-in), and
    clears a key cookie whose session no longer holds the other half (signed out, timed out,
    ended). Only a request that carries the cookie touches the session here, so public pages
    stay free of cookies and of `Vary: Cookie`."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        name = settings.STAFF_KEY_COOKIE_NAME
        half = getattr(request, keystore.PENDING_COOKIE, None)
        if half:
            response.set_cookie(name, half, secure=settings.SESSION_COOKIE_SECURE,
                                httponly=True, samesite="Lax", path="/")
        elif name in request.COOKIES and keystore.SESSION_FIELD not in request.session:
            response.delete_cookie(name, path="/", samesite="Lax")
        return response
