"""Build the codename word lists (referrals/wordlists/<language>.txt) from their sources.

    pip install wordfreq==3.1.1          # only for building; the site reads the .txt files
    python -m referrals.wordlists.build en fi sv

Each list is the source dictionary's words (`SOURCES`: xkcdpass's word lists, whose origins and
licences SOURCES.md names), letters only, of a length that is easy to write down, ordered by how
common they are (wordfreq), with every word the language's deny list (`deny-<language>.txt`)
matches taken out, and with no two words equal once case and accents are folded away
(`referrals.codenames.word_fold`): the first, more common one stays. At most `SIZE` words are
kept, the most common ones.

A deny list has one entry a line: a word, or a stem ending in `*` that takes out every word
starting with it; `#` starts a comment. Entries are folded the same way as the words. A
language's list also loses the plain words of every other language's deny list (a loanword
such as "video" or "trio" upsets in any language); stems apply to their own language only.
"""

import math
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SIZE = 4096  # 12 bits a word; seven words are 84 bits
MIN_LENGTH, MAX_LENGTH = 3, 9

# language: (xkcdpass word list, letters a word may hold)
SOURCES = {
    "en": ("eff-long", "abcdefghijklmnopqrstuvwxyz"),
    "fi": ("fin-kotus", "abcdefghijklmnopqrstuvwxyzåäö"),
    "sv": ("swe-short", "abcdefghijklmnopqrstuvwxyzåäö"),
}


def deny_entries(language: str) -> tuple[set[str], tuple[str, ...]]:
    from referrals.codenames import word_fold

    words, stems = set(), []
    path = HERE / f"deny-{language}.txt"
    for line in path.read_text(encoding="utf-8").splitlines():
        entry = line.split("#", 1)[0].strip().lower()
        if not entry:
            continue
        if entry.endswith("*"):
            stems.append(word_fold(entry[:-1]))
        else:
            words.add(word_fold(entry))
    return words, tuple(stems)


def deny_for(language: str) -> tuple[set[str], tuple[str, ...]]:
    """What the language's list may not hold: its own deny list, and the words of the others."""
    words, stems = deny_entries(language)
    for other in SOURCES:
        if other != language:
            words |= deny_entries(other)[0]
    return words, stems


def denied(word: str, words: set[str], stems: tuple[str, ...]) -> bool:
    from referrals.codenames import word_fold

    folded = word_fold(word)
    return folded in words or folded.startswith(stems)


def build(language: str) -> tuple[list[str], int]:
    """The list, and how many otherwise good words the deny list took out."""
    import wordfreq
    from xkcdpass import xkcd_password

    from referrals.codenames import word_fold

    source, letters = SOURCES[language]
    raw = Path(xkcd_password.locate_wordfile(source)).read_text(encoding="utf-8").split()
    candidates = {
        word for word in raw
        if word.islower() and MIN_LENGTH <= len(word) <= MAX_LENGTH and set(word) <= set(letters)
    }
    ranked = sorted(candidates, key=lambda word: (-wordfreq.zipf_frequency(word, language), word))
    deny_words, deny_stems = deny_for(language)
    kept, folded_seen, removed = [], set(), 0
    for word in ranked:
        folded = word_fold(word)
        if folded in folded_seen:
            continue
        if denied(word, deny_words, deny_stems):
            removed += 1
            continue
        folded_seen.add(folded)
        kept.append(word)
        if len(kept) == SIZE:
            break
    return sorted(kept), removed


def main(languages: list[str]) -> int:
    for language in languages or sorted(SOURCES):
        words, removed = build(language)
        (HERE / f"{language}.txt").write_text("\n".join(words) + "\n", encoding="utf-8")
        print(f"{language}: {len(words)} words ({math.log2(len(words)):.2f} bits each), "
              f"{removed} taken out by the deny lists")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
