"""A step's "done" tick lives only in the visitor's browser, and only with JavaScript.

It is kept under the one key `hp` as an opaque id, so the browser's storage names no topic; the
privacy page lists what is kept and deletes it. The script runs under the CSP's Trusted Types
(no console error)."""

import json
import re

import pytest

pytestmark = pytest.mark.browser

OPAQUE_ID = re.compile(r"[0-9a-f]{8}")


def stored(page) -> dict:
    return page.evaluate("Object.fromEntries(Object.entries(localStorage))")


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
    kept = stored(page)
    assert list(kept) == ["hp"]
    value = json.loads(kept["hp"])
    assert value["a"] == {}  # no answers written
    ids = value["d"]
    assert len(ids) == 1 and OPAQUE_ID.fullmatch(ids[0])
    for word in ("parents", "know-the-platforms", "done"):
        assert word not in json.dumps(kept), f"the storage names {word!r}"
    visit.goto("/en/pathways/parents/")
    done = page.locator("ol.steps li.done")
    assert done.count() == 1
    assert done.first.get_attribute("data-step") == "know-the-platforms"
    assert visit.context.cookies() == []
    assert visit.console_errors == []


def test_undoing_the_only_tick_leaves_nothing_stored(new_context):
    visit = new_context(javascript=True)
    page = visit.page
    visit.goto("/en/pathways/parents/2/")
    page.get_by_role("button", name="Mark this step as done").click()
    page.get_by_role("button", name="Done (select to undo)").click()
    assert stored(page) == {}


def test_a_tick_kept_under_the_old_key_is_moved_to_the_opaque_one(new_context):
    visit = new_context(javascript=True)
    page = visit.page
    visit.goto("/en/")
    page.evaluate("localStorage.setItem('hp-done:parents:know-the-platforms', '1')")
    visit.goto("/en/pathways/parents/")
    assert page.locator("ol.steps li.done").first.get_attribute("data-step") == (
        "know-the-platforms"
    )
    kept = stored(page)
    assert list(kept) == ["hp"]
    assert "know-the-platforms" not in kept["hp"]


def test_the_privacy_page_lists_what_is_kept_and_deletes_it(new_context):
    visit = new_context(javascript=True)
    page = visit.page
    visit.goto("/en/privacy/")
    status = page.locator("[data-storage-status]")
    assert status.text_content() == "Right now this browser keeps nothing from this site."

    visit.goto("/en/pathways/parents/2/")
    page.get_by_role("button", name="Mark this step as done").click()
    visit.goto("/en/privacy/")
    assert "keeps the steps you marked as done" in status.text_content()
    page.get_by_role("button", name="Delete what this site kept in this browser").click()
    assert status.text_content() == "Deleted. This browser now keeps nothing from this site."
    assert stored(page) == {}
    assert visit.console_errors == []


def test_without_javascript_there_is_no_tick_and_nothing_is_stored(new_context):
    visit = new_context(javascript=False)
    visit.goto("/en/pathways/parents/2/")
    assert visit.page.locator(".done-toggle").count() == 0
    assert visit.context.cookies() == []


def test_without_javascript_the_privacy_page_says_plainly_there_is_nothing_to_delete(new_context):
    visit = new_context(javascript=False)
    page = visit.page
    visit.goto("/en/privacy/")
    text = page.locator("[data-storage-status]").text_content()
    assert text.startswith("JavaScript is off, so this site keeps nothing new in this browser")
    assert page.locator(".clear-storage").count() == 0


TRY_MARKUP_FROM_A_STRING = (
    "() => { try { document.body.insertAdjacentHTML('beforeend', '<b>x</b>'); return 'allowed'; }"
    " catch (error) { return error.name; } }"
)


def test_trusted_types_refuse_markup_from_strings_on_public_pages_but_not_in_the_admin(
    new_context,
):
    visit = new_context(javascript=True)
    page = visit.page
    visit.goto("/en/pathways/parents/2/")
    assert page.evaluate(TRY_MARKUP_FROM_A_STRING) == "TypeError"
    visit.goto("/staff/admin/login/")
    assert page.evaluate(TRY_MARKUP_FROM_A_STRING) == "allowed"
