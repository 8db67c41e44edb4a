"""Visitors answer the self-check in a real browser, with JavaScript off and on: they may skip
every question but the first, a crisis answer takes them to urgent help without the rest, and
the result says what comes first and why."""

import pytest

pytestmark = pytest.mark.browser

LATER = ("happened", "offline-worry", "feeling", "help-before", "want")


@pytest.mark.parametrize("javascript", [False, True])
def test_a_finnish_visitor_reaches_the_suggested_first_step(new_context, javascript):
    visit = new_context(javascript=javascript)
    page = visit.page
    visit.goto("/fi/")
    page.get_by_role("link", name="Et tiedä, mistä aloittaa? Tee lyhyt itsearvio").click()
    assert page.url.endswith("/fi/self-check/")
    assert page.locator("html").get_attribute("lang") == "fi"
    # Every question but the first starts at "Prefer not to say"; the first has no answer yet.
    for question in LATER:
        assert page.locator(f'input[name="{question}"][value="no-answer"]').is_checked()
    assert page.locator('input[name="who"]:checked').count() == 0

    # Sent without the first answer: the form comes back with one message, defaults kept.
    page.get_by_role("button", name="Katso, mikä voisi auttaa").click()
    assert page.locator("#errors").is_visible()
    assert page.locator(".error").count() == 1
    assert page.locator('input[name="want"][value="no-answer"]').is_checked()

    page.locator("#id_who_0").check()
    page.locator('input[name="happened"][value="regularly"]').check()
    page.locator('input[name="want"][value="talk"]').check()
    page.get_by_role("button", name="Katso, mikä voisi auttaa").click()
    assert page.get_by_role("heading", name="Mikä voisi auttaa sinua").is_visible()
    # Answers travel by POST: nothing of them is in the address or the history entry.
    assert page.url.endswith("/fi/self-check/")
    assert "?" not in page.url
    # A service comes first here (regularly, wants to talk), then the pathway.
    headings = page.locator("main h2").all_inner_texts()
    assert headings == ["Puhu ammattilaisen kanssa", "Polku sinulle"]
    assert page.locator("#why").is_visible()
    assert page.locator('a[href="/fi/find-help/?language=fi"]').is_visible()

    page.get_by_role("link", name="Aloita ensimmäinen vaihe").click()
    assert page.url.endswith("/fi/pathways/self/1/")
    assert page.get_by_text("Vaihe 1/10").is_visible()
    assert visit.foreign_requests == []


@pytest.mark.parametrize("javascript", [False, True])
def test_a_crisis_answer_skips_the_rest_and_shows_urgent_help_first(new_context, javascript):
    visit = new_context(javascript=javascript)
    page = visit.page
    visit.goto("/en/self-check/")
    # Only the crisis answer: not even the first question.
    page.locator('input[name="feeling"][value="desperate"]').check()
    page.get_by_role("button", name="See what may help").click()
    assert page.get_by_role("heading", name="What may help you").is_visible()
    headings = page.locator("main h2").all_inner_texts()
    assert headings[0] == "First, please get urgent help"
    assert "Talk to a professional" in headings
    assert visit.foreign_requests == []


@pytest.mark.parametrize("javascript", [False, True])
def test_go_to_urgent_help_now_leaves_the_questions_at_once(new_context, javascript):
    visit = new_context(javascript=javascript)
    page = visit.page
    visit.goto("/en/self-check/")
    feeling = page.locator("#q-feeling")
    feeling.get_by_role("link", name="Go to urgent help now").click()
    assert page.url.endswith("/en/urgent-help/")
    assert visit.foreign_requests == []


def test_reading_first_is_respected(new_context):
    visit = new_context(javascript=False, viewport=(320, 640))
    page = visit.page
    visit.goto("/sv/self-check/")
    page.locator('input[name="who"][value="me-young"]').check()
    page.locator('input[name="happened"][value="never"]').check()
    page.locator('input[name="want"][value="read"]').check()
    page.locator("form button[type=submit]").click()
    headings = page.locator("main h2").all_inner_texts()
    assert headings == ["En vägledning för dig", "Prata med en yrkesperson"]
    assert page.locator('a[href="/sv/pathways/young-people/1/"]').first.is_visible()
    # Nothing is wider than the small screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
