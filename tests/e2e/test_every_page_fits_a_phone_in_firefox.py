"""Every public page, in every language, fits a 320 px wide phone in Firefox with the "Safest"
prefs too (Firefox sizes menus and tables its own way: the Swedish find-help page was once
353 px wide there, from the longest option of a menu)."""

import pytest

from proof.public_urls import LANGUAGE_CODES, public_paths
from tests.e2e.test_safest_firefox import HEIGHT, PHONE_PREFS, SAFEST_PREFS, WIDER_THAN_THE_VIEW
from tests.e2e.test_safest_firefox import WIDTH as PHONE

pytestmark = pytest.mark.browser


def test_no_public_page_is_wider_than_a_phone_in_any_language(firefox):
    visit = firefox({**SAFEST_PREFS, **PHONE_PREFS})
    client = visit.client
    with client.using_context("chrome"):  # lift the window's 500 px minimum width
        client.execute_script("document.documentElement.style.minWidth = '0px';"
                              " document.documentElement.style.minHeight = '0px';")
    client.set_window_rect(width=PHONE, height=HEIGHT)
    too_wide = {}
    paths = [path for language in LANGUAGE_CODES for path in public_paths(language)]
    for path in paths:
        visit.goto(path)
        visit.wait_for(lambda: client.execute_script("return document.readyState")
                       == "complete")
        scroll, width, wide = client.execute_script(WIDER_THAN_THE_VIEW)
        assert width <= PHONE
        if scroll > width:
            too_wide[path] = [f"{scroll}px wide in {width}px", *wide]
    assert too_wide == {}
