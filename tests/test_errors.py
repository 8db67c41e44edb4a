"""Bad input gets the translated error page with the right 4xx, never a 500 or a trace."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_an_unknown_path_gets_the_404_page_in_the_language_of_its_prefix(client):
    response = client.get("/fi/no-such-page/")
    assert response.status_code == 404
    assert "Sivua ei löytynyt" in response.content.decode()
    assert '<html lang="fi"' in response.content.decode()


def test_an_unsupported_language_prefix_is_a_404_not_a_redirect_loop(client):
    response = client.get("/de/", HTTP_ACCEPT_LANGUAGE="sv")
    assert response.status_code == 404
    assert "Sidan hittades inte" in response.content.decode()


def test_an_unknown_audience_is_a_404(client):
    assert client.get("/en/for/nobody/").status_code == 404


def test_a_malformed_host_header_gets_the_400_page(client):
    response = client.get("/en/", HTTP_HOST="bad host!name")
    assert response.status_code == 400
    assert "Bad request" in response.content.decode()
    assert "Traceback" not in response.content.decode()


def test_an_unknown_host_gets_the_400_page(client):
    response = client.get("/en/", HTTP_HOST="evil.example")
    assert response.status_code == 400


def test_an_oversize_form_gets_the_400_page(client, settings):
    body = "x=" + "a" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    response = client.post(
        "/staff/admin/login/", body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 400


def test_a_post_to_a_reading_page_is_refused_with_405(client):
    assert client.post("/en/").status_code == 405


def test_a_form_without_its_csrf_token_gets_the_translated_403_page():
    client = Client(enforce_csrf_checks=True)
    response = client.post("/staff/admin/login/", {"username": "a", "password": "b"},
                           HTTP_ACCEPT_LANGUAGE="sv")
    assert response.status_code == 403
    assert "Formuläret har gått ut" in response.content.decode()


@pytest.mark.urls("tests.urls_failing")
def test_a_server_error_shows_the_500_page_without_a_trace(client):
    client.raise_request_exception = False
    response = client.get("/fi/fail/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "Jokin meni vikaan" in html
    assert "Traceback" not in html
    assert "ZeroDivisionError" not in html
