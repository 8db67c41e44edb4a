"""The visitor journeys in a Tor-Browser-like client: Firefox ESR with the "Safest" security
level's preferences (no JavaScript, SVG, MathML, WebGL, WebAssembly or web fonts), on a
320 px wide window, in every shipped language.

One Firefox serves the whole module (the `safest` fixture); each test walks one journey as a
person would, by following links and sending forms, and every page it opens is checked for
sideways scrolling. What is asserted is what a person sees: headings, the seeded texts, the
links offered next. The Finnish and Swedish checks use seed content and page structure, not
the .po translations.
"""

import os
import re
import threading
import tomllib
from http.server import ThreadingHTTPServer

import pytest

from proof.public_urls import DEMO_SERVICE, SEED, seeded_pathways
from tests.e2e.conftest import FIREFOX_BIN, TIMEOUT_MS, start_firefox
from tests.e2e.test_quick_exit import _Neutral

pytestmark = pytest.mark.browser

LANGUAGES = ("en", "fi", "sv")
# Tor Browser's "Safest" security level, as far as Firefox ESR has the same switches.
SAFEST_PREFS = {
    "javascript.enabled": False,
    "svg.disabled": True,
    "mathml.disabled": True,
    "webgl.disabled": True,
    "browser.display.use_document_fonts": 0,
    "javascript.options.wasm": False,
}
# A phone: 320 CSS px, with scrollbars drawn over the page as on a phone, not beside it.
WIDTH, HEIGHT = 320, 640
PHONE_PREFS = {"ui.useOverlayScrollbars": 1}
MESSAGE = "I have been looking at things online that I know are wrong, and I want help to stop."
CODENAME = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+){6}")

# What sticks out to the right of the viewport, for the report: the form controls, tables
# and images first (what usually pushes a page wider), then the innermost other elements.
WIDER_THAN_THE_VIEW = """
const width = document.documentElement.clientWidth;
const rigid = 'select, input, textarea, button, table, pre, img, video, iframe, svg';
const found = [[], []];
for (const element of document.body.querySelectorAll('*')) {
  const box = element.getBoundingClientRect();
  const inside = element.parentElement && element.parentElement.closest('select, svg');
  if (box.right <= width + 0.5 || inside) { continue; }
  const kind = element.matches(rigid) ? 0 : (element.querySelector('*') ? -1 : 1);
  if (kind < 0) { continue; }
  found[kind].push(element.tagName.toLowerCase()
    + (element.id ? '#' + element.id : '')
    + ' ' + Math.round(box.width) + 'px wide, right edge at ' + Math.round(box.right)
    + ' "' + (element.textContent || '').trim().slice(0, 40) + '"');
}
return [document.documentElement.scrollWidth, width, found[0].concat(found[1]).slice(0, 6)];
"""


def seed(path: str) -> dict:
    return tomllib.loads((SEED / path).read_text(encoding="utf-8"))


def pathway_seed(key: str, language: str) -> dict:
    return seed(f"pathways/{key}.{language}.toml")


def page_title(key: str, language: str) -> str:
    pages = seed(f"pages.{language}.toml")["page"]
    return next(page["title"] for page in pages if page["key"] == key)


class Safest:
    """One Firefox with the Safest prefs, and what the journeys share."""

    def __init__(self, visit):
        self.visit = visit
        self.client = visit.client
        self.too_wide: dict[str, list] = {}

    def path(self) -> str:
        return self.client.get_url().removeprefix(self.visit.base_url)

    def loaded(self) -> None:
        self.visit.wait_for(
            lambda: self.client.execute_script("return document.readyState") == "complete"
        )
        self.check_width()

    def goto(self, path: str) -> None:
        self.visit.goto(path)
        self.loaded()

    def find(self, selector: str):
        from marionette_driver import By

        return self.client.find_element(By.CSS_SELECTOR, selector)

    def find_all(self, selector: str) -> list:
        """Without the implicit wait: also for what should not be there."""
        from marionette_driver import By

        self.client.timeout.implicit = 0
        try:
            return self.client.find_elements(By.CSS_SELECTOR, selector)
        finally:
            self.client.timeout.implicit = 2

    def text(self, selector: str) -> str:
        return self.find(selector).text.strip()

    def h1(self) -> str:
        return self.text("main h1")

    def follow(self, selector: str) -> None:
        """Click a link or a form's button and wait until the next page has loaded."""
        from marionette_driver import Wait
        from marionette_driver.errors import JavascriptException

        element = self.find(selector)
        assert element.is_displayed(), f"{selector} is not visible on {self.path()}"
        before = self.document()
        element.click()
        # Asked while the old page is going, the browser may answer with an error: ask again.
        Wait(self.client, timeout=TIMEOUT_MS / 1000, ignored_exceptions=JavascriptException).until(
            lambda _client: self.document() != before
            and self.client.execute_script("return document.readyState") == "complete"
        )
        self.loaded()

    def document(self) -> float:
        """When this document began: another number on every new page, even at one address."""
        return self.client.execute_script("return performance.timeOrigin")

    def choose(self, select: str, value: str) -> None:
        self.find(f'{select} option[value="{value}"]').click()

    def check_width(self) -> None:
        scroll, width, wide = self.client.execute_script(WIDER_THAN_THE_VIEW)
        if scroll > width:
            self.too_wide[self.path()] = [f"{scroll}px wide in {width}px", *wide]

    def assert_fits(self) -> None:
        found, self.too_wide = self.too_wide, {}
        assert found == {}, "pages wider than the 320 px screen:\n" + "\n".join(
            f"{path}: {lines}" for path, lines in found.items()
        )

    def assert_no_script_ran(self) -> None:
        # static/js/site.js adds a "Mark this step as done" button to every step; without
        # JavaScript the step has none.
        assert self.find_all("button.done-toggle") == [], "the site's script ran"


@pytest.fixture(scope="module")
def safest(live_server, tmp_path_factory):
    """One headless Firefox ESR for the module, Safest prefs, a 320 px wide window."""
    if not os.path.exists(FIREFOX_BIN):
        pytest.skip(f"{FIREFOX_BIN} is not installed")
    visit = start_firefox(
        live_server.url.rstrip("/"),
        tmp_path_factory.mktemp("firefox") / "gecko.log",
        {**SAFEST_PREFS, **PHONE_PREFS},
    )
    client = visit.client
    try:
        # The browser window has a minimum width of 500 px; lift it, then make it a phone.
        with client.using_context("chrome"):
            client.execute_script(
                "document.documentElement.style.minWidth = '0px';"
                " document.documentElement.style.minHeight = '0px';"
            )
        client.set_window_rect(width=WIDTH, height=HEIGHT)
        yield Safest(visit)
    finally:
        client.cleanup()


@pytest.fixture
def browser_in(safest):
    """The shared Firefox, with each test's own record of pages that were too wide."""
    safest.too_wide = {}
    yield safest


class _Recording(_Neutral):
    """The neutral page, remembering the User-Agent each request came with."""

    user_agents: list[str] = []

    def do_GET(self):  # noqa: N802 (the http.server name)
        self.user_agents.append(self.headers.get("User-Agent", ""))
        super().do_GET()


@pytest.fixture
def neutral_site(settings):
    """A neutral site on another local port, where quick exit sends the visitor."""
    _Recording.user_agents = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recording)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}/neutral/"
    settings.QUICK_EXIT_URL = url
    yield url
    server.shutdown()
    server.server_close()


def test_the_browser_is_firefox_at_320_px_with_the_safest_prefs_and_no_javascript(browser_in):
    client = browser_in.client
    for name, value in {**SAFEST_PREFS, **PHONE_PREFS}.items():
        assert client.get_pref(name) == value, name
    user_agent = client.execute_script("return navigator.userAgent")
    assert "Firefox/" in user_agent and "Chrome" not in user_agent

    # No script runs at all: an inline script that would retitle the page does nothing.
    client.navigate("data:text/html,<title>off</title><script>document.title='on'</script>")
    assert client.title == "off"

    browser_in.goto("/en/pathways/parents/2/")
    browser_in.assert_no_script_ran()
    assert client.execute_script("return document.documentElement.clientWidth") == WIDTH


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_self_check_suggests_a_pathway_and_the_provider_search(browser_in, language):
    page = browser_in
    page.goto(f"/{language}/")
    page.follow(f'main a[href="/{language}/self-check/"]')
    assert page.h1() == seed(f"selfcheck.{language}.toml")["title"]
    assert page.find('input[name="want"][value="no-answer"]').is_selected()

    page.find('input[name="who"][value="me-adult"]').click()
    page.follow("main form button[type=submit]")
    # The answers went by POST: the same address, nothing of them in it.
    assert page.path() == f"/{language}/self-check/"
    assert page.find_all("#errors") == []
    assert page.h1() != seed(f"selfcheck.{language}.toml")["title"]
    pathway = page.find("#pathway-heading").find_element("xpath", "..")
    assert pathway_seed("self", language)["title"] in pathway.text
    assert page.find(f'a[href="/{language}/pathways/self/1/"]').is_displayed()
    assert page.find(f'a[href="/{language}/find-help/?language={language}"]').is_displayed()
    if language == "en":
        assert page.h1() == "What may help you"
        assert "Your answers were not stored" in page.text("main")

    page.follow(f'a[href="/{language}/pathways/self/1/"]')
    assert page.h1() == pathway_seed("self", language)["step"][0]["title"]
    page.assert_fits()


@pytest.mark.parametrize(
    ("language", "key"), [("en", "self"), ("fi", "parents"), ("sv", "someone-else")]
)
def test_a_pathway_from_the_overview_to_the_last_step_and_on_to_the_search(
    browser_in, language, key
):
    page = browser_in
    text = pathway_seed(key, language)
    steps = seeded_pathways(language)[key]
    page.goto(f"/{language}/")
    page.follow(f'main a[href="/{language}/pathways/{key}/"]')
    assert page.h1() == text["title"]
    listed = [item.text for item in page.find_all("ol.steps li a")]
    assert listed == [step["title"] for step in text["step"]]

    page.follow(f'main a.button[href="/{language}/pathways/{key}/1/"]')
    assert page.h1() == text["step"][0]["title"]
    assert re.search(rf"\b1\b\D+\b{steps}\b", page.text(".progress"))  # "Step 1 of 10"
    page.assert_no_script_ran()
    page.follow('a[rel="next"]')
    assert page.path() == f"/{language}/pathways/{key}/2/"
    assert page.h1() == text["step"][1]["title"]

    page.goto(f"/{language}/pathways/{key}/{steps}/")
    assert page.h1() == text["step"][-1]["title"]
    assert page.find_all('a[rel="next"]') == []
    what_next = page.find("section.what-next")
    assert what_next.is_displayed()
    if language == "en":
        assert page.text("#what-next") == "What next"
        assert "Open the provider search" in what_next.text
    page.follow(f'section.what-next a.button[href="/{language}/find-help/"]')
    assert page.path() == f"/{language}/find-help/"
    assert page.find_all("ul.service-list li")
    page.assert_fits()


def exercises_seed(language: str, pathway: str) -> list[dict]:
    return [e for e in seed(f"exercises.{language}.toml")["exercise"] if e["pathway"] == pathway]


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_exercise_and_the_personal_plan_become_a_page_to_print(browser_in, language):
    page = browser_in
    exercises = exercises_seed(language, "self")
    reason = next(e for e in exercises if e["plan"] == "reasons")
    people = next(e for e in exercises if e["plan"] == "people")
    page.goto(f"/{language}/pathways/self/2/")
    page.assert_no_script_ran()
    assert page.text("section.exercises label") == reason["question"]
    box = page.find("section.exercises textarea")
    box.send_keys(f"Reason in {language}")
    page.follow('section.exercises button[value="page"]')
    # Sent by POST, answered with the page of answers: the words, the question, no script.
    assert page.path().startswith(f"/{language}/pathways/self/answers/")
    answers = page.text("article.answers")
    assert f"Reason in {language}" in answers and reason["question"] in answers
    assert not page.find("[data-print]").is_displayed()  # the print button needs the script

    page.goto(f"/{language}/pathways/self/2/")
    page.follow(f'section.exercises a[href="/{language}/pathways/self/plan/"]')
    labels = [label.text for label in page.find_all("form.plan label")]
    assert labels == [e["question"] for e in exercises if e["plan"]]
    boxes = page.find_all("form.plan textarea")
    boxes[labels.index(people["question"])].send_keys(f"A helpline in {language}")
    page.follow('form.plan button[value="page"]')
    answers = page.text("article.answers")
    assert f"A helpline in {language}" in answers
    assert all(e["question"] in answers for e in exercises if e["plan"])
    page.assert_fits()


# The country chosen is not the one the page's language suggests.
CHOSEN_COUNTRY = {"en": "FI", "fi": "SE", "sv": "GB"}


@pytest.mark.parametrize("language", LANGUAGES)
def test_urgent_help_shows_the_emergency_numbers_at_once_and_a_countrys_helplines(
    browser_in, language
):
    page = browser_in
    page.goto(f"/{language}/")
    page.follow(f'.site-nav a[href="/{language}/urgent-help/"]')
    assert page.h1() == page_title("urgent-help", language)
    # The emergency numbers are on the first screen, before any choice.
    numbers = page.find(".emergency-numbers")
    assert numbers.is_displayed()
    for number in ("112", "116 111", "116 123"):
        assert number in numbers.text
    bottom, screen = page.client.execute_script(
        "return [document.querySelector('.emergency-numbers a[href=\"tel:112\"]')"
        ".getBoundingClientRect().bottom, window.innerHeight]"
    )
    assert bottom <= screen, f"112 is below the first screen ({bottom}px of {screen}px)"

    country = CHOSEN_COUNTRY[language]
    page.choose("#id_country", country)
    page.follow("form.country-form button[type=submit]")
    assert page.path() == f"/{language}/urgent-help/?country={country}"
    names = [heading.text for heading in page.find_all(".helplines .helpline-list h3")]
    expected = [
        line["name"][language]
        for line in seed("helplines.toml")["helpline"]
        if line["country"] == country
    ]
    assert expected and set(expected) <= set(names), (names, expected)
    assert page.find(".emergency-numbers").is_displayed()  # still there after the choice
    if language == "en":
        assert "You chose: Finland." in page.text(".helplines")
    page.assert_fits()


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_directory_searches_and_opens_a_service(browser_in, language):
    page = browser_in
    page.goto(f"/{language}/")
    page.follow(f'.site-nav a[href="/{language}/find-help/"]')
    every = len(page.find_all("ul.service-list > li"))
    page.assert_fits()  # before using the form: a form wider than the screen is hard to use
    page.choose("#language", language)
    page.find("#accepting").click()
    page.follow("form.filters button[type=submit]")
    assert page.path().startswith(f"/{language}/find-help/?")
    assert f"language={language}" in page.path() and "accepting=1" in page.path()
    found = page.find_all("ul.service-list > li h3 a")
    assert 0 < len(found) <= every
    assert str(len(found)) in page.text("#results")
    assert page.find("#language option:checked").get_property("value") == language
    name = found[0].text
    href = found[0].get_attribute("href")
    assert re.fullmatch(rf"/{language}/find-help/[0-9a-f-]{{36}}/", href)

    page.follow("ul.service-list > li h3 a")
    assert page.path() == href
    assert page.h1() == name
    if language == "en":
        assert "Anonymous referrals" in page.text("main")
    page.assert_fits()


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_referral_gives_a_codename_that_opens_the_mailbox(browser_in, language):
    from directory.models import Service
    from referrals.models import Referral

    service = Service.objects.get(pk=DEMO_SERVICE)
    assert service.accepts_anonymous_referrals and service.takes_referrals_now
    page = browser_in
    page.goto(f"/{language}/find-help/{DEMO_SERVICE}/")
    assert page.h1() == service.name
    page.follow(f'main a.button[href="/{language}/find-help/{DEMO_SERVICE}/refer/"]')
    page.find("#id_message").send_keys(MESSAGE)
    page.find("#id_acknowledge").click()
    page.find("#id_ages").click()  # the demo service works with people from 18
    page.follow("main form button[type=submit]")

    codename = page.text("#codename")
    assert CODENAME.fullmatch(codename), codename
    assert "?" not in page.path()
    if language == "en":
        assert page.h1() == "Your message was sent"
    assert Referral.objects.filter(service=service).count() == 1

    page.goto(f"/{language}/mailbox/")
    page.find("#id_codename").send_keys(codename)
    page.follow("main form button[type=submit]")
    assert page.path() == f"/{language}/mailbox/"
    assert page.find("#state").is_displayed()
    assert MESSAGE in page.text("main")
    assert codename not in page.client.get_url()
    page.assert_fits()


@pytest.mark.parametrize("language", LANGUAGES)
def test_quick_exit_is_a_plain_link_that_leaves_the_site(browser_in, neutral_site, language):
    page = browser_in
    page.goto(f"/{language}/urgent-help/")
    link = page.find("#quick-exit")
    assert link.get_attribute("href") == "/exit/"
    assert link.is_displayed()
    box = link.rect
    assert box["x"] >= 0 and box["x"] + box["width"] <= WIDTH and box["y"] >= 0
    if language == "en":
        assert link.text.startswith("Quick exit")

    link.click()
    page.visit.wait_for(lambda: page.client.get_url().startswith(neutral_site),
                        timeout=TIMEOUT_MS / 1000)
    page.visit.wait_for(lambda: page.client.title == "Neutral")
    assert page.text("#neutral") == "A neutral page"
    # The neutral site was asked by this Firefox, not by anything else.
    assert _Recording.user_agents and all(
        "Firefox/" in agent for agent in _Recording.user_agents
    )
    page.assert_fits()
