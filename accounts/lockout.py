"""django-axes hooks (named in settings): who may try a password now, the alerts, the page.

Failed sign-ins are counted per username *and* connection (the client key), so wrong passwords
sent from elsewhere slow down the sender and not the account's owner; only a count far above
what one person could cause, from many connections, locks a username for everyone. The rule is
`sign_in_lock`; axes asks it through `axes_failure_limit`.
"""

import ipaddress
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from helpportal.privacy import client_key_for

from .alerts import administrators_alert

FREE_TRIES = 5  # wrong passwords from one connection before it has to wait
FIRST_WAIT = timedelta(minutes=5)  # after the 5th; doubled after each further failure
LONGEST_WAIT = timedelta(hours=4)
# A failure counts for a day after its connection's last one (axes forgets older rows).
MEMORY = settings.AXES_COOLOFF_TIME
ALERT_AT = 50  # failures for one username in MEMORY, all connections: administrators are told
USERNAME_LOCK_AT = 1000  # ... the username is locked for every connection, and they are told
NEVER = 2**31 - 1  # a failure limit no count reaches

# The client key as an address in fd00::/8 (IPv6 unique local addresses, never routed on the
# internet), from 120 of its 128 bits. Axes keeps the "address" in a GenericIPAddressField (inet
# in PostgreSQL), so the key has to be an address; one from a private range cannot be mistaken
# for anyone's real address, and it is as useless as the key once the day's secret is gone.
CLIENT_PREFIX = 0xFD << 120


def client_address(client_key: str) -> str:
    return str(ipaddress.IPv6Address(CLIENT_PREFIX | int(client_key[:30], 16)))


def axes_client_ip(request) -> str:
    """What axes stores as the address: the connection's daily client key (helpportal/privacy.py),
    never the address itself, which the privacy middleware has removed anyway."""
    key = getattr(request, "client_key", None)
    return client_address(str(key) if key is not None else client_key_for(""))


@dataclass(frozen=True)
class Lock:
    until: datetime
    everywhere: bool  # the username is locked for every connection, not only this one


def _normal(address: str | None) -> str:
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return ""


def _attempts(username: str, at: datetime) -> list[tuple[str, int, datetime]]:
    """(connection, failures, last failure) for each connection that failed for `username`
    within MEMORY of `at`, oldest first."""
    rows = AccessAttempt.objects.filter(username=username, attempt_time__gte=at - MEMORY)
    return [
        (_normal(address), failures, last)
        for address, failures, last in rows.order_by("attempt_time").values_list(
            "ip_address", "failures_since_start", "attempt_time")
    ]


def wait_after(failures: int) -> timedelta:
    """How long one connection waits after its `failures`-th wrong password (FREE_TRIES or more)."""
    return min(FIRST_WAIT * 2 ** min(failures - FREE_TRIES, 16), LONGEST_WAIT)


def sign_in_lock(*, username: str | None, client: str, at: datetime) -> Lock | None:
    """Whether a password for `username` from connection `client` is refused unchecked at `at`,
    and until when. The one place the lockout is decided.

    - One connection: its first FREE_TRIES wrong passwords are free. After that it waits
      FIRST_WAIT after the last failure, then may try once; each further failure doubles the
      wait, up to LONGEST_WAIT. Tries refused meanwhile are not counted (axes does not record
      them), so they do not lengthen the wait. A right password clears that connection's count
      (axes' AXES_RESET_ON_SUCCESS deletes this row only).
    - The username: when USERNAME_LOCK_AT failures or more from all connections together fall
      within MEMORY, every connection is refused until enough of them are older than MEMORY.
      Far more than an owner's typing errors: one connection makes about 15 failures in its
      first day and 6 a day after, so it takes several dozen trying as fast as their waits
      allow. Below it, wrong passwords from elsewhere never keep the owner out.

    Axes' rows are per (username, connection): failures_since_start is the count and
    attempt_time the last failure; a row older than MEMORY is forgotten (AXES_COOLOFF_TIME)
    and deleted at the next sign-in attempt. An unknown username is treated like a real one.
    """
    if not username:
        return None
    attempts = _attempts(username, at)
    until = None
    for connection, failures, last in attempts:
        if connection == client and failures >= FREE_TRIES:
            until = last + wait_after(failures)
    lock = Lock(until, everywhere=False) if until is not None and until > at else None
    remaining = sum(failures for _, failures, _ in attempts)
    if remaining >= USERNAME_LOCK_AT:
        for _, failures, last in attempts:  # the oldest rows are forgotten first
            remaining -= failures
            if remaining < USERNAME_LOCK_AT:
                if lock is None or last + MEMORY > lock.until:
                    lock = Lock(last + MEMORY, everywhere=True)
                break
    return lock


def request_lock(request, credentials=None) -> Lock | None:
    return sign_in_lock(username=get_client_username(request, credentials),
                        client=request.axes_ip_address,
                        at=request.axes_attempt_time or timezone.now())


def axes_failure_limit(request, credentials=None) -> int:
    """AXES_FAILURE_LIMIT: axes refuses when its count for this username and connection reaches
    the limit; 0 when sign_in_lock says this try is refused, else a count never reached."""
    return 0 if request_lock(request, credentials) is not None else NEVER


def sign_in_attack_alert(*, username: str, at: datetime) -> None:
    """Tell administrators, once a day each, when an existing account's failures from all
    connections reach ALERT_AT, and when they reach USERNAME_LOCK_AT (the lock starts)."""
    attempts = _attempts(username, at)
    failures = sum(count for _, count, _ in attempts)
    if failures < ALERT_AT or not get_user_model().objects.filter(username=username).exists():
        return
    facts = {"failures": failures, "username": username,
             "clients": len({connection for connection, _, _ in attempts})}
    if failures >= USERNAME_LOCK_AT:
        lock = sign_in_lock(username=username, client="", at=at)
        until = timezone.localtime(lock.until).strftime("%Y-%m-%d %H:%M %Z") if lock else "-"
        administrators_alert(
            "sign_in_attack", subject_key=f"{username}:locked",
            once_per=int(MEMORY.total_seconds()), **facts,
            consequence=f"The account is now locked for everyone, its owner too, until about "
                        f"{until}, unless an administrator unlocks it sooner.")
    else:
        administrators_alert(
            "sign_in_attack", subject_key=f"{username}:many",
            once_per=int(MEMORY.total_seconds()), **facts,
            consequence=f"Each of those connections is slowed down; the owner can still sign "
                        f"in from their own. At {USERNAME_LOCK_AT} the account is locked for "
                        f"everyone.")


class SignInAttemptHandler(AxesDatabaseHandler):
    """Axes' database handler, and the alerts once a failure has been counted."""

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        refused_unchecked = getattr(request, "axes_locked_out", False)
        super().user_login_failed(sender, credentials, request=request, **kwargs)
        username = get_client_username(request, credentials) if request is not None else None
        if username and not refused_unchecked:
            sign_in_attack_alert(username=username, at=request.axes_attempt_time)


def lockout_response(request, original_response=None, credentials=None):
    lock = request_lock(request, credentials)
    now = timezone.now()
    # Whole minutes, rounded up: "1 minute" rather than "0 minutes" for the last few seconds.
    wait = max(lock.until - now, timedelta(0)) if lock else FIRST_WAIT
    until = now + timedelta(minutes=max(1, math.ceil(wait.total_seconds() / 60)))
    response = render(
        request,
        "staff/locked.html",
        {"title": _("Account locked for now"), "now": now, "until": until,
         "everywhere": bool(lock and lock.everywhere), "free_tries": FREE_TRIES},
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )
    response["Cache-Control"] = "no-store"
    return response
