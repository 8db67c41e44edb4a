"""Encryption at rest for referral words, and the keyed hash of codenames.

Keys come from the environment (REFERRAL_KEYS, CODENAME_KEY), never from the database. In the
embedded development mode (DEBUG on, no keys set) both are derived from SECRET_KEY so that
`dev.py run` works; production refuses to start without them (helpportal/settings.py).
"""

import base64
import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


def _derived(purpose: str) -> bytes:
    return hashlib.sha256(f"{purpose}:{settings.SECRET_KEY}".encode()).digest()


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        keys = (base64.urlsafe_b64encode(_derived("referral-key")).decode(),)
    return MultiFernet([Fernet(key.encode()) for key in keys])


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.REFERRAL_KEYS))


def encrypt(text: str) -> str:
    if not text:
        return ""
    return fernet().encrypt(text.encode()).decode()


def decrypt(token: str) -> str:
    if not token:
        return ""
    return fernet().decrypt(token.encode()).decode()


def rotate(token: str) -> str:
    """The same words under the newest key."""
    if not token:
        return ""
    return fernet().rotate(token.encode()).decode()


def codename_hash(normalised: str) -> str:
    key = settings.CODENAME_KEY.encode() or _derived("codename-key")
    return hmac.new(key, normalised.encode(), hashlib.sha256).hexdigest()


__all__ = ["InvalidToken", "codename_hash", "decrypt", "encrypt", "rotate"]
