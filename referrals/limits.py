"""Rate limits keyed by the address-free client key (helpportal/privacy.py), in the cache only.

A limit that cannot be checked (cache down) lets the request through: losing a referral to a
broken limiter would be worse than a burst of spam.
"""

import logging

from django.core.cache import cache
from django.utils import timezone

logger = logging.getLogger(__name__)


def _hit(key: str, limit: int, ttl: int) -> bool:
    """Count one attempt; True while the count is within the limit."""
    try:
        cache.add(key, 0, ttl)
        count = cache.incr(key)
    except Exception:  # noqa: BLE001 (the limiter must never break the service)
        logger.warning("rate limit unavailable for %s", key.split(":")[0])
        return True
    return count <= limit


def referral_allowed(client_key: str, *, per_day: int, global_per_hour: int) -> bool:
    now = timezone.now()
    day, hour = now.strftime("%Y%m%d"), now.strftime("%Y%m%d%H")
    if not _hit(f"referral-global:{hour}", global_per_hour, 2 * 3600):
        return False
    return _hit(f"referral-client:{day}:{client_key}", per_day, 48 * 3600)


def mailbox_attempt_allowed(client_key: str, *, per_hour: int) -> bool:
    hour = timezone.now().strftime("%Y%m%d%H")
    return _hit(f"mailbox-client:{hour}:{client_key}", per_hour, 2 * 3600)
