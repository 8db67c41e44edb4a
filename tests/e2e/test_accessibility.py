"""axe-core finds nothing to fix on any public page, with and without the site's script.

One test per language and mode visits every page of that language (a browser test empties
and reloads the database, so one per page would be slow); a failure names each page.
"""

import pytest

from proof.public_urls import LANGUAGE_CODES, public_paths

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("language", LANGUAGE_CODES)
@pytest.mark.parametrize("own_script", ["with its script", "without its script"])
def test_every_public_page_has_no_accessibility_violations(
    new_context, axe_violations, language, own_script
):
    # axe needs JavaScript itself, so "JS off" is the page with its own scripts blocked.
    blocked = own_script == "without its script"
    visit = new_context(javascript=True, block_own_scripts=blocked)
    found = {}
    for path in public_paths(language):
        visit.goto(path)
        violations = axe_violations(visit.page)
        if violations:
            found[path] = violations
    if blocked:
        assert visit.blocked_own, "no page loaded a script of its own to block"
    report = "\n".join(f"{path}:\n  " + "\n  ".join(lines) for path, lines in found.items())
    assert found == {}, f"axe ({own_script}):\n{report}"
