"""Quick exit leaves for a neutral site at once, by mouse, by Esc and without JavaScript."""

import pytest

pytestmark = pytest.mark.browser

NEUTRAL = "https://neutral.example/"
NEUTRAL_PAGE = (
    "<!doctype html><html lang='en'><title>Neutral</title>"
    "<h1 id='neutral'>A neutral page</h1></html>"
)


@pytest.fixture
def neutral_site(settings):
    settings.QUICK_EXIT_URL = NEUTRAL
    return NEUTRAL


def serve_neutral_page(visit):
    """Answer the neutral site locally; the route is added last, so it wins over the guard."""
    visit.context.route(
        f"{NEUTRAL}**",
        lambda route: route.fulfill(status=200, content_type="text/html", body=NEUTRAL_PAGE),
    )


def assert_on_neutral_page(page):
    page.wait_for_url(f"{NEUTRAL}**")
    assert page.locator("#neutral").text_content() == "A neutral page"


def test_the_quick_exit_button_leaves_and_takes_the_page_out_of_the_history(
    new_context, neutral_site
):
    visit = new_context()
    serve_neutral_page(visit)
    page = visit.page
    visit.goto("/en/")
    visit.goto("/en/urgent-help/")

    page.locator("#quick-exit").click()
    assert_on_neutral_page(page)

    page.go_back(wait_until="load")
    assert page.url != visit.url("/en/urgent-help/"), (
        "Back returned to the page the visitor left with quick exit"
    )
    assert page.url in (visit.url("/en/"), "about:blank")
    assert visit.foreign_requests == []


def test_pressing_escape_leaves_for_the_neutral_site(new_context, neutral_site):
    visit = new_context()
    serve_neutral_page(visit)
    page = visit.page
    visit.goto("/en/urgent-help/")

    page.keyboard.press("Escape")
    assert_on_neutral_page(page)
    assert visit.foreign_requests == []


def test_without_javascript_the_quick_exit_is_a_plain_working_link(new_context, neutral_site):
    visit = new_context(javascript=False)
    serve_neutral_page(visit)
    page = visit.page
    visit.goto("/en/urgent-help/")

    link = page.locator("#quick-exit")
    assert link.get_attribute("href") == NEUTRAL
    link.click()
    assert_on_neutral_page(page)
    assert visit.foreign_requests == []


@pytest.mark.parametrize("javascript", [True, False], ids=["js-on", "js-off"])
def test_the_quick_exit_is_the_first_thing_after_the_skip_link_in_keyboard_order(
    new_context, neutral_site, javascript
):
    visit = new_context(javascript=javascript)
    page = visit.page
    visit.goto("/en/urgent-help/")

    page.keyboard.press("Tab")
    focused = page.locator(":focus")
    assert focused.get_attribute("class") == "skip-link"
    assert focused.get_attribute("href") == "#main"

    page.keyboard.press("Tab")
    focused = page.locator(":focus")
    assert focused.get_attribute("id") == "quick-exit"
    assert focused.is_visible()
