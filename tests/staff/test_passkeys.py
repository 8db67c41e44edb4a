"""Passkeys on the staff side, without a browser: naming and removing only one's own, each
audited; the setting by which administrators require a passkey for every staff member; and
the headers that let the staff pages, and only they, use WebAuthn. The ceremonies themselves
run in chromium (tests/e2e/test_passkeys.py)."""

import os

import pytest
from django_otp_webauthn.models import WebAuthnCredential

from accounts.models import AuditEntry

from .factories import code_for, code_step, device_of, make_user, password_step, sign_in

pytestmark = pytest.mark.django_db


def passkey(user, name="Phone"):
    return WebAuthnCredential.objects.create(
        user=user, name=name, confirmed=True, credential_id=os.urandom(32),
        public_key=os.urandom(77), sign_count=0, aaguid="00000000-0000-0000-0000-000000000000")


def test_a_staff_member_renames_and_removes_only_their_own_passkeys(client):
    owner, other = make_user("owner"), make_user("other")
    mine, theirs = passkey(owner), passkey(other, "Their key")
    sign_in(client, owner)
    client.post("/staff/account/passkeys/rename/", {"passkey": mine.pk, "name": "Work laptop"})
    client.post("/staff/account/passkeys/rename/", {"passkey": theirs.pk, "name": "Mine now"})
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert (mine.name, theirs.name) == ("Work laptop", "Their key")
    page = client.get("/staff/account/").content.decode()
    assert 'value="Work laptop"' in page and "Their key" not in page

    response = client.post("/staff/account/passkeys/remove/", {"passkey": theirs.pk},
                           follow=True)
    assert "That passkey was already removed." in response.content.decode()
    assert WebAuthnCredential.objects.filter(pk=theirs.pk).exists()
    client.post("/staff/account/passkeys/remove/", {"passkey": mine.pk})
    assert not WebAuthnCredential.objects.filter(pk=mine.pk).exists()
    actions = set(AuditEntry.objects.filter(actor_name="owner").values_list("action", flat=True))
    assert {"passkey.rename", "passkey.remove"} <= actions


@pytest.mark.parametrize("name", ["", "   ", "x" * 65])
def test_a_passkey_name_must_be_given_and_is_cut_to_64(client, name):
    owner = make_user("owner")
    key = passkey(owner)
    sign_in(client, owner)
    response = client.post("/staff/account/passkeys/rename/", {"passkey": key.pk, "name": name},
                           follow=True)
    key.refresh_from_db()
    if name.strip():
        assert key.name == name[:64]
    else:
        assert key.name == "Phone"
        assert "Give the passkey a name of up to 64 characters." in response.content.decode()


def test_a_bad_passkey_number_is_a_message_not_a_500(client):
    sign_in(client, make_user("owner"))
    for value in ("", "abc", "99999999999999999999"):
        response = client.post("/staff/account/passkeys/remove/", {"passkey": value})
        assert response.status_code == 302


def test_the_verify_page_offers_a_passkey_to_someone_who_has_one(client):
    user = make_user("owner")
    password_step(client, "owner")
    assert "Use my passkey" not in client.get("/staff/verify/").content.decode()
    passkey(user)
    page = client.get("/staff/verify/").content.decode()
    assert "Use my passkey" in page and 'name="code"' in page  # the app's code still works


@pytest.mark.real_password_hashing
def test_when_required_a_code_no_longer_completes_the_sign_in_of_one_with_a_passkey(
        client, settings):
    settings.STAFF_PASSKEY_REQUIRED = True
    user = make_user("owner")
    passkey(user)
    password_step(client, "owner")
    page = client.get("/staff/verify/").content.decode()
    assert 'name="code"' not in page
    assert "require a passkey for every staff account" in page
    response = code_step(client, code_for(device_of(user)))
    assert response.status_code == 200
    assert "A passkey is required for this account: sign in with it." in (
        response.content.decode())
    assert client.get("/staff/account/").status_code == 302  # still not signed in


@pytest.mark.real_password_hashing
def test_when_required_one_without_a_passkey_adds_one_before_anything_else(client, settings):
    settings.STAFF_PASSKEY_REQUIRED = True
    user = make_user("owner", superuser=True)
    password_step(client, "owner")
    response = code_step(client, code_for(device_of(user)))
    assert response.status_code == 302
    blocked = client.get("/staff/admin/", follow=True)
    assert blocked.request["PATH_INFO"] == "/staff/account/"
    assert "A passkey is required for every staff account." in blocked.content.decode()
    assert client.get("/staff/account/").status_code == 200
    assert client.post("/staff/passkeys/registration/begin/",
                       content_type="application/json").status_code == 200
    passkey(user)
    assert client.get("/staff/admin/").status_code == 200


def test_only_staff_pages_may_use_webauthn(client):
    public = client.get("/en/").headers["Permissions-Policy"]
    assert "publickey-credentials-get=()" in public
    assert "publickey-credentials-create" not in public
    staff = client.get("/staff/login/").headers["Permissions-Policy"]
    assert "publickey-credentials-get=(self)" in staff
    assert "publickey-credentials-create=(self)" in staff


def test_a_ceremony_without_the_password_step_is_refused(client):
    begin = client.post("/staff/passkeys/authentication/begin/", content_type="application/json")
    assert 400 <= begin.status_code < 500  # no passwordless sign-in
    complete = client.post("/staff/passkeys/authentication/complete/", "{}",
                           content_type="application/json")
    assert 400 <= complete.status_code < 500
