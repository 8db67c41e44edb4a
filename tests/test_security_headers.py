import pytest

from proof.public_urls import all_public_paths

pytestmark = pytest.mark.django_db

EXPECTED_CSP = {
    "default-src": "'none'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
    "base-uri": "'none'",
    "object-src": "'none'",
}


def csp_directives(header: str) -> dict[str, str]:
    directives = {}
    for part in header.split(";"):
        name, _, value = part.strip().partition(" ")
        directives[name] = value.strip()
    return directives


def assert_security_headers(response):
    headers = response.headers
    assert csp_directives(headers["Content-Security-Policy"]) == EXPECTED_CSP
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert headers["Cross-Origin-Resource-Policy"] == "same-origin"
    assert headers["X-Frame-Options"] == "DENY"
    permissions = headers["Permissions-Policy"]
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert f"{feature}=()" in permissions


@pytest.mark.parametrize("path", all_public_paths())
def test_every_public_page_carries_the_security_headers(client, path):
    assert_security_headers(client.get(path))


@pytest.mark.parametrize("path", ["/en/no-such-page/", "/de/", "/healthz", "/"])
def test_error_pages_redirects_and_health_carry_them_too(client, path):
    assert_security_headers(client.get(path))


def test_the_csp_allows_nothing_unsafe(client):
    header = client.get("/en/").headers["Content-Security-Policy"]
    assert "unsafe-" not in header
    assert "*" not in header
    assert "nonce-" not in header
