"""The exit address: a redirect to the neutral site that tells the browser to forget this site.

It is what the quick-exit link points to, so it works with JavaScript off. It must read and
set no cookie, never be cached (by the browser or nginx, which stores only what the app marks
with s-maxage), and leave nothing anywhere: no log line, table row or cache entry.
"""

import uuid

import pytest
from django.urls import reverse

from tests.test_no_visitor_data_is_kept import (
    ADDRESS,
    dump_every_table,
    dump_the_cache,
    every_log_record,  # noqa: F401 (a fixture)
)

pytestmark = pytest.mark.django_db(transaction=True)

NEUTRAL = "https://neutral.example/somewhere/"


@pytest.fixture
def neutral(settings):
    settings.QUICK_EXIT_URL = NEUTRAL
    return NEUTRAL


def test_the_exit_address_is_outside_the_language_prefix():
    assert reverse("quick_exit") == "/exit/"


@pytest.mark.parametrize("method", ["get", "head"])
def test_it_redirects_to_the_neutral_site_and_clears_this_sites_data(client, neutral, method):
    response = getattr(client, method)("/exit/")
    assert response.status_code == 302
    assert response.headers["Location"] == NEUTRAL
    assert response.headers["Clear-Site-Data"] == '"cache", "storage"'
    cache_control = response.headers["Cache-Control"]
    assert "no-store" in cache_control
    # nginx caches only responses marked public with s-maxage: this one never.
    assert "s-maxage" not in cache_control
    assert "public" not in cache_control
    assert "Set-Cookie" not in response.headers
    assert not response.cookies
    assert "cookie" not in response.headers.get("Vary", "").lower()
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_it_sets_no_cookie_even_for_a_browser_that_has_the_sites_cookies(client, neutral, settings):
    client.get("/en/self-check/")  # a form page: the browser now holds the CSRF cookie
    assert settings.CSRF_COOKIE_NAME in client.cookies
    response = client.get("/exit/")
    assert response.status_code == 302
    assert not response.cookies


def test_it_answers_other_methods_with_a_405_not_a_redirect(client, neutral):
    response = client.post("/exit/")
    assert response.status_code == 405
    assert "Clear-Site-Data" not in response.headers


def test_the_csp_of_a_page_does_not_restrict_where_quick_exit_goes(client):
    """Leaving is a top-level navigation; only form-action could get in its way, and the
    quick exit is a link, not a form."""
    header = client.get("/en/").headers["Content-Security-Policy"]
    assert "navigate-to" not in header
    html = client.get("/en/").content.decode()
    assert '<a class="quick-exit" id="quick-exit" href="/exit/"' in html


def test_leaving_keeps_nothing_anywhere(client, neutral, every_log_record, capfd):  # noqa: F811
    agent = f"HelpportalProbe/{uuid.uuid4()}"
    referrer = f"http://testserver/en/pathways/self/{uuid.uuid4().hex}/"
    marker = uuid.uuid4().hex
    before_tables = dump_every_table()
    before_cache = dump_the_cache()
    for _ in range(3):
        response = client.get(
            f"/exit/?from={marker}",
            REMOTE_ADDR=ADDRESS,
            HTTP_X_FORWARDED_FOR=ADDRESS,
            HTTP_USER_AGENT=agent,
            HTTP_REFERER=referrer,
            HTTP_COOKIE=f"probe={marker}",
        )
        assert response.status_code == 302
    out, err = capfd.readouterr()
    assert every_log_record == [], "leaving should write no log record at all"
    assert out + err == ""
    assert dump_every_table() == before_tables, "leaving should write no row"
    after_cache = dump_the_cache()
    for secret in (ADDRESS, agent, referrer, marker, "exit"):
        assert secret not in after_cache
    # The only cache entry a request may create is the rate-limit secret of the day, made
    # when a view asks for a client key; this one asks for none.
    assert after_cache == before_cache
