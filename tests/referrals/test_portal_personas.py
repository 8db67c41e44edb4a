"""Organisation boundaries: a clinician sees and changes only their own organisation's data.

Personas: Aino and Anders work for organisation A (Aino manages it), Bea works for B.
Anything of A answers Bea with 404, never 403, so she cannot even learn that it exists.
"""

import pytest

from accounts.models import AuditEntry, Membership
from directory.models import Service
from tests.referrals.factories import (
    login_verified,
    make_member,
    make_organization,
    make_service,
    make_user,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    org_a = make_organization("Organisation A", country="FI")
    org_b = make_organization("Organisation B", country="SE")
    return {
        "org_a": org_a,
        "org_b": org_b,
        "service_a": make_service(org_a, name="Service of A"),
        "service_b": make_service(org_b, name="Service of B"),
        "aino": make_member(org_a, "aino", role=Membership.Role.MANAGER),
        "anders": make_member(org_a, "anders"),
        "bea": make_member(org_b, "bea"),
    }


def members_url(organization):
    return f"/staff/portal/organisations/{organization.pk}/members/"


def services_url(organization):
    return f"/staff/portal/organisations/{organization.pk}/services/"


def edit_url(service):
    return f"/staff/portal/services/{service.pk}/"


GOOD_CHANGE = {
    "status": "active", "intake": "waitlist", "waitlist_weeks": "6",
    "languages": ["fi", "sv"], "service_areas": ["FI"], "delivery_modes": ["online", "video"],
}


def test_the_portal_lists_only_the_users_own_organisation(client, world):
    login_verified(client, world["bea"])
    html = client.get("/staff/portal/").content.decode()
    assert "Organisation B" in html and "Organisation A" not in html
    html = client.get(services_url(world["org_b"])).content.decode()
    assert "Service of B" in html
    assert "Service of A" not in html
    assert client.get(services_url(world["org_a"])).status_code == 404


@pytest.mark.parametrize("who", ["aino", "anders"])
def test_both_clinicians_of_a_can_edit_a_service_of_a(client, world, who):
    login_verified(client, world[who])
    response = client.post(edit_url(world["service_a"]), GOOD_CHANGE)
    assert response.status_code == 302
    assert response.headers["Location"] == services_url(world["org_a"])
    service = Service.objects.get(pk=world["service_a"].pk)
    assert service.languages == ["fi", "sv"] and service.service_areas == ["FI"]
    assert (service.intake, service.waitlist_weeks) == ("waitlist", 6)
    assert service.delivery_modes == ["online", "video"]


def test_a_clinician_of_b_gets_404_for_every_page_of_a(client, world):
    login_verified(client, world["bea"])
    membership = Membership.objects.get(user=world["anders"])
    assert client.get(edit_url(world["service_a"])).status_code == 404
    assert client.post(edit_url(world["service_a"]), GOOD_CHANGE).status_code == 404
    assert client.get(members_url(world["org_a"])).status_code == 404
    remove = f"/staff/portal/organisations/{world['org_a'].pk}/members/{membership.pk}/remove/"
    assert client.post(remove).status_code == 404
    assert Membership.objects.filter(pk=membership.pk).exists()
    assert Service.objects.get(pk=world["service_a"].pk).intake == "accepting"


def test_a_clinician_who_is_not_a_manager_cannot_manage_staff(client, world):
    login_verified(client, world["anders"])
    assert client.get(members_url(world["org_a"])).status_code == 404


def test_a_manager_adds_and_removes_a_clinician_and_both_are_audited(client, world):
    login_verified(client, world["aino"])
    url = f"/staff/portal/organisations/{world['org_a'].pk}/members/"
    response = client.post(url, {"username": "new-clinician", "email": "",
                                 "password": "correct horse battery 99", "role": "clinician"})
    assert response.status_code == 302
    membership = Membership.objects.get(user__username="new-clinician")
    assert membership.organization == world["org_a"]
    client.post(f"{url}{membership.pk}/remove/")
    assert not Membership.objects.filter(pk=membership.pk).exists()
    actions = list(AuditEntry.objects.filter(organization=world["org_a"])
                   .values_list("action", "actor_name"))
    assert ("membership.add", "aino") in actions
    assert ("membership.remove", "aino") in actions


def test_a_service_change_is_audited_with_what_changed(client, world):
    login_verified(client, world["anders"])
    client.post(edit_url(world["service_a"]), GOOD_CHANGE)
    entry = AuditEntry.objects.get(action="service.update")
    assert entry.actor_name == "anders"
    assert entry.detail["intake"] == {"from": "accepting", "to": "waitlist"}
    assert entry.target_id == str(world["service_a"].pk)


@pytest.mark.parametrize(("field", "value", "message"), [
    ("languages", ["fi", "xx"], "Choose languages from the list."),
    ("languages", [], "Choose at least one language."),
    ("service_areas", ["FI", "ZZ-99"], "Choose countries and regions from the list."),
    ("service_areas", [], "Choose at least one country or region."),
    ("waitlist_weeks", "", "Say roughly how many weeks people wait."),
])
def test_bad_codes_get_a_clear_message_and_nothing_changes(client, world, field, value, message):
    login_verified(client, world["anders"])
    response = client.post(edit_url(world["service_a"]), {**GOOD_CHANGE, field: value})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Service.objects.get(pk=world["service_a"].pk).intake == "accepting"
    assert not AuditEntry.objects.filter(action="service.update").exists()


def test_an_administrator_who_is_no_member_has_no_portal(client, world):
    login_verified(client, make_user("admin", superuser=True))
    assert client.get("/staff/portal/").status_code == 404
    assert client.get(edit_url(world["service_a"])).status_code == 404


def test_an_administrator_who_is_a_member_sees_only_that_organisation(client, world):
    admin = make_user("admin", superuser=True)
    Membership.objects.create(user=admin, organization=world["org_b"])
    login_verified(client, admin)
    html = client.get("/staff/portal/").content.decode()
    assert "Organisation B" in html and "Organisation A" not in html
    assert "Service of B" in client.get(services_url(world["org_b"])).content.decode()


def test_the_portal_is_never_cached(client, world):
    login_verified(client, world["anders"])
    assert "no-store" in client.get("/staff/portal/").headers["Cache-Control"]


def test_languages_and_areas_are_lists_named_in_the_staff_members_language(client, world):
    login_verified(client, world["anders"])
    html = client.get(edit_url(world["service_a"]), HTTP_ACCEPT_LANGUAGE="fi").content.decode()
    assert 'type="text" name="languages"' not in html
    assert 'type="checkbox" name="languages" value="sv"' in html
    assert ">ruotsi</label>" in html and ">Swedish</label>" not in html
    assert 'type="checkbox" name="service_areas" value="FI-18"' in html  # FI's regions
    assert 'value="SE-AB"' not in html  # not another country's
    assert ">Ruotsi</label>" in html  # every country
    chosen = world["service_a"].languages[0]
    assert html.index(f'name="languages" value="{chosen}"') < html.index('value="ab"')
