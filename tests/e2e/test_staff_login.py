"""A staff member signs in with a password and a code in a real browser and reaches the admin."""

from base64 import b32decode

import pytest
from django_otp.oath import totp

from tests.staff.factories import PASSWORD, code_for, device_of, make_user

pytestmark = pytest.mark.browser


def password_step(visit, username):
    page = visit.page
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Log in").click()


def test_a_password_and_a_code_from_the_app_open_the_admin_index(new_context):
    admin = make_user("admin", superuser=True)
    visit = new_context(javascript=True)
    page = visit.page

    visit.goto("/staff/admin/")
    assert "/staff/login/?next=" in page.url
    password_step(visit, "admin")
    assert "/staff/verify/" in page.url

    page.get_by_label("Code").fill(code_for(device_of(admin)))
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()
    assert page.url == visit.url("/staff/admin/")
    assert page.get_by_role("heading", name="Site administration").is_visible()
    assert visit.console_errors == []
    assert visit.other_hosts_asked() == []


def test_the_login_and_code_pages_have_no_accessibility_violations(new_context, axe_violations):
    make_user("admin", superuser=True)
    visit = new_context(javascript=True)
    visit.goto("/staff/login/")
    login = axe_violations(visit.page)
    password_step(visit, "admin")
    assert "/staff/verify/" in visit.page.url
    verify = axe_violations(visit.page)
    assert login == [], "\n".join(login)
    assert verify == [], "\n".join(verify)


def test_a_newcomer_sets_up_the_app_and_is_shown_backup_codes(new_context, axe_violations):
    make_user("newcomer", enrolled=False)
    visit = new_context(javascript=True)
    page = visit.page
    visit.goto("/staff/login/")
    password_step(visit, "newcomer")
    assert "/staff/enrol/" in page.url
    assert page.get_by_role("img", name="QR code for your authenticator app").is_visible()
    assert axe_violations(page) == []

    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    code = str(totp(b32decode(secret))).zfill(6)
    page.get_by_label("6-digit code from the app").fill(code)
    with page.expect_navigation():
        page.get_by_role("button", name="Confirm").click()
    assert page.locator(".backup-codes li").count() == 10
    with page.expect_navigation():
        page.get_by_role("link", name="I have saved them: continue").click()
    assert page.url == visit.url("/staff/account/")  # no role yet: their own page
    assert visit.console_errors == []
