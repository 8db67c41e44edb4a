import pytest

from helpportal.csp import RICH_TEXT_EDITOR_STYLE
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
    # Public pages only (helpportal/csp.py); the staff area's admin needs jQuery.
    "require-trusted-types-for": "'script'",
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


@pytest.mark.parametrize("path", ["/staff/admin/login/", "/staff/login/"])
def test_the_staff_area_has_the_same_policy_without_trusted_types(client, path):
    """The admin's jQuery writes markup from strings, which Trusted Types would refuse; the
    rich text editor's one <style> element is allowed by its hash and its font from here,
    never by 'unsafe-inline'."""
    response = client.get(path)
    directives = csp_directives(response.headers["Content-Security-Policy"])
    assert "require-trusted-types-for" not in directives
    staff = dict(EXPECTED_CSP)
    del staff["require-trusted-types-for"]
    staff["style-src"] = f"'self' {RICH_TEXT_EDITOR_STYLE}"
    staff["font-src"] = "'self'"
    staff["connect-src"] = "'self'"
    assert directives == staff
    assert "unsafe-" not in response.headers["Content-Security-Policy"]


def test_only_a_page_with_the_rich_text_editor_sends_a_nonce(client):
    from content.models import StepText
    from tests.content.factories import make_staff
    from tests.staff.factories import sign_in

    sign_in(client, make_staff())
    text = StepText.objects.first()
    editor = client.get(f"/staff/admin/content/steptext/{text.pk}/change/")
    script_src = csp_directives(editor.headers["Content-Security-Policy"])["script-src"]
    nonce = script_src.split("'nonce-")[1].split("'")[0]
    assert f'<script type="importmap" nonce="{nonce}">' in editor.content.decode()
    listing = client.get("/staff/admin/content/steptext/")
    assert "nonce-" not in listing.headers["Content-Security-Policy"]
