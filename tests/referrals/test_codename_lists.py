"""The codename word lists: one per shipped language, big enough for 80 bits in seven words,
easy to write down, no two words alike once case and accents are folded away, and none of the
words a frightened person must never be handed (referrals/wordlists/)."""

import math

import pytest
from django.conf import settings

from referrals import codenames
from referrals.wordlists.build import (
    MAX_LENGTH,
    MIN_LENGTH,
    SOURCES,
    denied,
    deny_entries,
    deny_for,
)

LANGUAGES = [code for code, _name in settings.LANGUAGES]

# The categories every deny list covers (its headings), and words of each that must be out.
CATEGORIES = ("sex", "body", "child", "crime", "violence", "death", "shame", "number")
MUST_BE_OUT = {
    "en": ["sex", "naked", "kiss", "hand", "mouth", "child", "girl", "boy", "school", "mother",
           "police", "prison", "jail", "crime", "knife", "gun", "blood", "death", "grave",
           "shame", "secret", "one", "seven", "twelve", "hundred", "teenage"],
    "fi": ["seksi", "alasti", "suudella", "käsi", "suu", "lapsi", "tyttö", "poika", "koulu",
           "äiti", "poliisi", "vankila", "rikos", "veitsi", "ase", "veri", "kuolema", "hauta",
           "häpeä", "salaisuus", "yksi", "seitsemän", "kaksitoista", "sata", "teini"],
    "sv": ["sex", "naken", "kyss", "hand", "mun", "barn", "flicka", "pojke", "skola", "mamma",
           "polis", "fängelse", "brott", "kniv", "vapen", "blod", "död", "grav", "skam",
           "hemlig", "ett", "sju", "tolv", "hundra", "tonåring"],
}


def test_every_shipped_language_has_a_list_and_a_deny_list():
    assert set(LANGUAGES) <= set(SOURCES)
    assert set(LANGUAGES) <= codenames.wordlist_languages()


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_list_gives_seven_words_of_80_bits_or_more(language):
    words = codenames.wordlist(language)
    assert len(words) == len(set(words))
    assert codenames.codename_bits(language) >= codenames.MINIMUM_BITS
    assert codenames.WORDS * math.log2(len(words)) == codenames.codename_bits(language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_word_is_short_plain_letters_of_the_language(language):
    letters = set(SOURCES[language][1])
    for word in codenames.wordlist(language):
        assert MIN_LENGTH <= len(word) <= MAX_LENGTH, word
        assert set(word) <= letters and word.islower(), word


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_two_words_collide_once_case_accents_spaces_and_hyphens_are_folded(language):
    folded = [codenames.codename_normalise(word) for word in codenames.wordlist(language)]
    assert len(folded) == len(set(folded))
    assert all("-" not in word for word in folded)  # one word stays one word


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_word_of_a_list_is_on_a_deny_list(language):
    words, stems = deny_for(language)
    assert [word for word in codenames.wordlist(language) if denied(word, words, stems)] == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_deny_list_covers_every_category(language):
    path = codenames.WORDLISTS / f"deny-{language}.txt"
    headings = " ".join(line.lower() for line in path.read_text(encoding="utf-8").splitlines()
                        if line.startswith("#"))
    assert [category for category in CATEGORIES if category not in headings] == []
    words, stems = deny_entries(language)
    assert len(words) + len(stems) >= 1000
    for word in MUST_BE_OUT[language]:
        assert denied(word, words, stems), word
        assert word not in codenames.wordlist(language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_codename_is_seven_words_of_its_language_and_reads_back_however_typed(language):
    codename = codenames.codename_generate(language)
    words = codename.split("-")
    assert len(words) == codenames.WORDS
    assert set(words) <= set(codenames.wordlist(language))
    typed = "  ".join(word.upper() for word in words)
    assert codenames.codename_normalise(typed) == codenames.codename_normalise(codename)
    assert codenames.codename_normalise(codename) == "-".join(
        codenames.word_fold(word) for word in words)


def test_a_language_without_a_list_gets_english_words():
    assert codenames.wordlist("xx") == codenames.wordlist("en")
