"""The signed-in staff member's private key, for the length of their session only.

At sign-in the key unwrapped with their password is locked (helpportal.sealing.lock) under a
key joined from two random halves: one stored in the session, the other only in an HttpOnly
cookie of its own (settings.STAFF_KEY_COOKIE_NAME, `__Host-` in production). The server alone
cannot open it, nor can the cookie alone, nor a cookie from another session. Signing out,
a timeout or a deactivation ends the session, and with it the server's half.

`keystore_put` is called where the password is at hand (the sign-in); `keystore_private` where
a key is needed (reading a thread, granting); `StaffKeyCookieMiddleware` (accounts/middleware)
writes and clears the cookie.
"""

import base64
import binascii
import secrets

from django.conf import settings

from helpportal import sealing

from . import keys
from .keys import KeyRefused

SESSION_FIELD = "_staff_key"
LOST_FIELD = "_staff_key_lost"  # signed in with a password that no longer opens the key
PENDING_COOKIE = "_staff_key_cookie"  # request attribute: the cookie half to send
PURPOSE = b"hp-staff-session"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode()


def _unb64(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text.encode())
    except (binascii.Error, ValueError, AttributeError):
        raise KeyRefused("locked") from None


def keystore_put(request, private: bytes, *, recovery_key: str = "") -> None:
    """Keep the private key (and a recovery key still to be shown once) for this session."""
    cookie_half, server_half = secrets.token_bytes(32), secrets.token_bytes(32)
    key = sealing.joined_key(cookie_half, server_half, purpose=PURPOSE)
    entry = {"half": _b64(server_half), "box": _b64(sealing.lock(key, private))}
    if recovery_key:
        entry["recovery"] = _b64(sealing.lock(key, recovery_key.encode()))
    request.session[SESSION_FIELD] = entry
    request.session.pop(LOST_FIELD, None)
    setattr(request, PENDING_COOKIE, _b64(cookie_half))


def keystore_mark_lost(request) -> None:
    request.session[LOST_FIELD] = True


def keystore_lost(request) -> bool:
    return bool(request.session.get(LOST_FIELD))


def _key(request) -> tuple[dict, bytes]:
    entry = request.session.get(SESSION_FIELD)
    cookie = getattr(request, PENDING_COOKIE, None) or request.COOKIES.get(
        settings.STAFF_KEY_COOKIE_NAME)
    if not entry or not cookie:
        raise KeyRefused("locked")
    return entry, sealing.joined_key(_unb64(cookie), _unb64(entry["half"]), purpose=PURPOSE)


def keystore_private(request) -> bytes:
    """The session's private key; KeyRefused("locked") without it, or with a cookie that is not
    this session's."""
    entry, key = _key(request)
    try:
        return sealing.unlock(key, _unb64(entry["box"]))
    except sealing.SealError:
        raise KeyRefused("locked") from None


def keystore_recovery_key_waiting(request) -> bool:
    return "recovery" in (request.session.get(SESSION_FIELD) or {})


def keystore_recovery_key_take(request) -> str:
    """The recovery key made at this sign-in, once: it is removed as it is read."""
    entry, key = _key(request)
    box = entry.pop("recovery", None)
    if box is None:
        return ""
    request.session[SESSION_FIELD] = entry
    try:
        return sealing.unlock(key, _unb64(box)).decode()
    except sealing.SealError:
        raise KeyRefused("locked") from None


def keystore_forget(request) -> None:
    request.session.pop(SESSION_FIELD, None)


def keystore_rewrap(request, password: str) -> bool:
    """After the user changed their password: their key, open in this session, is wrapped by
    the new one. False when the session holds no key (the next sign-in then offers the
    recovery key)."""
    try:
        private = keystore_private(request)
    except KeyRefused:
        return False
    keys.staff_key_rewrap(user=request.user, private=private, password=password)
    return True
