"""Client keys that tell visitors apart for rate limits without storing who they are."""

import hashlib
import hmac
import secrets

from django.core.cache import cache
from django.utils import timezone

SECRET_TTL = 48 * 60 * 60  # a day's secret outlives its day only as long as a limit needs it


def _daily_secret() -> bytes:
    key = f"client-key-secret:{timezone.now().date().isoformat()}"
    secret = cache.get(key)
    if secret is None:
        cache.add(key, secrets.token_hex(32), SECRET_TTL)
        secret = cache.get(key)
    return secret.encode()


def client_key_for(address: str) -> str:
    """A keyed hash of the address under today's secret; useless once the secret expires."""
    return hmac.new(_daily_secret(), address.encode(), hashlib.sha256).hexdigest()[:32]
