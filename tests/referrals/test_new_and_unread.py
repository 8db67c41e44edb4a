"""What is new to an organisation: referrals nobody opened, visitor messages nobody read; the
markers on the dashboard, the navigation, the inbox and the thread; and the notes left in
place when the person deletes a reply or closes their mailbox."""

import pytest
from django.core import mail

from referrals.models import MailboxMessage, Outbox, Referral
from referrals.selectors import inbox_counts
from referrals.services import (
    mailbox_visitor_delete_reply,
    mailbox_visitor_write,
    referral_create,
    referral_forget,
    referral_reply,
    referrals_release,
)
from tests.referrals.factories import (
    login_verified,
    make_member,
    make_organization,
    make_service,
)

pytestmark = pytest.mark.django_db

FIRST = "I am worried about what I look at online"
FOLLOW_UP = "Thank you. Could we talk on Tuesday?"
REPLY = "Yes, Tuesday at ten works for us."


@pytest.fixture
def world():
    organization = make_organization("Organisation A", country="FI")
    other = make_organization("Organisation B", country="SE")
    service = make_service(organization, name="Service of A", accepts_anonymous_referrals=True)
    referral, codename = referral_create(service=service, message=FIRST)
    return {
        "organization": organization, "other": other, "service": service,
        "referral": referral, "codename": codename,
        "anders": make_member(organization, "anders"),
        "alma": make_member(organization, "alma"),
        "bea": make_member(other, "bea"),
    }


def page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def inbox(world) -> str:
    return f"/staff/portal/organisations/{world['organization'].pk}/referrals/"


def detail(referral) -> str:
    return f"/staff/portal/referrals/{referral.pk}/"


def nav_badge(html: str, label: str) -> str:
    """The number beside a navigation link, or '' if there is none."""
    nav = html[html.index('class="staff-nav"'):]
    nav = nav[:nav.index("</nav>")]
    link = nav[nav.index(f">{label}"):]
    link = link[:link.index("</a>")]
    if 'class="badge"' not in link:
        return ""
    return link.split('class="badge">')[1].split("<")[0]


def test_a_new_referral_is_new_everywhere_until_a_clinician_opens_it(client, world):
    login_verified(client, world["anders"])
    assert "1 new referral" in page(client, "/staff/portal/")
    assert nav_badge(page(client, "/staff/portal/"), "Inbox") == "1"
    row = page(client, inbox(world)).split("<tbody>")[1]
    assert '<span class="new-marker">New</span>' in row

    opened = page(client, detail(world["referral"]))
    assert "New: nobody of your organisation had opened this referral before." in opened

    assert "0 new referrals" in page(client, "/staff/portal/")
    assert nav_badge(page(client, "/staff/portal/"), "Inbox") == ""
    assert "new-marker" not in page(client, inbox(world)).split("<tbody>")[1]


def test_read_is_the_organisations_a_colleague_sees_it_read(client, world):
    login_verified(client, world["anders"])
    page(client, detail(world["referral"]))
    client.logout()
    login_verified(client, world["alma"])
    assert "0 new referrals" in page(client, "/staff/portal/")
    assert "New: nobody" not in page(client, detail(world["referral"]))


def test_a_follow_up_after_a_reply_is_unread_on_the_dashboard_inbox_and_thread(client, world):
    """The issue's finding: after the visitor wrote again the dashboard said "0 new"."""
    referral = world["referral"]
    login_verified(client, world["anders"])
    page(client, detail(referral))
    referral_reply(actor=world["anders"], referral=referral, body=REPLY)
    message = mailbox_visitor_write(referral=referral, codename=world["codename"],
                                    body=FOLLOW_UP)

    dashboard = page(client, "/staff/portal/")
    assert "1 unread message from people you are in contact with" in dashboard
    assert nav_badge(dashboard, "Inbox") == "1"
    row = page(client, inbox(world)).split("<tbody>")[1]
    assert '<span class="new-marker">1 unread</span>' in row
    assert page(client, inbox(world) + "?state=unread").count("/staff/portal/referrals/") == 1

    thread = page(client, detail(referral))
    assert "1 new message since your organisation last read this conversation" in thread
    after_follow_up = thread[thread.index(FOLLOW_UP) - 400:thread.index(FOLLOW_UP)]
    assert '<span class="new-marker">New</span>' in after_follow_up
    message.refresh_from_db()
    assert message.read_on is not None

    assert "No unread messages" in page(client, "/staff/portal/")
    assert "new-marker" not in page(client, detail(referral))
    assert "No referrals here." in page(client, inbox(world) + "?state=unread")


def test_counts_are_per_organisation_and_leave_held_referrals_out(world):
    organization, other = world["organization"], world["other"]
    held, _ = referral_create(service=world["service"], message="held", hold=True)
    counts = inbox_counts([organization.pk, other.pk])
    assert counts[organization.pk]["new"] == 1
    assert counts[other.pk] == {"new": 0, "unread": 0}
    referrals_release(actor=world["anders"], referrals=[held])
    assert inbox_counts([organization.pk])[organization.pk]["new"] == 2


def test_another_organisations_clinician_sees_none_of_it(client, world):
    login_verified(client, world["bea"])
    html = page(client, "/staff/portal/")
    assert "0 new referrals" in html
    assert str(world["organization"].pk) not in html


def test_a_deleted_reply_leaves_a_dated_note_and_no_words_in_the_thread(client, world):
    referral = world["referral"]
    reply = referral_reply(actor=world["anders"], referral=referral, body=REPLY)
    assert mailbox_visitor_delete_reply(referral=referral, message_id=reply.pk)
    assert not mailbox_visitor_delete_reply(referral=referral, message_id=reply.pk)
    mailbox_visitor_write(referral=referral, codename=world["codename"], body=FOLLOW_UP)
    reply.refresh_from_db()
    assert reply.body_encrypted == "" and reply.deleted_on is not None

    login_verified(client, world["anders"])
    html = page(client, detail(referral))
    assert REPLY not in html
    note = html.index("The person deleted a reply on")
    assert note < html.index(FOLLOW_UP)  # in place, before what came after it


def test_a_closed_mailbox_leaves_a_note_with_no_word_no_key_and_no_codename(client, world):
    referral = world["referral"]
    referral_reply(actor=world["anders"], referral=referral, body=REPLY)
    mailbox_visitor_write(referral=referral, codename=world["codename"], body=FOLLOW_UP)
    referral_forget(referral=referral)

    kept = Referral.objects.get(pk=referral.pk)
    assert (kept.message_encrypted, kept.contact_encrypted) == ("", "")
    assert kept.key_for_organization is None and kept.key_for_visitor is None
    assert kept.public_key is None and kept.visitor_public_key is None
    assert kept.codename_hash != referral.codename_hash
    assert (kept.state, kept.forgotten_on, kept.closed_on) == (
        Referral.State.CLOSED, kept.forgotten_on, kept.forgotten_on)
    assert not MailboxMessage.objects.filter(referral=referral).exists()
    assert not Outbox.objects.filter(referral=referral).exists()

    login_verified(client, world["anders"])
    row = page(client, inbox(world)).split("<tbody>")[1]
    assert "The person closed their mailbox" in row
    html = page(client, detail(referral))
    assert "The person closed their mailbox on" in html
    assert FIRST not in html and REPLY not in html and FOLLOW_UP not in html
    assert 'action="/staff/portal/referrals/' + str(referral.pk) + '/reply/"' not in html
    assert client.post(detail(referral) + "reply/", {"body": REPLY}).status_code == 409
    response = client.post(detail(referral) + "state/", {"state": "in_contact",
                                                         "confirm": "1"})
    assert response.status_code == 400
    kept.refresh_from_db()
    assert kept.state == Referral.State.CLOSED
    assert not MailboxMessage.objects.filter(referral=referral).exists()


def notices(world, channels):
    world["service"].referral_channels = channels
    world["service"].save()
    world["organization"].email = "team@example.invalid"
    world["organization"].save()


def test_a_follow_up_emails_a_content_free_notice_once_until_it_is_read(
        client, world, django_capture_on_commit_callbacks):
    notices(world, ["messages"])
    referral = world["referral"]
    mail.outbox.clear()
    for _ in range(2):  # the second is covered by the first notice
        with django_capture_on_commit_callbacks(execute=True):
            mailbox_visitor_write(referral=referral, codename=world["codename"],
                                  body=FOLLOW_UP)
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["team@example.invalid"]
    assert sent.subject == "A new message is waiting"
    assert FOLLOW_UP not in sent.body and "Service of A" not in sent.body
    assert str(referral.pk) not in sent.body

    login_verified(client, world["anders"])
    page(client, detail(referral))  # read: the next message is news again
    with django_capture_on_commit_callbacks(execute=True):
        mailbox_visitor_write(referral=referral, codename=world["codename"], body=FOLLOW_UP)
    assert len(mail.outbox) == 2
    assert Outbox.objects.get(referral=referral, channel=Outbox.Channel.NOTICE).state == (
        Outbox.State.DELIVERED)


def test_without_the_choice_no_notice_is_sent(world, django_capture_on_commit_callbacks):
    notices(world, ["email"])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        mailbox_visitor_write(referral=world["referral"], codename=world["codename"],
                              body=FOLLOW_UP)
    assert mail.outbox == []
    assert not Outbox.objects.filter(channel=Outbox.Channel.NOTICE).exists()


def test_a_clinician_turns_the_notice_on_in_the_service_form(client, world):
    service = world["service"]
    login_verified(client, world["anders"])
    form = {"status": "active", "intake": "accepting", "reply_days": "3", "languages": ["fi"],
            "service_areas": ["FI"], "delivery_modes": ["online"], "notify_messages": "on"}
    response = client.post(f"/staff/portal/services/{service.pk}/", form)
    assert response.status_code == 302
    service.refresh_from_db()
    assert "messages" in service.referral_channels
    del form["notify_messages"]
    client.post(f"/staff/portal/services/{service.pk}/", form)
    service.refresh_from_db()
    assert "messages" not in service.referral_channels


@pytest.mark.parametrize(("language", "shown"), [
    ("en", lambda day: f"{day.day} {day:%b} {day.year}"),
    ("fi", lambda day: f"{day.day}.{day.month}.{day.year}"),
    ("sv", lambda day: day.isoformat()),
])
def test_inbox_dates_are_in_the_staff_members_language(client, world, language, shown):
    login_verified(client, world["anders"])
    day = world["referral"].created_on
    html = client.get(inbox(world), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert f">{shown(day)}</time>" in html
    assert f"{day.month:02}/{day.day:02}/{day.year}" not in html
