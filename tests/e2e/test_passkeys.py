"""Passkeys as a second factor, in chromium with its virtual authenticator (CDP WebAuthn):
several per person, named and removable; after the password a passkey completes the sign-in;
a registration from a foreign origin, a replayed assertion and a removed passkey are refused
with a 4xx, never a 500. axe on the account and sign-in pages."""

import base64
import json

import pytest
from django_otp_webauthn.models import WebAuthnCredential

from accounts.models import AuditEntry
from tests.staff.factories import PASSWORD, make_user

pytestmark = pytest.mark.browser

AUTHENTICATOR = {"protocol": "ctap2", "transport": "internal", "hasResidentKey": True,
                 "hasUserVerification": True, "isUserVerified": True}


def authenticator(visit):
    """A virtual authenticator in the page's browser; returns the CDP session and its id."""
    cdp = visit.context.new_cdp_session(visit.page)
    cdp.send("WebAuthn.enable")
    made = cdp.send("WebAuthn.addVirtualAuthenticator", {"options": AUTHENTICATOR})
    return cdp, made["authenticatorId"]


def add_passkey(visit):
    page = visit.page
    visit.goto("/staff/account/")
    before = page.locator("input[name=name]").count()
    with page.expect_navigation():  # static/js/staff-passkeys.js loads the page again
        page.get_by_role("button", name="Add a passkey").click()
    assert page.locator("input[name=name]").count() == before + 1


def password_step(visit, user):
    page = visit.page
    visit.goto("/staff/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Log in").click()
    assert "/staff/verify/" in page.url


def sign_out(visit):
    with visit.page.expect_navigation():
        visit.page.get_by_role("navigation", name="Staff pages").get_by_role(
            "button", name="Sign out").click()


def checked(page, axe_violations, where):
    assert axe_violations(page) == [], where


@pytest.fixture
def staff_member():
    return make_user("passkey-user")


def test_two_named_passkeys_each_complete_the_sign_in_and_one_is_removed(
        new_context, axe_violations, staff_member):
    visit = new_context(javascript=True)
    page = visit.page
    cdp, first = authenticator(visit)
    visit.sign_in(staff_member)
    add_passkey(visit)
    checked(page, axe_violations, "account page with a passkey")
    page.fill("input[name=name]", "Work laptop")
    with page.expect_navigation():
        page.get_by_role("button", name="Rename Passkey 1").click()
    assert page.get_by_text("The passkey's name was changed.").is_visible()

    # A second authenticator (a security key) makes a second passkey.
    cdp.send("WebAuthn.removeVirtualAuthenticator", {"authenticatorId": first})
    second = cdp.send("WebAuthn.addVirtualAuthenticator",
                      {"options": AUTHENTICATOR})["authenticatorId"]
    add_passkey(visit)
    names = sorted(WebAuthnCredential.objects.filter(user=staff_member)
                   .values_list("name", flat=True))
    assert names == ["Passkey 2", "Work laptop"]

    sign_out(visit)
    password_step(visit, staff_member)
    checked(page, axe_violations, "sign-in with a passkey offered")
    with page.expect_navigation():
        page.get_by_role("button", name="Use my passkey").click()
    assert page.url.endswith("/staff/account/")  # make_user's landing page: no organisation
    used = WebAuthnCredential.objects.get(user=staff_member, name="Passkey 2")
    assert used.last_used_at is not None

    with page.expect_navigation():
        page.get_by_role("button", name="Remove Work laptop").click()
    assert page.get_by_text("The passkey was removed. It no longer signs you in.").is_visible()
    assert list(WebAuthnCredential.objects.filter(user=staff_member)
                .values_list("name", flat=True)) == ["Passkey 2"]
    assert AuditEntry.objects.filter(actor_name="passkey-user", action="passkey.remove").exists()
    cdp.send("WebAuthn.removeVirtualAuthenticator", {"authenticatorId": second})
    assert visit.foreign_requests == []


def test_a_registration_from_a_foreign_origin_is_refused_and_nothing_is_stored(
        new_context, staff_member):
    visit = new_context(javascript=True)
    page = visit.page
    authenticator(visit)
    visit.sign_in(staff_member)
    answers = []

    def foreign(route):
        body = json.loads(route.request.post_data)
        client_data = json.loads(base64.urlsafe_b64decode(
            body["response"]["clientDataJSON"] + "=="))
        client_data["origin"] = "https://helpportal.example.net"
        body["response"]["clientDataJSON"] = base64.urlsafe_b64encode(
            json.dumps(client_data).encode()).decode().rstrip("=")
        response = route.fetch(post_data=json.dumps(body))
        answers.append(response.status)
        route.fulfill(response=response)

    page.route("**/staff/passkeys/registration/complete/", foreign)
    visit.goto("/staff/account/")
    page.get_by_role("button", name="Add a passkey").click()
    page.wait_for_function("() => document.querySelector("
                           "'#passkey-register-status-message')?.textContent.trim()")
    assert answers and 400 <= answers[0] < 500
    assert not WebAuthnCredential.objects.filter(user=staff_member).exists()


def test_a_replayed_assertion_and_a_removed_passkeys_assertion_are_refused(
        new_context, staff_member):
    visit = new_context(javascript=True)
    page = visit.page
    authenticator(visit)
    visit.sign_in(staff_member)
    add_passkey(visit)
    sign_out(visit)

    captured = []

    def keep(route):
        captured.append(route.request.post_data)
        route.continue_()

    page.route("**/staff/passkeys/authentication/complete/", keep)
    password_step(visit, staff_member)
    with page.expect_navigation():
        page.get_by_role("button", name="Use my passkey").click()
    assert "/staff/verify/" not in page.url and captured

    def post(path, data):
        token = page.context.cookies()
        csrf = next(cookie["value"] for cookie in token if "csrftoken" in cookie["name"])
        return page.request.post(visit.url(path), data=data, headers={
            "X-CSRFToken": csrf, "Content-Type": "application/json",
            "Origin": visit.base_url})

    replayed = post("/staff/passkeys/authentication/complete/", captured[0])
    assert 400 <= replayed.status < 500  # its ceremony's state is gone: used once

    # Removed, the passkey's assertion opens nothing, even with a fresh ceremony begun.
    visit.goto("/staff/account/")
    with page.expect_navigation():
        page.get_by_role("button", name="Remove Passkey 1").click()
    # It was the passkey this sign-in was completed with: the second step is asked again.
    assert "/staff/verify/" in page.url
    assert page.get_by_text("The passkey was removed. It no longer signs you in.").is_visible()
    assert post("/staff/passkeys/authentication/begin/", "{}").status == 200
    refused = post("/staff/passkeys/authentication/complete/", captured[0])
    assert 400 <= refused.status < 500
    visit.goto("/staff/account/")
    assert "/staff/verify/" in page.url  # still waiting for its second step
