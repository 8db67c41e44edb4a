"""Every language is really served: the page says which language it is in, and is in it."""

import re

import pytest
from django.conf import settings
from django.utils import translation

from proof.public_urls import LANGUAGE_CODES

pytestmark = pytest.mark.browser

ENGLISH_H1 = "Help is here, and you do not have to give your name"


def normalised(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@pytest.mark.parametrize("code", LANGUAGE_CODES)
def test_the_home_page_is_in_the_visitors_language(new_context, code):
    visit = new_context()
    visit.goto(f"/{code}/")
    page = visit.page

    assert page.locator("html").get_attribute("lang") == code
    with translation.override(code):
        expected = translation.gettext(ENGLISH_H1)
    assert normalised(page.locator("h1").text_content()) == normalised(expected)
    if code != settings.LANGUAGE_CODE:
        assert expected != ENGLISH_H1, (
            f"the home page heading has no {code} translation yet "
            f"(locale/{code}/LC_MESSAGES/django.po must translate {ENGLISH_H1!r} and be compiled)"
        )


def test_the_language_switcher_keeps_the_visitor_on_the_same_page(new_context):
    visit = new_context()
    visit.goto("/en/urgent-help/")
    page = visit.page

    page.locator("nav.languages a[hreflang='fi']").click()
    page.wait_for_url(visit.url("/fi/urgent-help/"))

    assert page.url == visit.url("/fi/urgent-help/")
    assert page.locator("html").get_attribute("lang") == "fi"
    assert visit.foreign_requests == []
