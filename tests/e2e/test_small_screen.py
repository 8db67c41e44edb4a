"""On a 320 px wide phone nothing scrolls sideways and quick exit is in view at once."""

import pytest

from tests.public_urls import public_paths

pytestmark = pytest.mark.browser

WIDTH, HEIGHT = 320, 640


@pytest.mark.parametrize("path", public_paths("en"))
def test_a_public_page_fits_a_small_phone_with_quick_exit_in_view(new_context, path):
    visit = new_context(viewport=(WIDTH, HEIGHT))
    page = visit.page
    visit.goto(path)

    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= WIDTH, f"{path} scrolls sideways: {scroll_width}px wide"

    assert page.evaluate("window.scrollY") == 0
    button = page.locator("#quick-exit")
    assert button.is_visible()
    box = button.bounding_box()
    assert box is not None
    assert box["x"] >= 0 and box["x"] + box["width"] <= WIDTH, f"quick exit off-screen: {box}"
    assert box["y"] >= 0 and box["y"] + box["height"] <= HEIGHT, f"quick exit below fold: {box}"
