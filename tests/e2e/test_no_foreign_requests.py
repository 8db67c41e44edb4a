"""A public page asks nothing of any other host and sets no cookie (DESIGN.md, principle 1)."""

import pytest

from tests.public_urls import all_public_paths

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("path", all_public_paths())
def test_a_public_page_talks_only_to_this_site_and_sets_no_cookie(new_context, path):
    visit = new_context(javascript=True)
    page = visit.page
    responses = []
    page.on("response", lambda response: responses.append(response))

    document = visit.goto(path)
    page.wait_for_load_state("networkidle")

    assert visit.foreign_requests == [], f"{path} asked other hosts for {visit.foreign_requests}"
    assert visit.other_hosts_asked() == [], f"{path} tried to load {visit.other_hosts_asked()}"
    refused = [text for text in visit.console_errors if "Content Security Policy" in text]
    assert refused == [], f"{path} tried loads that its CSP refused: {refused}"
    assert document.header_value("set-cookie") is None, f"{path} set a cookie"
    with_cookies = [
        f"{response.url}: {response.header_value('set-cookie')}"
        for response in responses
        if response.header_value("set-cookie") is not None
    ]
    assert with_cookies == [], f"responses on {path} set cookies: {with_cookies}"
    assert page.evaluate("document.cookie") == ""
    assert visit.context.cookies() == []
