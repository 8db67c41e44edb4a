"""A visitor without JavaScript writes to a demo service, keeps the codename it is shown, and
later opens the mailbox with it. The pages have nothing for axe-core to fix and fit a phone."""

import re
from pathlib import Path

import pytest

from directory.models import Service
from proof.public_urls import LANGUAGE_CODES
from referrals import services
from referrals.models import MailboxMessage, Referral
from tests.referrals.factories import make_member

pytestmark = pytest.mark.browser

SERVICE = "36bf1277-bffd-4e66-90d8-fc2b55dc2070"  # a demo service that takes anonymous messages
MESSAGE = "I have been looking at things online that I know are wrong, and I want help to stop."
FOLLOW_UP = "Thank you for answering. Evenings are easiest for me to talk."
PHONE = (320, 640)


def test_a_visitor_without_javascript_refers_themself_and_opens_the_mailbox(new_context):
    service = Service.objects.get(pk=SERVICE)
    assert service.accepts_anonymous_referrals and service.takes_referrals_now
    visit = new_context(javascript=False)
    page = visit.page

    visit.goto(f"/en/find-help/{SERVICE}/")
    with page.expect_navigation():
        page.get_by_role("link", name="Contact this service anonymously").click()
    assert page.url.endswith(f"/en/find-help/{SERVICE}/refer/")

    # Sent without the acknowledgement, the form comes back with what was written.
    page.get_by_label("Your message").fill(MESSAGE)
    with page.expect_navigation():
        page.get_by_role("button", name="Send my message").click()
    assert page.locator("#errors").is_visible()
    assert page.get_by_label("Your message").input_value() == MESSAGE
    assert not Referral.objects.filter(service=service).exists()

    page.get_by_label("I have read this.").check()
    page.get_by_label("I am 18 or older.").check()  # the demo service works from 18
    page.get_by_label("Language you would like an answer in (optional)").select_option("fi")
    with page.expect_navigation():
        page.get_by_role("button", name="Send my message").click()
    assert page.get_by_role("heading", name="Your message was sent").is_visible()
    codename = page.locator("#codename").inner_text().strip()
    assert re.fullmatch(r"[a-z]+(?:-[a-z]+){6}", codename)
    referral = Referral.objects.get(service=service)
    assert referral.preferred_language == "fi"
    assert "?" not in page.url

    # Back from the codename page: the form again, never a blank page, and nothing sent twice.
    with page.expect_navigation():
        page.go_back()
    assert page.get_by_role("button", name="Send my message").is_visible()
    assert Referral.objects.filter(service=service).count() == 1
    with page.expect_navigation():
        page.go_forward()  # the browser asks to send the form again; the same codename
    if page.locator("#codename").count():
        assert page.locator("#codename").inner_text().strip() == codename
    else:  # chromium's "Confirm form resubmission": the codename page was not kept (no-store)
        page.reload()
        assert page.locator("#codename").inner_text().strip() == codename
    assert Referral.objects.filter(service=service).count() == 1

    # The language links keep the codename on screen (forms, posted with an Origin the CSRF
    # check accepts), a reload shows the same codename, and nothing new is sent.
    with page.expect_navigation():
        page.locator("nav.languages").get_by_role("button", name="Svenska").click()
    assert page.locator("html").get_attribute("lang") == "sv"
    assert page.locator("#codename").inner_text().strip() == codename
    with page.expect_navigation():
        page.locator("nav.languages").get_by_role("button", name="English").click()
    page.reload()
    assert page.locator("#codename").inner_text().strip() == codename
    with page.expect_download() as download:
        page.get_by_role("button", name="Save as a text file").click()
    assert codename in Path(download.value.path()).read_text(encoding="utf-8")
    page.get_by_label("I have written down my codename, or saved it.").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()
    assert page.get_by_role("heading", name="Keep your codename safe").is_visible()
    assert Referral.objects.filter(service=service).count() == 1

    # Later: the mailbox, with the codename typed carelessly.
    with page.expect_navigation():
        page.get_by_role("link", name="Open your mailbox").first.click()
    page.get_by_label("Your codename").fill(codename.upper().replace("-", " "))
    with page.expect_navigation():
        page.get_by_role("button", name="Open my mailbox").click()
    assert page.url.endswith("/en/mailbox/")
    assert page.locator("#state").inner_text() in ("New", "Delivered")
    assert page.get_by_text(MESSAGE).is_visible()

    page.get_by_label("Your message").fill(FOLLOW_UP)
    with page.expect_navigation():
        page.get_by_role("button", name="Send", exact=True).click()
    assert page.get_by_text("Your message was sent.").is_visible()
    assert page.get_by_text(FOLLOW_UP).is_visible()
    assert MailboxMessage.objects.filter(referral=referral).count() == 1
    assert codename not in page.url
    assert visit.foreign_requests == []
    assert visit.other_hosts_asked() == []


@pytest.mark.parametrize("language", LANGUAGE_CODES)
def test_the_referral_and_mailbox_pages_have_no_accessibility_violations_and_fit_a_phone(
    new_context, axe_violations, language
):
    # axe needs JavaScript itself, so "JS off" is the page with its own scripts blocked.
    visit = new_context(javascript=True, viewport=PHONE, block_own_scripts=True)
    page = visit.page
    found = {}

    def check(name):
        problems = axe_violations(page)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE[0]:
            problems.append(f"scrolls sideways: {width}px wide")
        if problems:
            found[name] = problems

    visit.goto(f"/{language}/find-help/{SERVICE}/refer/")
    check("form")
    with page.expect_navigation():
        page.locator("button[type=submit]").click()
    assert page.locator("#errors").is_visible()
    check("form with errors")

    page.locator("#id_acknowledge").check()
    page.locator("#id_ages").check()
    page.locator("#id_message").fill(MESSAGE)
    with page.expect_navigation():
        page.locator("button[type=submit]").click()
    codename = page.locator("#codename").inner_text().strip()
    check("codename page")

    referral = Referral.objects.get(service_id=SERVICE)
    clinician = make_member(referral.service.organization)
    services.referral_reply(actor=clinician, referral=referral,
                            body="Thank you for writing. We can talk this week.")

    visit.goto(f"/{language}/mailbox/")
    check("mailbox, asking for the codename")
    page.locator("#id_codename").fill("not-a-real-codename")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    check("mailbox, wrong codename")

    page.locator("#id_codename").fill(codename)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert page.locator("#state").is_visible()
    check("mailbox, open")

    page.locator("#id_body").fill(f"My codename is {codename}")
    with page.expect_navigation():
        page.locator("form:has(#id_body) button[type=submit]").click()
    assert page.locator("#errors").is_visible()
    check("mailbox, refused follow-up")

    with page.expect_navigation():
        page.locator("form:has(input[value=forget]) button").click()
    check("mailbox, confirm forgetting")
    with page.expect_navigation():
        page.locator("form:has(input[value=forget_confirmed]) button").click()
    check("forgotten")
    referral.refresh_from_db()  # a note for the clinicians; no word of it is left
    assert referral.forgotten_on is not None and referral.message_encrypted == ""

    assert visit.blocked_own, "no page loaded a script of its own to block"
    assert visit.foreign_requests == []
    report = "\n".join(f"{name}:\n  " + "\n  ".join(lines) for name, lines in found.items())
    assert found == {}, f"axe ({language}):\n{report}"


def test_a_clinician_replies_with_totp_and_the_visitor_reads_it_without_javascript(new_context):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.models import Membership
    from tests.referrals.factories import grant_key
    from tests.staff.factories import PASSWORD, code_for, make_user

    service = Service.objects.get(pk=SERVICE)
    visitor = new_context(javascript=False)
    page = visitor.page
    visitor.goto(f"/en/find-help/{SERVICE}/refer/")
    page.get_by_label("Your message").fill(MESSAGE)
    page.get_by_label("I have read this.").check()
    page.get_by_label("I am 18 or older.").check()  # the demo service works from 18
    with page.expect_navigation():
        page.get_by_role("button", name="Send my message").click()
    codename = page.locator("#codename").inner_text().strip()  # written down by the visitor
    referral = Referral.objects.get(service=service)

    clinician = make_user("clinician-reply")
    Membership.objects.create(user=clinician, organization=service.organization)
    grant_key(service.organization, clinician)  # a colleague gave them the key
    staff = new_context(javascript=False)
    desk = staff.page
    staff.goto("/staff/login/")
    desk.fill("#id_username", "clinician-reply")
    desk.fill("#id_password", PASSWORD)
    with desk.expect_navigation():
        desk.get_by_role("button", name="Log in").click()
    desk.get_by_label("Code").fill(code_for(TOTPDevice.objects.get(user=clinician)))
    with desk.expect_navigation():
        desk.get_by_role("button", name="Continue").click()
    staff.goto(f"/staff/portal/referrals/{referral.pk}/")
    assert desk.get_by_text(MESSAGE).is_visible()
    reply = "Thank you for writing. We can talk by chat on weekday evenings."
    desk.get_by_label("Your reply").fill(reply)
    with desk.expect_navigation():
        desk.get_by_role("button", name="Send the reply").click()

    visitor.goto("/en/mailbox/")
    page.get_by_label("Your codename").fill(codename)
    with page.expect_navigation():
        page.get_by_role("button", name="Open my mailbox").click()
    assert page.get_by_text(reply).is_visible()
    assert visitor.foreign_requests == [] and staff.foreign_requests == []
