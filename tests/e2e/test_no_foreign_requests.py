"""A public page asks nothing of any other host and sets no cookie (DESIGN.md, principle 1)."""

import pytest

from proof.public_urls import LANGUAGE_CODES, form_paths, reading_paths

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("language", LANGUAGE_CODES)
def test_every_public_page_talks_only_to_this_site_and_reading_sets_no_cookie(
    new_context, language
):
    visit = new_context(javascript=True)
    page = visit.page
    responses = []
    page.on("response", lambda response: responses.append(response))

    for path in reading_paths(language):
        document = visit.goto(path)
        page.wait_for_load_state("networkidle")
        assert document.header_value("set-cookie") is None, f"{path} set a cookie"
    with_cookies = [
        f"{response.url}: {response.header_value('set-cookie')}"
        for response in responses
        if response.header_value("set-cookie") is not None
    ]
    assert with_cookies == [], f"reading pages set cookies: {with_cookies}"
    assert page.evaluate("document.cookie") == ""
    assert visit.context.cookies() == []

    for path in form_paths(language):
        visit.goto(path)
        page.wait_for_load_state("networkidle")
    names = {cookie["name"] for cookie in visit.context.cookies()}
    assert names <= {"csrftoken"}, f"a form page set more than its CSRF cookie: {names}"

    assert visit.foreign_requests == [], f"asked other hosts for {visit.foreign_requests}"
    assert visit.other_hosts_asked() == [], f"tried to load {visit.other_hosts_asked()}"
    refused = [text for text in visit.console_errors if "Content Security Policy" in text]
    assert refused == [], f"tried loads that the CSP refused: {refused}"
