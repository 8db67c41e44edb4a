"""Every UI string is translated in every shipped language, and the compiled catalogs match."""

from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
TRANSLATED = [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]


def catalog(code: str, kind: str):
    path = ROOT / "locale" / code / "LC_MESSAGES" / f"django.{kind}"
    with path.open("rb") as handle:
        return read_po(handle) if kind == "po" else read_mo(handle)


@pytest.mark.parametrize("code", TRANSLATED)
def test_every_message_is_translated_and_none_is_fuzzy(code):
    po = catalog(code, "po")
    untranslated = [m.id for m in po if m.id and not all(m.string if isinstance(m.string, tuple)
                                                          else [m.string])]
    fuzzy = [m.id for m in po if m.id and m.fuzzy]
    assert untranslated == []
    assert fuzzy == []
    assert len([m for m in po if m.id]) > 50


@pytest.mark.parametrize("code", TRANSLATED)
def test_the_compiled_catalog_matches_its_source(code):
    def flat(value):
        return value if isinstance(value, str) else tuple(value)

    po = {flat(m.id): flat(m.string) for m in catalog(code, "po") if m.id}
    mo = {flat(m.id): flat(m.string) for m in catalog(code, "mo") if m.id}
    assert mo == po


@pytest.mark.parametrize("code", TRANSLATED)
def test_placeholders_survive_translation(code):
    import re

    pattern = re.compile(r"%\(\w+\)s|\{\w*\}|<[^>]+>")
    for message in catalog(code, "po"):
        if message.id and message.string:
            source = message.id if isinstance(message.id, str) else message.id[-1]
            targets = message.string if isinstance(message.string, tuple) else [message.string]
            for target in targets:
                assert sorted(pattern.findall(source)) == sorted(pattern.findall(target)), source
