"""First sign-in: set up an authenticator app, confirm it with a code, receive backup codes."""

from base64 import b32encode

import pytest
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .factories import code_for, device_of, make_user, password_step

pytestmark = pytest.mark.django_db

ENROL = "/staff/enrol/"


@pytest.fixture
def newcomer(db):
    return make_user("newcomer", enrolled=False)


def test_the_setup_page_draws_the_qr_code_itself_and_is_never_cached(client, newcomer):
    password_step(client, "newcomer")
    response = client.get(ENROL)
    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]
    html = response.content.decode()
    assert '<svg role="img" aria-label=' in html
    assert "<img" not in html
    device = device_of(newcomer, confirmed=False)
    secret = b32encode(device.bin_key).decode()
    shown = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    assert shown in html
    assert '<meta name="referrer" content="same-origin">' in html


def test_reloading_the_setup_page_keeps_the_same_key(client, newcomer):
    password_step(client, "newcomer")
    client.get(ENROL)
    client.get(ENROL)
    assert TOTPDevice.objects.filter(user=newcomer).count() == 1


def test_a_code_from_the_new_app_confirms_it_and_shows_ten_backup_codes_once(client, newcomer):
    password_step(client, "newcomer")
    client.get(ENROL)
    device = device_of(newcomer, confirmed=False)
    response = client.post(ENROL, {"code": code_for(device)})
    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]
    device.refresh_from_db()
    assert device.confirmed
    tokens = list(StaticToken.objects.filter(device__user=newcomer))
    assert len(tokens) == 10
    html = response.content.decode()
    for token in tokens:
        assert f"{token.token[:5]}-{token.token[5:]}" in html
    assert "otp_device_id" in client.session
    assert client.get("/staff/account/").status_code == 200
    # Shown once: the page now leads on instead of showing them again.
    assert client.get(ENROL).status_code == 302


def test_a_wrong_code_does_not_confirm_the_app(client, newcomer):
    password_step(client, "newcomer")
    client.get(ENROL)
    response = client.post(ENROL, {"code": "000000"})
    assert response.status_code == 200
    assert not TOTPDevice.objects.filter(user=newcomer, confirmed=True).exists()
    assert "otp_device_id" not in client.session


def test_a_password_alone_cannot_add_an_app_to_an_account_that_has_one(client, staff):
    password_step(client, "clinician")
    response = client.get(ENROL)
    assert response.headers["Location"] == "/staff/verify/"
    response = client.post(ENROL, {"code": "123456"})
    assert response.headers["Location"] == "/staff/verify/"
    assert TOTPDevice.objects.filter(user=staff).count() == 1


def test_a_newcomer_reaches_no_staff_page_before_setting_up_the_app(client, newcomer):
    password_step(client, "newcomer")
    response = client.get("/staff/account/")
    assert response.headers["Location"].startswith("/staff/verify/")
