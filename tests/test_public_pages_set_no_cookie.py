import pytest

from proof.public_urls import all_reading_paths, form_paths

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", all_reading_paths())
def test_a_public_page_sets_no_cookie_and_may_be_cached_by_the_proxy_only(client, path):
    """Each page is fetched once and its headers checked against every rule."""
    response = client.get(path)
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    assert not response.cookies
    # Touching the session adds "Vary: Cookie", which would defeat the shared cache.
    assert "cookie" not in response.headers.get("Vary", "").lower()
    # The proxy may keep it a minute; the browser must ask again (max-age=0), and nothing
    # marks it private.
    cache_control = response.headers["Cache-Control"]
    assert "s-maxage=60" in cache_control
    assert "max-age=0" in cache_control
    assert "private" not in cache_control


def test_the_root_redirects_to_a_language_without_setting_a_cookie(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="fi")
    assert response.status_code == 302
    assert response.headers["Location"] == "/fi/"
    assert not response.cookies
    assert "no-store" in response.headers["Cache-Control"]


@pytest.mark.parametrize("language", ["en", "fi", "sv"])
def test_a_form_page_sets_only_the_csrf_cookie_and_is_never_cached(client, settings, language):
    for path in form_paths(language):
        response = client.get(path)
        assert response.status_code == 200
        assert set(response.cookies) == {settings.CSRF_COOKIE_NAME}
        assert "no-store" in response.headers["Cache-Control"]


def _lifetime(morsel) -> str:
    return f"{morsel['max-age']}{morsel['expires']}"


@pytest.mark.parametrize("language", ["en", "fi", "sv"])
def test_the_csrf_cookie_of_a_form_page_goes_when_the_browser_closes(client, settings, language):
    """No Max-Age or Expires: a device keeps no sign, past the browser's session, that the
    site's forms were opened (docs/privacy.md, "Cookies")."""
    for path in form_paths(language):
        cookie = client.get(path).cookies[settings.CSRF_COOKIE_NAME]
        assert _lifetime(cookie) == "", path


def test_a_mailbox_post_renews_no_cookie_with_a_lifetime(client, settings):
    client.get("/en/mailbox/")
    response = client.post("/en/mailbox/", {"codename": "apple-river-stone-cloud-table-lamp"})
    assert response.status_code == 404
    for morsel in response.cookies.values():
        assert _lifetime(morsel) == ""


def test_staff_cookies_go_when_the_browser_closes_too(client, settings):
    from tests.staff.factories import make_user, password_step

    make_user("clinician", key=True)
    login_page = client.get("/staff/login/")
    assert _lifetime(login_page.cookies[settings.CSRF_COOKIE_NAME]) == ""
    response = password_step(client, "clinician")
    assert response.status_code == 302
    assert response.cookies  # the session (and the key's cookie half) were set
    for name, morsel in response.cookies.items():
        assert _lifetime(morsel) == "", name
