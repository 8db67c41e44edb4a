"""Encryption at rest for referral words, and the keyed hash of codenames.

Keys come from the environment (REFERRAL_KEYS, CODENAME_KEY), never from the database. In the
embedded development mode (DEBUG on, no keys set) both are derived from SECRET_KEY so that
`dev.py run` works; production refuses to start without them (helpportal/settings.py).

A Fernet token carries in clear the time it was made. Tokens are made as of midnight UTC of
the day, so one reveals the day a visitor or clinician wrote, never the second (DESIGN.md:
timestamps of anything a visitor causes are coarsened to the day). Nothing here decrypts with
a ttl, which would read that time as an age.
"""

import base64
import hashlib
import hmac
import time
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


def _day_start(timestamp: int) -> int:
    """Midnight UTC of the day of a Unix time: the only time a token is allowed to tell."""
    return timestamp - timestamp % 86400


def encrypt(text: str) -> str:
    if not text:
        return ""
    return fernet().encrypt_at_time(text.encode(), _day_start(int(time.time()))).decode()


def decrypt(token: str) -> str:
    if not token:
        return ""
    return fernet().decrypt(token.encode()).decode()


def rotate(token: str) -> str:
    """The same words under the newest key, dated the same day. MultiFernet.rotate would keep
    the token's time as it is, and tokens made before `encrypt` dated them to the day carry
    their second: rotating is when that goes."""
    if not token:
        return ""
    multi = fernet()
    data = multi.decrypt(token.encode())  # InvalidToken if no key reads it, as rotate raises
    made_at = multi.extract_timestamp(token.encode())
    return multi.encrypt_at_time(data, _day_start(made_at)).decode()


def codename_hash(normalised: str) -> str:
    key = settings.CODENAME_KEY.encode() or _derived("codename-key")
    return hmac.new(key, normalised.encode(), hashlib.sha256).hexdigest()


__all__ = ["InvalidToken", "codename_hash", "decrypt", "encrypt", "rotate"]
