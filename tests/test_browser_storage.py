"""What static/js/site.js can keep in a visitor's browser, read from the script itself.

The privacy page and docs/privacy.md promise one localStorage key holding opaque step ids and
exercise answers under opaque ids, and nothing else; the e2e suites (test_done_ticks,
test_exercises, test_quick_exit) check the same key in chromium and that quick exit clears it.
"""

import re
from pathlib import Path

SITE_JS = Path(__file__).resolve().parent.parent / "static" / "js" / "site.js"
DOCS = Path(__file__).resolve().parent.parent / "docs" / "privacy.md"

# Every key the script may write, as documented.
STORAGE_KEYS = {"hp"}


def script() -> str:
    """The script's code, without its comments (which may name what it avoids)."""
    source = SITE_JS.read_text()
    source = re.sub(r"/\*.*?\*/", "", source, flags=re.S)
    return re.sub(r"(?m)^\s*//.*$|\s//[^\n\"]*$", "", source)


def storage_keys_written(source: str) -> set[str]:
    """The keys of every setItem call, resolving the constants they are named by."""
    constants = dict(re.findall(r'var ([A-Z_]+) = "([^"]*)";', source))
    keys = set()
    for argument in re.findall(r"\.setItem\(\s*([^,]+?)\s*,", source):
        if argument in constants:
            keys.add(constants[argument])
        elif re.fullmatch(r'"[^"]*"', argument):
            keys.add(argument.strip('"'))
        else:
            raise AssertionError(f"setItem with a key that is not a constant: {argument}")
    return keys


def test_the_script_writes_only_the_documented_key():
    source = script()
    assert ".setItem(" in source
    assert storage_keys_written(source) == STORAGE_KEYS


def test_the_stored_value_names_no_pathway_step_or_exercise():
    source = script()
    # The key is fixed; what goes in is one object: the ids of steps done and the answers,
    # every one of them under an opaqueId(...), an FNV-1a hash of pathway/step(/exercise).
    assert re.findall(r"\.setItem\(\s*STORE_KEY\s*,\s*(.*?)\);", source) == [
        "JSON.stringify(store)"]
    assert re.findall(r"store\.a\[(\w+)\]\s*=", source) == ["answerId"]
    assert re.findall(r"var answerId = (\w+)\(", source) == ["opaqueId"]
    assert re.findall(r"store\.d\s*=\s*(\w+);", source) == ["ids"]
    assert "function stepId(pathway, step) { return opaqueId(" in source
    assert "function opaqueId(" in source


def test_the_script_uses_no_other_kind_of_browser_storage():
    source = script()
    for other in ("document.cookie", "indexedDB", "caches.open", "serviceWorker", "openDatabase"):
        assert other not in source, other
    # sessionStorage is only ever cleared, never written.
    assert "sessionStorage.setItem" not in source


def test_the_script_makes_no_markup_or_code_from_strings():
    """For the CSP's require-trusted-types-for 'script'."""
    source = script()
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(",
                 "new Function", "setTimeout(", "setInterval("):
        assert sink not in source, sink


def test_the_key_is_documented():
    text = DOCS.read_text()
    for key in STORAGE_KEYS:
        assert f"`{key}`" in text
