"""Quick exit leaves for a neutral site at once: by the button, by Shift pressed three times
(never while typing), and without JavaScript. It stays in view at every scroll position, takes
the page out of the history, and leaves nothing of this site in the browser's storage (done
ticks and exercise answers alike).

The core journey also runs in Firefox ESR (the `firefox` fixture of conftest.py).
"""

import threading
import tomllib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from proof.public_urls import SEED
from tests.test_browser_storage import STORAGE_KEYS

pytestmark = pytest.mark.browser

NEUTRAL_PAGE = (
    "<!doctype html><html lang='en'><title>Neutral</title>"
    "<h1 id='neutral'>A neutral page</h1></html>"
)
STORAGE_OF_THIS_SITE = (
    "[Object.keys(localStorage).length, Object.keys(sessionStorage).length]"
)


class _Neutral(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (the http.server name)
        body = NEUTRAL_PAGE.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def neutral_site(settings):
    """A neutral site on another local port (another origin than the live server)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Neutral)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}/neutral/"
    settings.QUICK_EXIT_URL = url
    yield url
    server.shutdown()
    server.server_close()


def serve_neutral_page(visit, neutral):
    """Let this context reach the neutral site; the route is added last, so it wins over the
    guard that aborts every other host. (A route that fulfils the redirect's target itself is
    not asked for a redirected navigation in chromium: the request went to the network.)"""
    visit.context.route(f"{neutral}**", lambda route: route.continue_())


def assert_on_neutral_page(page, neutral):
    page.wait_for_url(f"{neutral}**")
    assert page.locator("#neutral").text_content() == "A neutral page"


def longest_step() -> str:
    """The path of the seeded English step with the longest text."""
    best = ("", 0, 0)
    for path in sorted((SEED / "pathways").glob("*.en.toml")):
        data = tomllib.loads(path.read_text())
        for number, step in enumerate(data["step"], start=1):
            if len(step["body"]) > best[2]:
                best = (data["key"], number, len(step["body"]))
    return f"/en/pathways/{best[0]}/{best[1]}/"


def press_shift(page, times=3):
    for _ in range(times):
        page.keyboard.press("Shift")


def test_the_quick_exit_button_leaves_and_takes_the_page_out_of_the_history(
    new_context, neutral_site
):
    visit = new_context()
    serve_neutral_page(visit, neutral_site)
    page = visit.page
    visit.goto("/en/")
    visit.goto("/en/urgent-help/")

    page.locator("#quick-exit").click()
    assert_on_neutral_page(page, neutral_site)
    assert visit.url("/exit/") in visit.requests  # through the site's exit address

    page.go_back(wait_until="load")
    assert page.url != visit.url("/en/urgent-help/"), (
        "Back returned to the page the visitor left with quick exit"
    )
    assert page.url in (visit.url("/en/"), "about:blank")
    assert visit.foreign_requests == []


def test_pressing_shift_three_times_leaves_and_back_does_not_return(new_context, neutral_site):
    visit = new_context()
    serve_neutral_page(visit, neutral_site)
    page = visit.page
    visit.goto("/en/")
    step = longest_step()
    visit.goto(step)

    press_shift(page)
    assert_on_neutral_page(page, neutral_site)
    page.go_back(wait_until="load")
    assert page.url != visit.url(step)
    assert visit.foreign_requests == []


def test_escape_twice_shift_or_shift_with_a_letter_between_do_not_leave(new_context, neutral_site):
    visit = new_context()
    serve_neutral_page(visit, neutral_site)
    page = visit.page
    visit.goto("/en/urgent-help/")

    page.keyboard.press("Escape")  # the old shortcut: it left on any Esc, even in a form
    press_shift(page, 2)
    page.keyboard.press("a")
    press_shift(page, 2)
    page.wait_for_timeout(300)
    assert page.url == visit.url("/en/urgent-help/")
    assert not page.locator("body").evaluate("body => body.hidden")


@pytest.mark.parametrize("javascript", [True, False], ids=["js-on", "js-off"])
def test_shift_three_times_while_typing_a_referral_does_not_leave_or_lose_the_words(
    new_context, neutral_site, javascript
):
    from proof.public_urls import DEMO_SERVICE

    visit = new_context(javascript=javascript)
    serve_neutral_page(visit, neutral_site)
    page = visit.page
    path = f"/en/find-help/{DEMO_SERVICE}/refer/"
    visit.goto(path)

    box = page.locator("textarea").first
    box.click()
    box.press_sequentially("I want to talk to someone")
    press_shift(page)
    box.press_sequentially(" soon")
    press_shift(page, 4)
    page.wait_for_timeout(300)
    assert page.url == visit.url(path)
    assert box.input_value() == "I want to talk to someone soon"

    # The mailbox's codename box too.
    visit.goto("/en/mailbox/")
    field = page.locator("main input:not([type=hidden])").first
    field.click()
    press_shift(page)
    page.wait_for_timeout(300)
    assert page.url == visit.url("/en/mailbox/")


def test_without_javascript_the_quick_exit_is_a_plain_working_link(new_context, neutral_site):
    visit = new_context(javascript=False)
    serve_neutral_page(visit, neutral_site)
    page = visit.page
    visit.goto("/en/urgent-help/")

    link = page.locator("#quick-exit")
    assert link.get_attribute("href") == "/exit/"
    link.click()
    assert_on_neutral_page(page, neutral_site)
    assert visit.foreign_requests == []


def test_the_buttons_accessible_name_says_what_it_does_and_names_the_shift_key(new_context):
    visit = new_context()
    visit.goto("/en/")
    link = visit.page.get_by_role("link", name="Quick exit")
    assert link.count() == 1
    name = link.evaluate("element => element.textContent")
    assert "leaves this site now" in name
    assert "Shift key three times" in name


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


def quick_exit_is_in_view_and_uncovered(page, width, height) -> str | None:
    """None when the button is wholly in the viewport and is what a tap at its centre hits."""
    box = page.locator("#quick-exit").bounding_box()
    if box is None:
        return "not rendered"
    if not (box["x"] >= 0 and box["x"] + box["width"] <= width
            and box["y"] >= 0 and box["y"] + box["height"] <= height):
        return f"outside the viewport: {box}"
    hit = page.evaluate(
        "([x, y]) => { const e = document.elementFromPoint(x, y);"
        " if (e && e.closest('#quick-exit')) { return 'quick-exit'; }"
        " return e ? e.outerHTML.slice(0, 80) : null; }",
        [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2],
    )
    if hit != "quick-exit":
        return f"covered by {hit}"
    return None


@pytest.mark.parametrize("viewport", [(320, 640), (1280, 800)], ids=["320px", "desktop"])
@pytest.mark.parametrize("javascript", [True, False], ids=["js-on", "js-off"])
def test_quick_exit_stays_in_view_at_the_bottom_of_a_long_step(new_context, viewport, javascript):
    width, height = viewport
    visit = new_context(viewport=viewport, javascript=javascript)
    page = visit.page
    visit.goto(longest_step())
    assert page.evaluate("document.documentElement.scrollHeight") > height + 400, (
        "the step should be long enough to scroll"
    )
    problems = []
    for position in ("0", "document.documentElement.scrollHeight / 2",
                     "document.documentElement.scrollHeight"):
        page.evaluate(f"window.scrollTo(0, {position})")
        page.wait_for_timeout(50)
        problem = quick_exit_is_in_view_and_uncovered(page, width, height)
        if problem:
            problems.append(f"scrolled to {position}: {problem}")
    # Really at the bottom.
    assert page.evaluate(
        "window.scrollY + window.innerHeight >= document.documentElement.scrollHeight - 2"
    )
    # The banner covers no text at rest: the heading starts below it.
    page.evaluate("window.scrollTo(0, 0)")
    header = page.locator(".site-header").bounding_box()
    heading = page.locator("main h1").bounding_box()
    assert heading["y"] >= header["y"] + header["height"]
    # A link above the view, focused from the bottom (Shift+Tab), is scrolled clear of the
    # sticky banner (scroll-padding-top), not left under it.
    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    first = page.locator("main a").first
    first.focus()
    header = page.locator(".site-header").bounding_box()
    focused = first.bounding_box()
    assert focused["y"] >= header["y"] + header["height"], (focused, header)
    assert problems == []


@pytest.mark.parametrize("language", ["en", "fi", "sv"])
@pytest.mark.parametrize("viewport", [(320, 640), (1280, 800)], ids=["320px", "desktop"])
def test_the_focused_skip_link_does_not_cover_quick_exit(new_context, language, viewport):
    visit = new_context(viewport=viewport)
    page = visit.page
    visit.goto(f"/{language}/urgent-help/")
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    assert skip.evaluate("element => element === document.activeElement")
    a = skip.bounding_box()
    b = page.locator("#quick-exit").bounding_box()
    overlap = (a["x"] < b["x"] + b["width"] and b["x"] < a["x"] + a["width"]
               and a["y"] < b["y"] + b["height"] and b["y"] < a["y"] + a["height"])
    assert not overlap, f"skip link {a} overlaps quick exit {b}"
    assert quick_exit_is_in_view_and_uncovered(page, *viewport) is None


def test_quick_exit_clears_every_key_the_script_can_write(new_context, neutral_site):
    """STORAGE_KEYS is read from static/js/site.js (tests/test_browser_storage.py)."""
    visit = new_context()
    serve_neutral_page(visit, neutral_site)
    page = visit.page
    visit.goto("/en/pathways/parents/2/")
    page.get_by_role("button", name="Mark this step as done").click()
    page.locator("textarea[data-exercise]").fill("An answer kept in this browser")
    assert set(page.evaluate("Object.keys(localStorage)")) == STORAGE_KEYS
    assert "An answer kept in this browser" in page.evaluate("localStorage.getItem('hp')")
    # Whatever else an older version (or anything on this origin) left is cleared as well.
    page.evaluate("sessionStorage.setItem('probe', '1')")

    page.locator("#quick-exit").click()
    assert_on_neutral_page(page, neutral_site)
    visit.goto("/en/")
    assert page.evaluate(STORAGE_OF_THIS_SITE) == [0, 0]


def test_the_exit_address_alone_makes_the_browser_forget_this_sites_storage(
    new_context, neutral_site
):
    """What happens with JavaScript off: only Clear-Site-Data does the clearing."""
    visit = new_context()
    serve_neutral_page(visit, neutral_site)
    page = visit.page
    visit.goto("/en/pathways/parents/2/")
    page.get_by_role("button", name="Mark this step as done").click()
    page.locator("textarea[data-exercise]").fill("An answer kept in this browser")
    assert page.evaluate(STORAGE_OF_THIS_SITE)[0] == 1

    page.goto(visit.url("/exit/"), wait_until="load")  # the link, followed without the script
    assert_on_neutral_page(page, neutral_site)
    visit.goto("/en/")
    assert page.evaluate(STORAGE_OF_THIS_SITE) == [0, 0]


# Firefox ESR ---------------------------------------------------------------------------------


def test_in_firefox_quick_exit_leaves_forgets_and_back_does_not_return(
    firefox, neutral_site
):
    from marionette_driver import By

    visit = firefox()
    client = visit.client
    assert "Firefox/" in client.execute_script("return navigator.userAgent")

    visit.goto("/en/")
    visit.goto("/en/pathways/parents/2/")
    client.find_element(By.CSS_SELECTOR, "button.done-toggle").click()
    client.find_element(By.CSS_SELECTOR, "textarea[data-exercise]").send_keys("My answer")
    assert client.execute_script("return Object.keys(localStorage)") == sorted(STORAGE_KEYS)
    assert "My answer" in client.execute_script("return localStorage.getItem('hp')")

    client.find_element(By.ID, "quick-exit").click()
    visit.wait_for(lambda: client.get_url().startswith(neutral_site))
    visit.wait_for(lambda: client.title == "Neutral")

    client.go_back()
    visit.wait_for(lambda: not client.get_url().startswith(neutral_site))
    assert client.get_url() != visit.url("/en/pathways/parents/2/")
    visit.goto("/en/")
    assert client.execute_script(f"return {STORAGE_OF_THIS_SITE}") == [0, 0]


def test_in_firefox_shift_three_times_leaves_but_not_while_typing(firefox, neutral_site):
    from marionette_driver import By
    from marionette_driver.keys import Keys

    from proof.public_urls import DEMO_SERVICE

    visit = firefox()
    client = visit.client

    def shift(times):
        keys = client.actions.sequence("key", "keyboard")
        for _ in range(times):
            keys.key_down(Keys.SHIFT).key_up(Keys.SHIFT)
        keys.perform()
        client.actions.release()

    path = f"/en/find-help/{DEMO_SERVICE}/refer/"
    visit.goto("/en/")
    visit.goto(path)
    box = client.find_element(By.CSS_SELECTOR, "textarea")
    box.click()
    box.send_keys("Some words")
    shift(3)
    client.execute_script("return new Promise(done => setTimeout(done, 300))")
    assert client.get_url() == visit.url(path)
    assert client.execute_script("return arguments[0].value", script_args=[box]) == "Some words"

    client.find_element(By.CSS_SELECTOR, "main h1").click()  # out of the text box
    shift(3)
    visit.wait_for(lambda: client.get_url().startswith(neutral_site))
    client.go_back()
    visit.wait_for(lambda: not client.get_url().startswith(neutral_site))
    assert client.get_url() == visit.url("/en/")  # the page before; the form page is gone
