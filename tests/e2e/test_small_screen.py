"""On a 320 px wide phone nothing scrolls sideways and quick exit is in view at once."""

import pytest

from proof.public_urls import public_paths

pytestmark = pytest.mark.browser

WIDTH, HEIGHT = 320, 640


@pytest.mark.parametrize("language", ["en", "fi", "sv"])
def test_every_public_page_fits_a_small_phone_with_quick_exit_in_view(new_context, language):
    visit = new_context(viewport=(WIDTH, HEIGHT))
    page = visit.page
    problems = []
    for path in public_paths(language):
        visit.goto(path)
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        if scroll_width > WIDTH:
            problems.append(f"{path} scrolls sideways: {scroll_width}px wide")
        button = page.locator("#quick-exit")
        box = button.bounding_box() if button.is_visible() else None
        if box is None:
            problems.append(f"{path}: quick exit not visible")
        elif not (box["x"] >= 0 and box["x"] + box["width"] <= WIDTH
                  and box["y"] >= 0 and box["y"] + box["height"] <= HEIGHT):
            problems.append(f"{path}: quick exit not in the first screen: {box}")
    assert problems == []
