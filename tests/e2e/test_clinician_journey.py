"""A clinician signs in with a TOTP code and puts a service on a waiting list; a visitor
without JavaScript sees it in the directory."""

import pytest

from accounts.models import Membership
from directory.models import Service
from tests.staff.factories import make_user

pytestmark = pytest.mark.browser

SERVICE = "36bf1277-bffd-4e66-90d8-fc2b55dc2070"  # a demo service in Finland


def test_a_waitlist_set_in_the_portal_shows_in_the_directory(new_context, axe_violations):
    service = Service.objects.get(pk=SERVICE)
    clinician = make_user("clinician-fi")
    Membership.objects.create(user=clinician, organization=service.organization)

    staff = new_context(javascript=True)
    page = staff.page
    staff.sign_in(clinician)
    assert page.url.endswith("/staff/portal/")
    assert axe_violations(page) == []

    page.get_by_role("navigation", name="Staff pages").get_by_role("link",
                                                                  name="Services").click()
    page.wait_for_url(f"**/staff/portal/organisations/{service.organization_id}/services/")
    page.get_by_role("link", name=f"Edit {service.name}").click()
    page.wait_for_url(f"**/staff/portal/services/{SERVICE}/")
    assert axe_violations(page) == []
    page.select_option("#id_intake", "waitlist")
    page.fill("#id_waitlist_weeks", "6")
    with page.expect_navigation():
        page.get_by_role("button", name="Save").click()
    assert page.get_by_text("Saved. The directory shows the change now.").is_visible()

    visitor = new_context(javascript=False)
    visitor.goto("/en/find-help/?country=FI")
    card = visitor.page.locator(".card", has_text=service.name)
    assert "Waiting list: about 6 weeks" in card.inner_text()
    assert visitor.foreign_requests == []


def test_the_members_page_has_no_accessibility_violations(new_context, axe_violations):
    service = Service.objects.get(pk=SERVICE)
    manager = make_user("manager-fi")
    Membership.objects.create(user=manager, organization=service.organization,
                              role=Membership.Role.MANAGER)
    staff = new_context(javascript=True)
    page = staff.page
    staff.sign_in(manager)
    staff.goto(f"/staff/portal/organisations/{service.organization.pk}/members/")
    assert axe_violations(page) == []
