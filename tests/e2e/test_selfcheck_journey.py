"""A visitor answers the self-check in Finnish with JavaScript off and reaches the pathway."""

import pytest

pytestmark = pytest.mark.browser


def test_a_finnish_visitor_without_javascript_reaches_the_suggested_first_step(new_context):
    visit = new_context(javascript=False)
    page = visit.page
    visit.goto("/fi/")
    page.get_by_role("link", name="Et tiedä, mistä aloittaa? Tee lyhyt itsearvio").click()
    assert page.url.endswith("/fi/self-check/")
    assert page.locator("html").get_attribute("lang") == "fi"

    # Send it once with an answer missing: the form comes back with a message, answers kept.
    page.locator("#id_who_0").check()
    page.get_by_role("button", name="Katso, mikä voisi auttaa").click()
    assert page.locator("#errors").is_visible()
    assert page.locator("#id_who_0").is_checked()

    for name in ("happened_1", "offline-worry_1", "feeling_0", "help-before_0", "want_0"):
        page.locator(f"#id_{name}").check()
    page.get_by_role("button", name="Katso, mikä voisi auttaa").click()
    assert page.get_by_role("heading", name="Mikä voisi auttaa sinua").is_visible()
    # Answers travel by POST: nothing of them is in the address or the history entry.
    assert page.url.endswith("/fi/self-check/")
    assert "?" not in page.url

    page.get_by_role("link", name="Aloita ensimmäinen vaihe").click()
    assert page.url.endswith("/fi/pathways/self/1/")
    assert page.get_by_text("Vaihe 1/10").is_visible()
    assert visit.foreign_requests == []


def test_a_crisis_answer_shows_urgent_help_first_without_javascript(new_context):
    visit = new_context(javascript=False)
    page = visit.page
    visit.goto("/en/self-check/")
    for name in ("who_0", "happened_0", "offline-worry_0", "feeling_2", "help-before_0", "want_0"):
        page.locator(f"#id_{name}").check()
    page.get_by_role("button", name="See what may help").click()
    headings = page.locator("h2").all_inner_texts()
    assert headings[0] == "First, please get urgent help"
