"""A password alone reaches no staff page: a code from the app (or a backup code) is needed."""

import pytest
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .factories import code_for, device_of, make_user, password_step, sign_in

pytestmark = pytest.mark.django_db

VERIFY = "/staff/verify/"


def verified(client) -> bool:
    return "otp_device_id" in client.session


@pytest.mark.parametrize(
    "path",
    ["/staff/admin/", "/staff/admin/auth/user/", "/staff/account/", "/staff/preview/step/1/"],
)
def test_a_password_only_session_is_sent_to_the_code_step_from_every_staff_page(
    client, path
):
    make_user("admin", superuser=True)
    password_step(client, "admin")
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith(f"{VERIFY}?next=")


def test_a_password_only_session_cannot_post_to_the_admin(client):
    make_user("admin", superuser=True)
    password_step(client, "admin")
    response = client.post("/staff/admin/auth/user/add/", {"username": "intruder"})
    assert response.status_code == 302
    assert response.headers["Location"] == VERIFY
    assert not TOTPDevice.objects.filter(user__username="intruder").exists()


def test_the_right_code_from_the_app_opens_the_admin(client):
    admin = make_user("admin", superuser=True)
    password_step(client, "admin")
    response = client.post(VERIFY, {"code": code_for(device_of(admin))})
    assert response.status_code == 302
    assert response.headers["Location"] == "/staff/admin/"
    assert client.get("/staff/admin/").status_code == 200


def test_the_code_step_rotates_the_session_key(client, staff):
    password_step(client, "clinician")
    before = client.session.session_key
    client.post(VERIFY, {"code": code_for(device_of(staff))})
    assert client.session.session_key != before
    assert verified(client)


def test_a_wrong_code_is_refused_and_the_session_stays_at_the_code_step(client, staff):
    password_step(client, "clinician")
    right = code_for(device_of(staff))
    wrong = str((int(right) + 500_000) % 1_000_000).zfill(6)
    response = client.post(VERIFY, {"code": wrong})
    assert response.status_code == 200
    assert "That code did not work." in response.content.decode()
    assert not verified(client)
    assert client.get("/staff/account/").status_code == 302


def test_a_code_from_the_app_works_only_once(client, staff):
    code = code_for(device_of(staff))
    password_step(client, "clinician")
    assert client.post(VERIFY, {"code": code}).status_code == 302
    client.post("/staff/logout/")
    password_step(client, "clinician")
    assert client.post(VERIFY, {"code": code}).status_code == 200
    assert not verified(client)


def test_the_verify_page_carries_next_to_the_page_first_asked_for(client, staff):
    password_step(client, "clinician")
    response = client.post(
        f"{VERIFY}?next=/staff/account/", {"code": code_for(device_of(staff))}
    )
    assert response.headers["Location"] == "/staff/account/"


def test_the_verify_page_ignores_a_next_on_another_site(client, staff):
    password_step(client, "clinician")
    response = client.post(
        VERIFY, {"code": code_for(device_of(staff)), "next": "https://evil.example/"}
    )
    assert response.headers["Location"] == "/staff/account/"


def test_a_backup_code_works_once_only(client, staff):
    sign_in(client, staff)
    html = client.post("/staff/account/backup-codes/").content.decode()
    codes = [token.token for token in StaticToken.objects.filter(device__user=staff)]
    assert len(codes) == 10
    first = codes[0]
    assert f"{first[:5]}-{first[5:]}" in html
    client.post("/staff/logout/")

    password_step(client, "clinician")
    response = client.post(VERIFY, {"code": f"{first[:5]}-{first[5:]}".upper()})
    assert response.status_code == 302
    assert verified(client)
    assert StaticToken.objects.filter(device__user=staff).count() == 9
    client.post("/staff/logout/")

    password_step(client, "clinician")
    response = client.post(VERIFY, {"code": first})
    assert response.status_code == 200
    assert not verified(client)


def test_new_backup_codes_replace_the_old_ones(client, staff):
    sign_in(client, staff)
    client.post("/staff/account/backup-codes/")
    old = set(StaticToken.objects.filter(device__user=staff).values_list("token", flat=True))
    response = client.post("/staff/account/backup-codes/")
    assert "no-store" in response.headers["Cache-Control"]
    new = set(StaticToken.objects.filter(device__user=staff).values_list("token", flat=True))
    assert len(new) == 10
    assert not old & new


def test_the_code_page_for_someone_without_an_app_leads_to_setting_one_up(client):
    make_user("newcomer", enrolled=False)
    password_step(client, "newcomer")
    assert client.get(VERIFY).headers["Location"] == "/staff/enrol/"


def test_the_code_page_without_a_password_leads_to_the_sign_in(client):
    assert client.get(VERIFY).headers["Location"] == "/staff/login/"


def test_a_fully_signed_in_account_without_admin_access_finds_no_admin_and_no_loop(client):
    clinician = make_user("portal-only", staff=False)
    sign_in(client, clinician)
    response = client.get("/staff/admin/", follow=True)
    assert response.redirect_chain == []
    assert response.status_code == 404
