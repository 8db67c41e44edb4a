"""Codenames: several random words, shown once, stored only as a keyed hash."""

import re
import secrets
from functools import lru_cache

from xkcdpass import xkcd_password

from .crypto import codename_hash

WORDS = 7


@lru_cache(maxsize=1)
def wordlist() -> tuple[str, ...]:
    """The EFF long wordlist shipped with xkcdpass (7,776 words), letters only."""
    words = xkcd_password.generate_wordlist(
        wordfile=xkcd_password.locate_wordfile("eff-long"), min_length=3, max_length=10
    )
    return tuple(sorted({word for word in words if word.isalpha() and word.islower()}))


def codename_generate() -> str:
    words = wordlist()
    return "-".join(secrets.choice(words) for _ in range(WORDS))


def codename_normalise(text: str) -> str:
    """Case, spaces, hyphens and stray punctuation do not matter."""
    return "-".join(re.findall(r"[a-z]+", text.lower()))


def codename_lookup_hash(text: str) -> str:
    return codename_hash(codename_normalise(text))


def contains_codename(message: str, codename_normalised: str) -> bool:
    """True when the message holds the codename's words in order (any separators)."""
    return f"-{codename_normalised}-" in f"-{codename_normalise(message)}-"
