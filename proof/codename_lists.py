"""The codename word lists, as the privacy part reports them: per language its size, the bits
of a seven-word codename, its deny list's entries, and that no word of it is on a deny list or
collides with another once folded (referrals/wordlists/, tests/referrals/test_codename_lists.py
checks the same and more)."""

from __future__ import annotations

import math

from proof.checks import Check


def run() -> list[Check]:
    from referrals import codenames
    from referrals.wordlists.build import SOURCES, denied, deny_entries, deny_for

    checks = []
    for language in sorted(SOURCES):
        words = codenames.wordlist(language)
        bits = codenames.WORDS * math.log2(len(words))
        deny_words, stems = deny_for(language)
        on_a_deny_list = [word for word in words if denied(word, deny_words, stems)]
        folded = {codenames.codename_normalise(word) for word in words}
        own_words, own_stems = deny_entries(language)
        checks.append(Check(
            "privacy", f"codename words ({language}): size, bits, denied words in it",
            f"{len(words)} words, {bits:.1f} bits in {codenames.WORDS}; deny list "
            f"{len(own_words)} words and {len(own_stems)} stems; {len(on_a_deny_list)} denied "
            f"and {len(words) - len(folded)} colliding words in the list",
            ">= 80 bits; 0 denied; 0 colliding",
            bits >= codenames.MINIMUM_BITS and not on_a_deny_list and len(folded) == len(words),
            [f"denied but listed: {word}" for word in on_a_deny_list[:20]],
        ))
    return checks
