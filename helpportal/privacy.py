"""Client keys that tell visitors apart for rate limits without storing who they are."""

import hashlib
import hmac
import ipaddress
import logging
import secrets

from django.core.cache import cache
from django.utils import timezone

logger = logging.getLogger(__name__)

SECRET_TTL = 48 * 60 * 60  # a day's secret outlives its day only as long as a limit needs it
# Today's secret for this process alone, used only while the cache cannot be reached.
_fallback: dict[str, str] = {}


def _daily_secret() -> bytes:
    day = timezone.now().date().isoformat()
    key = f"client-key-secret:{day}"
    try:
        secret = cache.get(key)
        if secret is None:
            cache.add(key, secrets.token_hex(32), SECRET_TTL)
            secret = cache.get(key)
    except Exception:  # noqa: BLE001 (a cache outage must not fail a visitor's request)
        logger.warning("client-key secret unavailable; using a process-local one")
        secret = None
    if secret is None:
        if day not in _fallback:
            _fallback.clear()
            _fallback[day] = secrets.token_hex(32)
        secret = _fallback[day]
    return secret.encode()


def client_network(address: str) -> str:
    """What one client is, for limits: an IPv4 address, or the /64 of an IPv6 address (one
    household's or one server's network, which can hand out addresses without end). An
    IPv4-mapped IPv6 address is its IPv4 address; anything that is no address stays as it is."""
    try:
        parsed = ipaddress.ip_address(address.strip().split("%")[0])
    except ValueError:
        return address
    if parsed.version == 6 and parsed.ipv4_mapped is not None:
        return str(parsed.ipv4_mapped)
    if parsed.version == 6:
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


def client_key_for(address: str) -> str:
    """A keyed hash of the client's network (client_network) under today's secret; useless
    once the secret expires."""
    network = client_network(address)
    return hmac.new(_daily_secret(), network.encode(), hashlib.sha256).hexdigest()[:32]
