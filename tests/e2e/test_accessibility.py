"""axe-core finds nothing to fix on any public page, with and without the site's script."""

import pytest

from tests.public_urls import all_public_paths

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("path", all_public_paths())
def test_a_public_page_has_no_accessibility_violations(new_context, axe_violations, path):
    visit = new_context(javascript=True)
    visit.goto(path)

    violations = axe_violations(visit.page)

    assert violations == [], f"axe on {path}:\n" + "\n".join(violations)


@pytest.mark.parametrize("path", all_public_paths())
def test_a_public_page_without_its_script_has_no_accessibility_violations(
    new_context, axe_violations, path
):
    # axe needs JavaScript itself, so "JS off" is the page with its own scripts blocked.
    visit = new_context(javascript=True, block_own_scripts=True)
    visit.goto(path)

    violations = axe_violations(visit.page)

    assert visit.blocked_own, f"{path} loaded no script of its own to block"
    assert violations == [], f"axe on {path} without its script:\n" + "\n".join(violations)
