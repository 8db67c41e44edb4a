"""Rate limits keyed by the address-free client key (helpportal/privacy.py), in the cache only.

A limit that cannot be checked (cache down) lets the request through: losing a referral to a
broken limiter would be worse than a burst of spam.

No limit here can be spent by one person for everyone else (docs/operations.md, "Referral
floods"): each client has its own count, and the site-wide and per-service ceilings do not
refuse anything: above them a new referral is taken and held for review.
"""

import enum
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.cache import cache
from django.utils import timezone

logger = logging.getLogger(__name__)


def _hit(key: str, ttl: int) -> int | None:
    """Count one attempt; the count so far, or None when the cache cannot be reached."""
    try:
        cache.add(key, 0, ttl)
        return cache.incr(key)
    except Exception:  # noqa: BLE001 (the limiter must never break the service)
        logger.warning("rate limit unavailable for %s", key.split(":")[0])
        return None


def _seconds_until(end: datetime, now: datetime) -> int:
    return max(60, int((end - now).total_seconds()))


class Admission(enum.Enum):
    ACCEPT = "accept"  # stored and passed on to the service as usual
    HOLD = "hold"  # stored, the visitor gets their codename; passed on after a review
    REFUSE = "refuse"  # this client sent too many today: nothing stored, the words given back


@dataclass(frozen=True)
class ReferralAdmission:
    admission: Admission
    retry_after: int = 0  # seconds, for REFUSE: when this client may send again
    ceiling: str = ""  # for HOLD: "site" or "service", the ceiling that was reached
    count: int = 0  # for HOLD: the count of that ceiling this hour


def referral_admission(client_key: str, service_id, *, per_client_per_day: int,
                       hold_above_per_hour: int,
                       hold_above_per_service_per_hour: int) -> ReferralAdmission:
    """Whether a new referral is taken, held or refused: the one rule, in one place.

    - A client (helpportal.privacy.client_network: an IPv4 address or an IPv6 /64) may send
      `per_client_per_day` referrals a day; after that its referrals are refused until the
      day ends (UTC). A refusal is not counted anywhere else, so one flooding client cannot
      bring the ceilings below any nearer.
    - Above `hold_above_per_hour` referrals in the hour site-wide, or
      `hold_above_per_service_per_hour` to one service, a referral is still taken (the person
      gets their codename and mailbox) but held: its service is told only once it is released
      (by an administrator in the admin, or by a clinician of the service in the inbox).
    """
    now = timezone.now()
    day, hour = now.strftime("%Y%m%d"), now.strftime("%Y%m%d%H")
    client = _hit(f"referral-client:{day}:{client_key}", 48 * 3600)
    if client is not None and client > per_client_per_day:
        tomorrow = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
        return ReferralAdmission(Admission.REFUSE, retry_after=_seconds_until(tomorrow, now))
    site = _hit(f"referral-site:{hour}", 2 * 3600)
    service = _hit(f"referral-service:{hour}:{service_id}", 2 * 3600)
    if site is not None and site > hold_above_per_hour:
        return ReferralAdmission(Admission.HOLD, ceiling="site", count=site)
    if service is not None and service > hold_above_per_service_per_hour:
        return ReferralAdmission(Admission.HOLD, ceiling="service", count=service)
    return ReferralAdmission(Admission.ACCEPT)


def mailbox_attempt_allowed(client_key: str, *, per_hour: int) -> tuple[bool, int]:
    """Whether a client may try a codename now; and, when not, in how many seconds (the
    hour's end)."""
    now = timezone.now()
    count = _hit(f"mailbox-client:{now:%Y%m%d%H}:{client_key}", 2 * 3600)
    if count is None or count <= per_hour:
        return True, 0
    next_hour = (now + timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)
    return False, _seconds_until(next_hour, now)
