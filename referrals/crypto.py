"""How a referral's words are sealed, and what a codename derives (docs/referrals.md, "Keys").

Sealed threads. Each referral has a key pair of its own. The visitor's words, the contact
detail and every later message (both ways) are sealed to its public key (`thread_seal`); its
private key is sealed to the organisation's key and to the visitor's key, which their codename
derives (`visitor_keypair`). After the submit request nothing the server stores opens a
thread: only the codename, or a member's password through their grant, does.

A codename (seven words, at least 80 bits) derives two unrelated values with HKDF under the
server pepper CODENAME_KEY and a purpose label: the lookup id stored with the referral, and the
seed of the visitor's key pair, stored nowhere. At 80 bits no slow hash is needed; the pepper
means a stolen database alone cannot even test a guess.

Legacy: before sealing, words were Fernet tokens under REFERRAL_KEYS, found by an HMAC of the
codename (`codename_hash`). `manage.py referrals_seal` seals those threads; until it has run,
such tokens are still read here. In the embedded development mode (DEBUG on, no keys set) the
keys are derived from SECRET_KEY so that `dev.py run` works.

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

from helpportal import sealing


def _derived(purpose: str) -> bytes:
    return hashlib.sha256(f"{purpose}:{settings.SECRET_KEY}".encode()).digest()


def site_key(purpose: str) -> bytes:
    """A key of the site's own for one purpose, from SECRET_KEY (the seed of a form's
    codename, referrals/views_visitor.py)."""
    return _derived(purpose)


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


# ---------------------------------------------------------------------------------------------
# Sealed threads

SEALED = "s1:"  # the prefix of a sealed text; anything else is a legacy Fernet token


def _pepper() -> bytes:
    return settings.CODENAME_KEY.encode() or _derived("codename-key")


def derive_from_codename(normalised: str, *, pepper: bytes, purpose: str) -> bytes:
    """What a normalised codename derives for `purpose` under `pepper` (the server's is
    CODENAME_KEY). The "codename:" prefix keeps HKDF's extract step from equalling the legacy
    HMAC of the codename (codename_hash), which older rows store."""
    return sealing.secret_key(f"codename:{normalised}", pepper=pepper, purpose=purpose)


def codename_lookup(normalised: str) -> str:
    """The lookup id of a (normalised) codename: stored with the referral, opens nothing."""
    return derive_from_codename(normalised, pepper=_pepper(), purpose="codename-lookup").hex()


def visitor_keypair(normalised: str) -> sealing.KeyPair:
    """The visitor's key pair, from their codename alone (and the pepper); stored nowhere."""
    return sealing.keypair_from_seed(
        derive_from_codename(normalised, pepper=_pepper(), purpose="codename-key")
    )


def thread_seal(public: bytes, text: str) -> str:
    if not text:
        return ""
    return SEALED + base64.b64encode(sealing.seal(bytes(public), text.encode())).decode()


def thread_open(private: bytes | None, token: str) -> str:
    """A text of a thread: a sealed one with the thread's private key, a legacy one with
    REFERRAL_KEYS. SealError if it does not open; never part of it."""
    if not token:
        return ""
    if token.startswith(SEALED):
        if private is None:
            raise sealing.SealError("no key for a sealed text")
        try:
            data = base64.b64decode(token[len(SEALED):].encode(), validate=True)
        except ValueError as error:
            raise sealing.SealError("not base64") from error
        plain = sealing.unseal(private, data)
    else:
        try:
            plain = fernet().decrypt(token.encode())
        except InvalidToken as error:
            raise sealing.SealError("a legacy token no key reads") from error
    try:
        return plain.decode()
    except UnicodeDecodeError as error:
        raise sealing.SealError("not text") from error


def is_sealed(token: str) -> bool:
    return token.startswith(SEALED)


__all__ = [
    "InvalidToken", "codename_hash", "codename_lookup", "decrypt", "encrypt", "is_sealed",
    "rotate", "thread_open", "thread_seal", "visitor_keypair",
]
