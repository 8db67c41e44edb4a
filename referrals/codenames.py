"""Codenames: seven random words from a list in the visitor's language, shown once and stored
nowhere. What the server keeps is derived from them (referrals/crypto.py): a lookup id; and
the visitor's key, which opens their thread, is derived again on each visit.

Each shipped language has its own list (referrals/wordlists/<language>.txt, built by
referrals/wordlists/build.py from the sources named in SOURCES.md, with the words of
deny-<language>.txt taken out). A codename is typed back in any case, with or without accents,
and with any spaces, hyphens or punctuation between the words: `codename_normalise` folds all of
that away, so the words of every list stay distinct after folding (tests/referrals/
test_codename_lists.py).
"""

import math
import re
import secrets
import unicodedata
from functools import lru_cache
from pathlib import Path

from django.conf import settings

WORDS = 7
MINIMUM_BITS = 80
WORDLISTS = Path(__file__).resolve().parent / "wordlists"


def word_fold(word: str) -> str:
    """A word without case or accents: "Äänestää" and "aanestaa" are the same word."""
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


@lru_cache(maxsize=8)
def wordlist(language: str) -> tuple[str, ...]:
    """The language's word list, or English's for a language without one."""
    path = WORDLISTS / f"{language}.txt"
    if language not in wordlist_languages():
        path = WORDLISTS / "en.txt"
    return tuple(path.read_text(encoding="utf-8").split())


@lru_cache(maxsize=1)
def wordlist_languages() -> frozenset[str]:
    return frozenset(path.stem for path in WORDLISTS.glob("*.txt"))


def codename_bits(language: str) -> float:
    return WORDS * math.log2(len(wordlist(language)))


def codename_generate(language: str = "", *, seed: bytes | None = None) -> str:
    """Seven words, each chosen uniformly from the list of the visitor's language: at random
    (secrets), or from `seed` (32 or more random bytes; the same seed gives the same words)."""
    words = wordlist(language or settings.LANGUAGE_CODE)
    if seed is None:
        return "-".join(secrets.choice(words) for _ in range(WORDS))
    return "-".join(words[index] for index in _indices(seed, len(words), WORDS))


def _indices(seed: bytes, size: int, count: int) -> list[int]:
    """`count` uniform indices below `size` from an HKDF stream of the seed (two bytes a draw,
    rejection-sampled, so no index is likelier than another)."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    stream = HKDF(algorithm=hashes.SHA256(), length=2 * 8 * count, salt=None,
                  info=b"helpportal/codename-words/v1").derive(seed)
    limit = (1 << 16) // size * size
    indices = []
    for offset in range(0, len(stream), 2):
        value = int.from_bytes(stream[offset:offset + 2], "big")
        if value < limit:
            indices.append(value % size)
            if len(indices) == count:
                return indices
    raise ValueError("the seed's stream ran out")  # about (1 - limit/65536)^(8*count) - never


def codename_language_of(codename: str) -> str:
    """The language whose list holds every word of a codename as shown, or "" if none does."""
    words = codename.split("-")
    if len(words) != WORDS:
        return ""
    for language in sorted(wordlist_languages()):
        listed = _word_set(language)
        if all(word in listed for word in words):
            return language
    return ""


@lru_cache(maxsize=8)
def _word_set(language: str) -> frozenset[str]:
    return frozenset(wordlist(language))


def codename_normalise(text: str) -> str:
    """The words in order, lower case, accents folded, joined by hyphens. Case, accents,
    spaces, hyphens and stray punctuation do not matter."""
    return "-".join(re.findall(r"[a-z]+", word_fold(text)))


def contains_codename(message: str, codename_normalised: str) -> bool:
    """True when the message holds the codename's words in order (any separators)."""
    return f"-{codename_normalised}-" in f"-{codename_normalise(message)}-"
