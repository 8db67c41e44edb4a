"""A step's "done" tick lives only in the visitor's browser, and only with JavaScript."""

import pytest

pytestmark = pytest.mark.browser


def test_a_step_marked_done_shows_as_done_in_the_overview_and_nothing_is_sent(new_context):
    visit = new_context(javascript=True)
    page = visit.page
    visit.goto("/en/pathways/parents/2/")
    requests_before = len(visit.requests)
    button = page.get_by_role("button", name="Mark this step as done")
    button.click()
    assert page.get_by_role("button", name="Done (select to undo)").get_attribute(
        "aria-pressed") == "true"
    assert len(visit.requests) == requests_before  # kept locally, never sent
    assert page.evaluate("localStorage.getItem('hp-done:parents:know-the-platforms')") == "1"
    visit.goto("/en/pathways/parents/")
    done = page.locator("ol.steps li.done")
    assert done.count() == 1
    assert done.first.get_attribute("data-step") == "know-the-platforms"
    assert visit.context.cookies() == []


def test_without_javascript_there_is_no_tick_and_nothing_is_stored(new_context):
    visit = new_context(javascript=False)
    visit.goto("/en/pathways/parents/2/")
    assert visit.page.locator(".done-toggle").count() == 0
    assert visit.context.cookies() == []
