"""Staff keys, organisation keys and grants (accounts/keys.py), and the session's keystore
(accounts/keystore.py) as the sign-in fills it."""

import pytest
from django.conf import settings

from accounts import keys
from accounts.models import KeyGrant, Membership, OrganizationKey, StaffKey
from helpportal import sealing
from tests.referrals.factories import make_organization

from .factories import PASSWORD, code_for, code_step, device_of, make_user, password_step

pytestmark = pytest.mark.django_db


def member(organization, username, role=Membership.Role.CLINICIAN):
    user = make_user(username)
    Membership.objects.create(user=user, organization=organization, role=role)
    return user


def test_a_staff_key_opens_with_the_password_and_the_recovery_key_only(staff):
    private, recovery = keys.staff_key_create(user=staff, password=PASSWORD)
    assert keys.staff_key_open(user=staff, password=PASSWORD) == private
    with pytest.raises(keys.KeyRefused) as refused:
        keys.staff_key_open(user=staff, password=PASSWORD + "x")
    assert refused.value.reason == "password"
    assert keys.staff_key_recover(user=staff, recovery_key=recovery.lower(),
                                  password="a new password 99") == private
    assert keys.staff_key_open(user=staff, password="a new password 99") == private
    with pytest.raises(keys.KeyRefused) as refused:
        keys.staff_key_recover(user=staff, recovery_key=sealing.recovery_key_new(),
                               password="whatever it is")
    assert refused.value.reason == "recovery"
    assert keys.staff_key_open(user=staff, password="a new password 99") == private  # intact


def test_the_stored_key_holds_no_private_key_in_clear_and_keeps_its_parameters(staff, settings):
    private, _ = keys.staff_key_create(user=staff, password=PASSWORD)
    row = StaffKey.objects.get(user=staff)
    stored = b"".join(bytes(getattr(row, name)) for name in (
        "public_key", "private_by_password", "password_salt", "private_by_recovery"))
    assert private not in stored
    assert row.password_opslimit == settings.PASSWORD_KEY_OPSLIMIT
    assert row.password_memlimit == settings.PASSWORD_KEY_MEMLIMIT
    assert sealing.public_of(private) == bytes(row.public_key)


def test_a_rewrap_needs_the_users_own_key(staff):
    private, _ = keys.staff_key_create(user=staff, password=PASSWORD)
    with pytest.raises(keys.KeyRefused):
        keys.staff_key_rewrap(user=staff, private=sealing.keypair().private, password="new one 1")
    assert keys.staff_key_open(user=staff, password=PASSWORD) == private
    keys.staff_key_rewrap(user=staff, private=private, password="new one 1")
    assert keys.staff_key_open(user=staff, password="new one 1") == private


def test_the_organisation_key_is_granted_member_to_member_and_by_its_recovery_key():
    organization = make_organization(key=False)
    first, second, outsider = (member(organization, "first", Membership.Role.MANAGER),
                               member(organization, "second"), make_user("outsider"))
    first_private, _ = keys.staff_key_create(user=first, password=PASSWORD)
    second_private, _ = keys.staff_key_create(user=second, password=PASSWORD)
    organization_key, recovery = keys.organization_key_create(organization=organization,
                                                              member=first)
    assert [m.user for m in keys.grants_waiting(organization)] == [second]
    org_private = keys.organization_private(organization_key=organization_key, user=first,
                                            private=first_private)
    assert sealing.public_of(org_private) == bytes(organization_key.public_key)
    with pytest.raises(keys.KeyRefused) as refused:
        keys.organization_private(organization_key=organization_key, user=second,
                                  private=second_private)
    assert refused.value.reason == "no-grant"

    keys.grant_create(organization_key=organization_key, organization_private_key=org_private,
                      member=second, granted_by=first)
    assert keys.grants_waiting(organization) == []
    assert keys.organization_private(organization_key=organization_key, user=second,
                                     private=second_private) == org_private
    assert keys.organization_private_by_recovery(organization_key=organization_key,
                                                 recovery_key=recovery) == org_private

    keys.staff_key_create(user=outsider, password=PASSWORD)
    with pytest.raises(keys.KeyRefused) as refused:
        keys.grant_create(organization_key=organization_key,
                          organization_private_key=org_private, member=outsider, granted_by=first)
    assert refused.value.reason == "not-a-member"


def test_a_grant_of_another_organisations_key_is_refused_and_nothing_is_saved():
    mine, theirs = make_organization(key=False), make_organization(key=False)
    manager, colleague = member(mine, "manager"), member(mine, "colleague")
    stranger = member(theirs, "stranger")
    for user in (manager, colleague, stranger):
        keys.staff_key_create(user=user, password=PASSWORD)
    my_key, _ = keys.organization_key_create(organization=mine, member=manager)
    their_key, their_recovery = keys.organization_key_create(organization=theirs, member=stranger)
    their_private = keys.organization_private_by_recovery(organization_key=their_key,
                                                          recovery_key=their_recovery)
    with pytest.raises(keys.KeyRefused) as refused:
        keys.grant_create(organization_key=my_key, organization_private_key=their_private,
                          member=colleague, granted_by=manager)
    assert refused.value.reason == "foreign"
    assert not KeyGrant.objects.filter(user=colleague).exists()
    with pytest.raises(keys.KeyRefused):
        keys.organization_private_by_recovery(organization_key=my_key,
                                              recovery_key=their_recovery)


def test_a_new_staff_key_drops_the_grants_sealed_to_the_old_one_and_leaving_drops_them_too():
    organization = make_organization(key=False)
    manager, colleague = member(organization, "manager"), member(organization, "colleague")
    keys.staff_key_create(user=manager, password=PASSWORD)
    keys.staff_key_create(user=colleague, password=PASSWORD)
    organization_key, recovery = keys.organization_key_create(organization=organization,
                                                              member=manager)
    org_private = keys.organization_private_by_recovery(organization_key=organization_key,
                                                        recovery_key=recovery)
    keys.grant_create(organization_key=organization_key, organization_private_key=org_private,
                      member=colleague, granted_by=manager)
    keys.staff_key_create(user=colleague, password="after a reset 77")  # a new key pair
    assert not KeyGrant.objects.filter(user=colleague).exists()
    assert [m.user for m in keys.grants_waiting(organization)] == [colleague]
    assert keys.grants_revoke(organization_id=organization.pk, user_id=manager.pk) == 1
    assert OrganizationKey.objects.filter(organization=organization).count() == 1


def sign_in_with_password(client, user):
    password_step(client, user.username)
    return code_step(client, code_for(device_of(user)))


def test_the_first_sign_in_makes_a_key_and_shows_its_recovery_key_once(client):
    staff = make_user("newcomer", key=False)
    response = sign_in_with_password(client, staff)
    assert response.headers["Location"].startswith("/staff/account/recovery-key/")
    assert client.cookies[settings.STAFF_KEY_COOKIE_NAME]["httponly"]
    page = client.get(response.headers["Location"])
    recovery = page.context["recovery_key"]
    assert recovery in page.content.decode()
    assert keys.staff_key_recover(user=staff, recovery_key=recovery, password=PASSWORD)
    again = client.get("/staff/account/recovery-key/")
    assert again.status_code == 302 and recovery not in again.content.decode()
    assert recovery not in str(dict(client.session))


def test_the_session_holds_the_key_locked_and_the_cookie_alone_opens_it(client, staff):
    from accounts import keystore

    private, _ = keys.staff_key_create(user=staff, password=PASSWORD)
    sign_in_with_password(client, staff)
    entry = client.session[keystore.SESSION_FIELD]
    assert private.hex() not in str(entry) and "recovery" not in entry
    request = type("Request", (), {})()
    request.session = client.session
    request.COOKIES = {settings.STAFF_KEY_COOKIE_NAME:
                       client.cookies[settings.STAFF_KEY_COOKIE_NAME].value}
    assert keystore.keystore_private(request) == private
    request.COOKIES = {settings.STAFF_KEY_COOKIE_NAME: "AAAA" + request.COOKIES[
        settings.STAFF_KEY_COOKIE_NAME][4:]}  # another session's, or a forged one
    with pytest.raises(keys.KeyRefused):
        keystore.keystore_private(request)
    request.COOKIES = {settings.STAFF_KEY_COOKIE_NAME: "not base64 at all!"}
    with pytest.raises(keys.KeyRefused):
        keystore.keystore_private(request)


def test_signing_out_drops_the_server_half_and_clears_the_cookie(client, staff):
    from accounts import keystore

    keys.staff_key_create(user=staff, password=PASSWORD)
    sign_in_with_password(client, staff)
    response = client.post("/staff/logout/")
    assert response.cookies[settings.STAFF_KEY_COOKIE_NAME].value == ""
    assert keystore.SESSION_FIELD not in client.session


def test_a_password_that_no_longer_opens_the_key_signs_in_without_one(client, staff):
    from accounts import keystore

    keys.staff_key_create(user=staff, password="the password before the reset")
    response = sign_in_with_password(client, staff)
    assert keystore.SESSION_FIELD not in client.session
    assert response.headers["Location"].startswith("/staff/account/key/")


def test_the_key_page_restores_with_the_recovery_key_and_refuses_a_wrong_one(client, staff):
    from accounts import keystore

    private, recovery = keys.staff_key_create(user=staff, password="before the reset 1")
    sign_in_with_password(client, staff)
    page = client.get("/staff/account/key/")
    assert page.status_code == 200
    wrong = client.post("/staff/account/key/", {"action": "restore", "password": PASSWORD,
                                                "recovery_key": sealing.recovery_key_new()})
    assert wrong.status_code == 400
    assert "This recovery key does not open your key." in wrong.content.decode()
    assert keys.staff_key_open(user=staff, password="before the reset 1") == private  # intact
    not_mine = client.post("/staff/account/key/", {"action": "restore", "password": "nope",
                                                   "recovery_key": recovery})
    assert not_mine.status_code == 400 and "That is not your password." in (
        not_mine.content.decode())
    done = client.post("/staff/account/key/", {"action": "restore", "password": PASSWORD,
                                               "recovery_key": recovery})
    assert done.status_code == 302
    assert keys.staff_key_open(user=staff, password=PASSWORD) == private
    assert keystore.SESSION_FIELD in client.session
    assert client.get("/staff/account/key/").status_code == 302  # nothing left to restore


def test_the_key_page_makes_a_new_key_only_when_asked_plainly(client, staff):
    keys.staff_key_create(user=staff, password="before the reset 1")
    old = bytes(StaffKey.objects.get(user=staff).public_key)
    sign_in_with_password(client, staff)
    unticked = client.post("/staff/account/key/", {"action": "new", "password": PASSWORD})
    assert unticked.status_code == 400
    assert bytes(StaffKey.objects.get(user=staff).public_key) == old
    made = client.post("/staff/account/key/", {"action": "new", "password": PASSWORD,
                                               "understood": "on"})
    assert made.headers["Location"].startswith("/staff/account/recovery-key/")
    assert bytes(StaffKey.objects.get(user=staff).public_key) != old


def test_changing_ones_own_password_wraps_the_key_again(client):
    user = make_user("editor-self", superuser=True)
    private = keys.staff_key_open(user=user, password=PASSWORD)
    sign_in_with_password(client, user)
    response = client.post("/staff/admin/password_change/", {
        "old_password": PASSWORD, "new_password1": "a brand new password 2026",
        "new_password2": "a brand new password 2026"})
    assert response.status_code == 302
    assert keys.staff_key_open(user=user, password="a brand new password 2026") == private


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_first_sign_ins_at_the_same_moment_make_one_key_and_no_error():
    """Found by the proof's fuzzing: two first sign-ins raced to make the key (a 500)."""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection
    from django.test import Client

    make_user("twice", key=False)

    def first_sign_in(_):
        try:
            return password_step(Client(), "twice").status_code
        finally:
            connection.close()  # this thread's connection

    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(first_sign_in, range(4)))
    assert answers == [302, 302, 302, 302]
    assert StaffKey.objects.filter(user__username="twice").count() == 1
