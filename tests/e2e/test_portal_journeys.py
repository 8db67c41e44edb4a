"""The clinician's and the manager's journeys through the portal in chromium, with axe on every
page they visit: see what is new, read it, reply, move the referral on (closing asks first),
update a service, sign out in one click; a manager adds a clinician and gives them access."""

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import KeyGrant, Membership
from directory.models import Service
from referrals.models import Referral
from referrals.services import mailbox_visitor_write, referral_create, referral_reply
from tests.referrals.factories import make_member, make_organization, make_service

pytestmark = pytest.mark.browser

FIRST = "I keep looking at things I know are wrong and I want to stop."
FOLLOW_UP = "Thank you for answering. Tuesday evening would suit me."
REPLY = "Tuesday at six works. We will write to you here first."


def nav(page):
    return page.get_by_role("navigation", name="Staff pages")


def checked(page, axe_violations, where: str) -> None:
    violations = axe_violations(page)
    assert violations == [], f"{where}: {violations}"
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]


@pytest.fixture
def team():
    organization = make_organization("Counselling North", country="FI")
    service = make_service(organization, name="Chat with a counsellor")
    clinician = make_member(organization, "clinician-north")
    TOTPDevice.objects.create(user=clinician, name="Authenticator app", confirmed=True)
    waiting, _ = referral_create(service=service, message=FIRST)
    talking, codename = referral_create(service=service, message="An earlier message")
    Referral.objects.filter(pk=talking.pk).update(opened_on=talking.created_on)
    referral_reply(actor=clinician, referral=talking, body="We can talk next week.")
    mailbox_visitor_write(referral=talking, codename=codename, body=FOLLOW_UP)
    return {"organization": organization, "service": service, "clinician": clinician,
            "waiting": waiting, "talking": talking}


@pytest.mark.parametrize("viewport", [(320, 740), (1280, 800)])
def test_a_clinician_sees_what_is_new_reads_replies_closes_and_updates_a_service(
        new_context, axe_violations, team, viewport):
    visit = new_context(javascript=True, viewport=viewport)
    page = visit.page
    visit.sign_in(team["clinician"])
    assert page.url.endswith("/staff/portal/")
    assert page.get_by_text("1 new referral").is_visible()
    assert page.get_by_text("1 unread message from people you are in contact with").is_visible()
    assert nav(page).get_by_role("link", name="Inbox 2 new").is_visible()
    checked(page, axe_violations, "dashboard")

    with page.expect_navigation():
        nav(page).get_by_role("link", name="Inbox").click()
    rows = page.locator("tbody tr")
    assert rows.count() == 2
    assert rows.filter(has_text="1 unread").count() == 1
    checked(page, axe_violations, "inbox")

    with page.expect_navigation():
        rows.filter(has_text="1 unread").get_by_role("link", name="Open").click()
    follow_up = page.locator("ol.thread li", has_text=FOLLOW_UP)
    assert follow_up.locator(".new-marker").inner_text() == "New"
    box = page.locator("#id_body").bounding_box()
    content = page.locator("#content").bounding_box()
    assert box["x"] + box["width"] <= viewport[0]
    assert box["width"] >= min(0.85 * content["width"], 600)  # the reply box fits the screen
    checked(page, axe_violations, "referral")

    page.fill("#id_body", REPLY)
    with page.expect_navigation():
        page.get_by_role("button", name="Send the reply").click()
    assert page.get_by_text("Reply sent.").is_visible()
    assert page.locator("ol.thread li", has_text=REPLY).is_visible()

    page.select_option("#id_state", "closed")
    with page.expect_navigation():
        page.get_by_role("button", name="Change the state").click()
    assert page.get_by_role("heading", name="Close this referral?").is_visible()
    checked(page, axe_violations, "closing asks first")
    assert Referral.objects.get(pk=team["talking"].pk).state == Referral.State.IN_CONTACT
    with page.expect_navigation():
        page.get_by_role("button", name="Yes, close it").click()
    assert page.get_by_text("State changed to: Closed.").is_visible()
    assert Referral.objects.get(pk=team["talking"].pk).state == Referral.State.CLOSED

    with page.expect_navigation():
        nav(page).get_by_role("link", name="Services").click()
    checked(page, axe_violations, "services")
    with page.expect_navigation():
        page.get_by_role("link", name="Edit Chat with a counsellor").click()
    checked(page, axe_violations, "service form")
    page.select_option("#id_intake", "waitlist")
    page.fill("#id_waitlist_weeks", "5")
    page.get_by_label("Swedish", exact=True).check()
    with page.expect_navigation():
        page.get_by_role("button", name="Save").click()
    assert page.get_by_text("Saved. The directory shows the change now.").is_visible()
    service = Service.objects.get(pk=team["service"].pk)
    assert (service.intake, service.waitlist_weeks) == ("waitlist", 5)
    assert "sv" in service.languages

    with page.expect_navigation():
        nav(page).get_by_role("button", name="Sign out").click()
    assert page.url.endswith("/staff/login/")
    assert page.get_by_text("You have signed out.").is_visible()
    checked(page, axe_violations, "signed out")
    assert visit.foreign_requests == []


def test_a_manager_adds_a_clinician_who_signs_in_and_is_given_access(
        new_context, axe_violations, team):
    organization = team["organization"]
    manager = make_member(organization, "manager-north", role=Membership.Role.MANAGER)
    TOTPDevice.objects.create(user=manager, name="Authenticator app", confirmed=True)
    managing = new_context(javascript=True)
    page = managing.page
    managing.sign_in(manager)
    with page.expect_navigation():
        nav(page).get_by_role("link", name="Staff").click()
    checked(page, axe_violations, "members")
    page.fill("#id_username", "new-north")
    page.fill("#id_password", "a fresh staff password 77")
    with page.expect_navigation():
        page.get_by_role("button", name="Create the account").click()
    assert page.get_by_role("cell", name="new-north", exact=True).is_visible()

    # The new clinician signs in once (their staff key is made then) and sets up their app.
    newcomer = new_context(javascript=True)
    newcomer.goto("/staff/login/")
    newcomer.page.fill("#id_username", "new-north")
    newcomer.page.fill("#id_password", "a fresh staff password 77")
    with newcomer.page.expect_navigation():
        newcomer.page.get_by_role("button", name="Log in").click()
    assert "/staff/enrol/" in newcomer.page.url
    checked(newcomer.page, axe_violations, "enrolment")
    assert newcomer.page.title().startswith("Set up two-step sign-in")

    page.reload()
    with page.expect_navigation():
        page.get_by_role("button", name="Give access new-north").click()
    assert KeyGrant.objects.filter(user__username="new-north",
                                   organization_key__organization=organization).exists()
    checked(page, axe_violations, "members after giving access")
