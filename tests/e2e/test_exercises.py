"""Exercises in chromium: with JavaScript an answer stays in this browser only (under the one
opaque key, never sent as it is typed) and comes back on the step and on the plan page; with
JavaScript on or off the visitor can turn the answers into a page to print or a text file.
Quick exit clearing the answers is in test_quick_exit.py; Firefox with the Safest prefs in
test_safest_firefox.py."""

import json
import re

import pytest

pytestmark = pytest.mark.browser

STEP = "/en/pathways/self/2/"  # "Real, not virtual": its exercise is part of the plan
PLAN = "/en/pathways/self/plan/"
OPAQUE_ID = re.compile(r"[0-9a-f]{8}")


def stored(page) -> dict:
    return page.evaluate("Object.fromEntries(Object.entries(localStorage))")


def test_an_answer_stays_in_this_browser_under_an_opaque_id_and_is_never_sent(new_context):
    visit = new_context(javascript=True)
    page = visit.page
    visit.goto(STEP)
    assert "kept only in this browser on this device" in page.locator("[data-keeping]").inner_text()
    box = page.get_by_label("What is one reason you want to stop?")
    requests_before = len(visit.requests)
    box.press_sequentially("For the children who are real")
    assert len(visit.requests) == requests_before  # typing sends nothing
    kept = stored(page)
    assert list(kept) == ["hp"]
    value = json.loads(kept["hp"])
    (answer_id, answer), = value["a"].items()
    assert OPAQUE_ID.fullmatch(answer_id) and answer == "For the children who are real"
    for word in ("self", "real-not-virtual", "reason"):
        assert word not in kept["hp"].replace(answer, ""), f"the storage names {word!r}"

    page.reload(wait_until="load")
    assert page.get_by_label("What is one reason you want to stop?").input_value() == (
        "For the children who are real")
    # The plan shows the same answer, and a change there is the answer on the step too.
    visit.goto(PLAN)
    plan_box = page.get_by_label("What is one reason you want to stop?")
    assert plan_box.input_value() == "For the children who are real"
    plan_box.fill("For the children, and for me")
    visit.goto(STEP)
    assert page.get_by_label("What is one reason you want to stop?").input_value() == (
        "For the children, and for me")
    assert visit.context.cookies() == []
    assert visit.console_errors == []  # Trusted Types: the script made no markup from strings


def test_an_emptied_box_keeps_nothing_and_the_privacy_page_says_what_is_kept(new_context):
    visit = new_context(javascript=True)
    page = visit.page
    visit.goto(STEP)
    box = page.get_by_label("What is one reason you want to stop?")
    box.fill("A reason")
    visit.goto("/en/privacy/")
    status = page.locator("[data-storage-status]")
    assert status.text_content() == (
        "Right now this browser keeps what you wrote in exercises, and nothing else from this "
        "site.")
    visit.goto(STEP)
    page.get_by_role("button", name="Mark this step as done").click()
    visit.goto("/en/privacy/")
    assert "the steps you marked as done and what you wrote in exercises" in (
        status.text_content())
    page.get_by_role("button", name="Delete what this site kept in this browser").click()
    assert stored(page) == {}
    visit.goto(STEP)
    assert page.get_by_label("What is one reason you want to stop?").input_value() == ""
    page.get_by_label("What is one reason you want to stop?").fill("x")
    page.get_by_label("What is one reason you want to stop?").fill("")
    assert stored(page) == {}


def test_with_javascript_the_answers_page_offers_a_print_button(new_context):
    visit = new_context(javascript=True)
    page = visit.page
    visit.goto(STEP)
    page.get_by_label("What is one reason you want to stop?").fill("Printed reason")
    page.get_by_role("button", name="Show my answers as a page to print or save").click()
    page.wait_for_load_state("load")
    assert page.url.startswith(visit.url("/en/pathways/self/answers/"))
    assert "Printed reason" in page.locator("article.answers").inner_text()
    assert page.get_by_role("button", name="Print this page").is_visible()
    # What a printout shows: the answers, not the site's menus or the buttons.
    page.emulate_media(media="print")
    assert not page.locator(".site-nav").is_visible()
    assert not page.get_by_role("button", name="Print this page").is_visible()
    assert page.locator("article.answers").is_visible()
    assert visit.console_errors == []


def test_without_javascript_the_plan_becomes_a_page_and_a_downloaded_file(new_context):
    visit = new_context(javascript=False)
    page = visit.page
    visit.goto(PLAN)
    note = page.locator("[data-keeping]").inner_text()
    assert note.startswith("Nothing you write here is kept")
    page.get_by_label("What is one reason you want to stop?").fill("No JS reason")
    page.get_by_label("Who can you contact when things get hard?").fill("A helpline")
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download my answers as a text file").click()
    download = download_info.value
    assert download.suggested_filename == "notes.txt"
    text = download.path().read_text(encoding="utf-8")
    assert "No JS reason" in text and "A helpline" in text and "Your personal plan" in text

    page.get_by_role("button", name="Show my answers as a page to print or save").click()
    page.wait_for_load_state("load")
    answers = page.locator("article.answers").inner_text()
    assert "No JS reason" in answers and "A helpline" in answers
    assert not page.get_by_role("button", name="Print this page").is_visible()
    # The download button of the answers page sends the same answers again.
    with page.expect_download() as again:
        page.get_by_role("button", name="Download my answers as a text file").click()
    assert "No JS reason" in again.value.path().read_text(encoding="utf-8")
    assert stored(page) == {}  # nothing kept without the script (the page reads, not writes)


def test_a_too_long_answer_comes_back_with_the_words_and_a_linked_message(new_context):
    visit = new_context(javascript=False)
    page = visit.page
    visit.goto(STEP)
    long = "w" * 5001
    page.get_by_label("What is one reason you want to stop?").fill(long)
    page.get_by_role("button", name="Show my answers as a page to print or save").click()
    page.wait_for_load_state("load")
    # The answer opens at the message (the form's address ends in #errors), not at the top.
    assert page.url.endswith("/en/pathways/self/answers/#errors")
    assert page.get_by_role("alert").evaluate(
        "element => { const box = element.getBoundingClientRect();"
        " return box.top >= 0 && box.top < window.innerHeight; }")
    link = page.get_by_role("link", name=re.compile("Please shorten this answer"))
    link.click()
    assert page.url.endswith("#" + page.get_by_label("What is one reason you want to stop?")
                             .get_attribute("id"))
    assert page.get_by_label("What is one reason you want to stop?").input_value() == long
