"""Sealing as the portal and the referral form live it: an organisation's key made by its
manager, granted member to member, a member without a grant or an open key sees no word, and a
service whose organisation has no key takes no referral."""

import pytest
from django.conf import settings

from accounts import keys
from accounts.models import KeyGrant, Membership
from referrals.models import Referral
from referrals.services import referral_create
from tests.referrals.factories import (
    login_verified,
    make_member,
    make_organization,
    make_service,
)
from tests.referrals.test_visitor_referral import refer_url

pytestmark = pytest.mark.django_db

WORDS = "Words-9b1e that only the service may read"


def test_a_service_whose_organisation_has_no_key_takes_no_referral_and_keeps_the_text(client):
    service = make_service(make_organization(key=False))
    page = client.get(f"/en/find-help/{service.pk}/")
    assert page.status_code == 200
    assert "Contact this service anonymously" not in page.content.decode()
    response = client.post(refer_url(service), {"acknowledge": "on", "message": WORDS,
                                                "once": "from a form opened before"})
    assert response.status_code == 409
    assert WORDS in response.content.decode()  # the text is handed back, not lost
    assert not Referral.objects.filter(service=service).exists()


def test_a_manager_makes_the_key_sees_its_recovery_key_once_and_referrals_can_come(client):
    organization = make_organization(key=False)
    service = make_service(organization)
    manager = make_member(organization, "keymaker", role=Membership.Role.MANAGER)
    login_verified(client, manager)
    members_url = f"/staff/portal/organisations/{organization.pk}/members/"
    assert "This organisation has no key yet" in client.get(members_url).content.decode()
    response = client.post(f"/staff/portal/organisations/{organization.pk}/key/")
    assert response.status_code == 200
    recovery = response.context["recovery_key"]
    key = keys.organization_key_current(organization)
    assert keys.organization_private_by_recovery(organization_key=key, recovery_key=recovery)
    assert KeyGrant.objects.filter(organization_key=key, user=manager).exists()
    again = client.post(f"/staff/portal/organisations/{organization.pk}/key/")
    assert again.status_code == 302 and recovery not in again.content.decode()
    assert keys.organization_key_current(organization) == key  # not made twice
    assert "Contact this service anonymously" in client.get(
        f"/en/find-help/{service.pk}/").content.decode()


def test_a_member_gives_a_colleague_access_who_then_reads_the_referral(client):
    service = make_service()
    organization = service.organization
    first = make_member(organization, "first")
    newcomer = make_member(organization, "newcomer", granted=False)
    referral, _ = referral_create(service=service, message=WORDS)
    membership = Membership.objects.get(user=newcomer)

    login_verified(client, newcomer)
    locked = client.get(f"/staff/portal/referrals/{referral.pk}/")
    assert locked.status_code == 403
    assert WORDS not in locked.content.decode()
    assert "nobody has given you the key" in locked.content.decode()
    refused = client.post(
        f"/staff/portal/organisations/{organization.pk}/members/{membership.pk}/grant/")
    assert refused.status_code == 302
    assert not KeyGrant.objects.filter(user=newcomer).exists()  # cannot give what one lacks

    login_verified(client, first)
    client.post(f"/staff/portal/organisations/{organization.pk}/members/{membership.pk}/grant/")
    login_verified(client, newcomer)
    assert WORDS in client.get(f"/staff/portal/referrals/{referral.pk}/").content.decode()


def test_a_member_whose_key_is_not_open_in_the_session_is_told_so_and_sees_no_word(client):
    service = make_service()
    member = make_member(service.organization)
    referral, _ = referral_create(service=service, message=WORDS)
    login_verified(client, member)
    client.cookies[settings.STAFF_KEY_COOKIE_NAME] = "AAAA" + client.cookies[
        settings.STAFF_KEY_COOKIE_NAME].value[4:]  # a replayed or foreign cookie
    response = client.get(f"/staff/portal/referrals/{referral.pk}/")
    assert response.status_code == 403
    assert WORDS not in response.content.decode()
    assert "Your key is not open in this sign-in" in response.content.decode()


def test_removing_a_member_deletes_their_grants(client):
    service = make_service()
    organization = service.organization
    manager = make_member(organization, "boss", role=Membership.Role.MANAGER)
    leaver = make_member(organization, "leaver")
    assert KeyGrant.objects.filter(user=leaver).exists()
    login_verified(client, manager)
    membership = Membership.objects.get(user=leaver)
    client.post(f"/staff/portal/organisations/{organization.pk}/members/{membership.pk}/remove/")
    assert not KeyGrant.objects.filter(user=leaver).exists()


def test_an_administrator_holds_no_grant_and_reads_no_referral(client):
    from tests.staff.factories import make_user

    service = make_service()
    referral, _ = referral_create(service=service, message=WORDS)
    administrator = make_user("root", superuser=True)
    login_verified(client, administrator)
    assert client.get(f"/staff/portal/referrals/{referral.pk}/").status_code == 404
    assert not KeyGrant.objects.filter(user=administrator).exists()


def test_the_recovery_key_gives_access_back_when_nobody_holding_the_key_can_sign_in(tmp_path):
    from io import StringIO

    from django.core.management import call_command
    from django.core.management.base import CommandError

    from tests.referrals.factories import ORGANIZATION_RECOVERY

    service = make_service()
    referral, _ = referral_create(service=service, message=WORDS)
    newcomer = make_member(service.organization, "after-everyone-left", granted=False)
    wrong = tmp_path / "wrong.txt"
    wrong.write_text("AAAAA-BBBBB-CCCCC-DDDDD-EEEEE-FFFFF-GGGGG-HHHHH")
    with pytest.raises(CommandError, match="refused: recovery"):
        call_command("organization_key", str(service.organization.pk), "--grant",
                     newcomer.username, "--recovery-key-file", str(wrong), stdout=StringIO())
    assert not KeyGrant.objects.filter(user=newcomer).exists()
    right = tmp_path / "right.txt"
    right.write_text(ORGANIZATION_RECOVERY[service.organization.pk])
    call_command("organization_key", str(service.organization.pk), "--grant",
                 newcomer.username, "--recovery-key-file", str(right), stdout=StringIO())
    from tests.staff.factories import PASSWORD

    private = keys.staff_key_open(user=newcomer, password=PASSWORD)
    from referrals.services import thread_key_for_member

    assert thread_key_for_member(referral=referral, user=newcomer, private=private)


def test_after_a_rotation_new_referrals_use_the_new_key_and_a_grant_passes_on_both(client):
    service = make_service()
    organization = service.organization
    manager = make_member(organization, "rotator", role=Membership.Role.MANAGER)
    newcomer = make_member(organization, "late", granted=False)
    old_referral, _ = referral_create(service=service, message=WORDS + " old")
    login_verified(client, manager)
    client.post(f"/staff/portal/organisations/{organization.pk}/key/", {"rotate": "1"})
    assert organization.keys.count() == 2
    new_referral, _ = referral_create(service=service, message=WORDS + " new")
    assert new_referral.organization_key != old_referral.organization_key
    membership = Membership.objects.get(user=newcomer)
    client.post(f"/staff/portal/organisations/{organization.pk}/members/{membership.pk}/grant/")
    login_verified(client, newcomer)
    for referral in (old_referral, new_referral):
        assert WORDS in client.get(f"/staff/portal/referrals/{referral.pk}/").content.decode()


def test_any_member_holding_the_key_sees_colleagues_waiting_and_gives_access_from_the_portal(
    client
):
    service = make_service()
    organization = service.organization
    clinician = make_member(organization, "holder")  # a clinician, not a manager
    waiting = make_member(organization, "waiting", granted=False)
    login_verified(client, clinician)
    page = client.get("/staff/portal/").content.decode()
    assert "Colleagues waiting for access" in page and "waiting" in page
    membership = Membership.objects.get(user=waiting)
    response = client.post(
        f"/staff/portal/organisations/{organization.pk}/members/{membership.pk}/grant/",
        {"back": "dashboard"})
    assert response.headers["Location"] == "/staff/portal/"
    assert KeyGrant.objects.filter(user=waiting).exists()
    assert "Colleagues waiting for access" not in client.get("/staff/portal/").content.decode()


def test_a_membership_deleted_anywhere_takes_its_grants_with_it():
    service = make_service()
    member = make_member(service.organization, "admin-removed")
    Membership.objects.filter(user=member).delete()  # as the admin's inline does
    assert not KeyGrant.objects.filter(user=member).exists()


def test_a_member_whose_password_was_reset_is_sent_to_the_key_page_not_to_sign_in_again(client):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tests.staff.factories import PASSWORD, code_for, code_step, password_step

    service = make_service()
    member = make_member(service.organization, "was-reset")
    TOTPDevice.objects.create(user=member, name="Authenticator app", confirmed=True)
    referral, _ = referral_create(service=service, message=WORDS)
    member.set_password(PASSWORD + " new")
    member.save()
    password_step(client, member.username, PASSWORD + " new")
    code_step(client, code_for(TOTPDevice.objects.get(user=member)))
    response = client.get(f"/staff/portal/referrals/{referral.pk}/")
    assert response.status_code == 403 and WORDS not in response.content.decode()
    assert 'href="/staff/account/key/"' in response.content.decode()
