"""`manage.py demo_accounts`: four staff accounts to try the product with, in the embedded mode
only, each signing in through the real forms with the printed password and code."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from accounts import keys, roles
from accounts.models import KeyGrant, Membership
from directory.models import Service
from referrals.management.commands.demo_accounts import DEMO_SERVICE

from .factories import code_step

pytestmark = pytest.mark.django_db

NAMES = ["demo-clinician", "demo-manager", "demo-editor", "demo-admin"]


def demo(settings, tmp_path, *args) -> str:
    settings.DEBUG = True
    settings.VAR_DIR = tmp_path
    out = StringIO()
    call_command("demo_accounts", *args, stdout=out)
    return out.getvalue()


def test_with_debug_off_it_refuses_and_makes_nobody(settings, tmp_path):
    settings.DEBUG = False
    settings.VAR_DIR = tmp_path
    with pytest.raises(CommandError, match="embedded mode only"):
        call_command("demo_accounts")
    with pytest.raises(CommandError, match="embedded mode only"):
        call_command("demo_accounts", "--code", "demo-clinician")
    assert not get_user_model().objects.filter(username__startswith="demo-").exists()
    assert list(tmp_path.iterdir()) == []


def test_it_prints_each_name_and_a_password_kept_beside_the_database(settings, tmp_path):
    printed = demo(settings, tmp_path)
    password = (tmp_path / "demo-password").read_text().strip()
    assert len(password) >= 20
    assert password in printed
    for name in NAMES:
        assert name in printed
    assert (tmp_path / "demo-password").stat().st_mode & 0o077 == 0
    assert "python3 dev.py code demo-clinician" in printed


def test_each_role_is_what_its_name_says(settings, tmp_path):
    demo(settings, tmp_path)
    users = {user.username: user for user in
             get_user_model().objects.filter(username__in=NAMES)}
    organization = Service.objects.get(pk=DEMO_SERVICE).organization
    assert roles.may_act_for_organization(users["demo-clinician"], organization.pk)
    assert not roles.may_manage_organization(users["demo-clinician"], organization.pk)
    assert roles.may_manage_organization(users["demo-manager"], organization.pk)
    assert roles.is_editor(users["demo-editor"])
    assert not roles.may_use_portal(users["demo-editor"])
    assert roles.is_administrator(users["demo-admin"])
    assert not roles.may_use_portal(users["demo-admin"])  # no organisation's referrals
    assert not Membership.objects.filter(user__in=[users["demo-editor"],
                                                   users["demo-admin"]]).exists()


def test_the_clinician_and_manager_hold_the_organisations_current_key(settings, tmp_path):
    demo(settings, tmp_path)
    organization = Service.objects.get(pk=DEMO_SERVICE).organization
    current = keys.organization_key_current(organization)
    holders = set(KeyGrant.objects.filter(organization_key=current)
                  .values_list("user__username", flat=True))
    assert holders == {"demo-clinician", "demo-manager"}
    assert Service.objects.get(pk=DEMO_SERVICE).accepts_anonymous_referrals_now


def test_a_second_run_keeps_the_password_and_the_key(settings, tmp_path):
    demo(settings, tmp_path)
    organization = Service.objects.get(pk=DEMO_SERVICE).organization
    first_key = keys.organization_key_current(organization)
    first_password = (tmp_path / "demo-password").read_text()
    demo(settings, tmp_path)
    assert (tmp_path / "demo-password").read_text() == first_password
    assert keys.organization_key_current(organization) == first_key
    assert get_user_model().objects.filter(username__in=NAMES).count() == 4


@pytest.mark.real_password_hashing
@pytest.mark.parametrize(("name", "lands_on"), [
    ("demo-clinician", "/staff/portal/"),
    ("demo-editor", "/staff/admin/"),
])
def test_the_printed_password_and_code_sign_in_through_the_forms(settings, tmp_path, client,
                                                                  name, lands_on):
    demo(settings, tmp_path)
    password = (tmp_path / "demo-password").read_text().strip()
    response = client.post("/staff/login/", {"username": name, "password": password})
    assert response.status_code == 302 and response["Location"].startswith("/staff/verify/")
    code = demo(settings, tmp_path, "--code", name).strip()
    assert code.isdigit() and len(code) == 6
    response = code_step(client, code)
    assert response.status_code == 302
    assert client.get(response["Location"], follow=True).request["PATH_INFO"] == lands_on


def test_the_code_of_an_unknown_name_is_refused(settings, tmp_path):
    with pytest.raises(CommandError, match="not a demo account"):
        demo(settings, tmp_path, "--code", "clinician")
