"""The clinician inbox across organisation boundaries.

Personas: Aino manages organisation A, Anders and Alma are its clinicians, Bea works for B.
A referral of A answers Bea with 404, never 403, and nothing she sends changes it. Every
reading, reply and change of state is audited, with the actor and never the words.
"""

import json

import pytest

from accounts.models import AuditEntry, Membership
from referrals.models import MailboxMessage, Referral
from referrals.services import mailbox_visitor_write, referral_create
from tests.referrals.factories import (
    login_verified,
    make_member,
    make_organization,
    make_service,
    make_user,
    opened,
)

pytestmark = pytest.mark.django_db

MESSAGE = "I need help to stop, please answer in Finnish"
CONTACT = "reach-me@example.invalid"
REPLY = "Thank you for writing. We can meet you online next week."


@pytest.fixture
def world():
    org_a = make_organization("Organisation A", country="FI")
    org_b = make_organization("Organisation B", country="SE")
    service_a = make_service(org_a, name="Service of A", accepts_anonymous_referrals=True)
    service_b = make_service(org_b, name="Service of B", accepts_anonymous_referrals=True)
    referral_a, codename_a = referral_create(
        service=service_a, message=MESSAGE, contact=CONTACT, preferred_language="fi"
    )
    referral_b, _ = referral_create(service=service_b, message="A message for B")
    return {
        "org_a": org_a,
        "org_b": org_b,
        "service_a": service_a,
        "referral_a": referral_a,
        "codename_a": codename_a,
        "referral_b": referral_b,
        "aino": make_member(org_a, "aino", role=Membership.Role.MANAGER),
        "anders": make_member(org_a, "anders"),
        "alma": make_member(org_a, "alma"),
        "bea": make_member(org_b, "bea"),
    }


def inbox_url(organization):
    return f"/staff/portal/organisations/{organization.pk}/referrals/"


def detail_url(referral):
    return f"/staff/portal/referrals/{referral.pk}/"


def reply_url(referral):
    return f"{detail_url(referral)}reply/"


def state_url(referral):
    return f"{detail_url(referral)}state/"


def audit_text(entry: AuditEntry) -> str:
    return json.dumps(entry.detail)


def test_a_clinician_of_b_gets_404_for_everything_of_a_and_nothing_changes(client, world):
    referral = world["referral_a"]
    login_verified(client, world["bea"])
    assert client.get(inbox_url(world["org_a"])).status_code == 404
    assert client.get(detail_url(referral)).status_code == 404
    assert client.post(reply_url(referral), {"body": "Hello from B"}).status_code == 404
    assert client.post(state_url(referral), {"state": "closed"}).status_code == 404
    referral.refresh_from_db()
    assert referral.state == Referral.State.NEW
    assert not MailboxMessage.objects.filter(referral=referral).exists()
    assert not AuditEntry.objects.filter(actor=world["bea"]).exists()


def test_a_clinician_of_b_does_not_see_a_referral_of_a_in_her_own_inbox(client, world):
    login_verified(client, world["bea"])
    html = client.get(inbox_url(world["org_b"])).content.decode()
    assert detail_url(world["referral_b"]) in html
    assert detail_url(world["referral_a"]) not in html


def test_an_unknown_referral_and_a_malformed_address_are_not_found(client, world):
    login_verified(client, world["anders"])
    assert client.get("/staff/portal/referrals/00000000-0000-0000-0000-000000000000/"
                      ).status_code == 404
    assert client.get("/staff/portal/referrals/not-a-uuid/").status_code == 404


def test_a_signed_out_visitor_is_sent_to_the_sign_in(client, world):
    response = client.get(detail_url(world["referral_a"]))
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/staff/login/")


@pytest.mark.parametrize("who", ["anders", "alma"])
def test_both_clinicians_of_a_can_read_reply_and_move_a_referral(client, world, who):
    referral = world["referral_a"]
    login_verified(client, world[who])

    html = client.get(detail_url(referral)).content.decode()
    assert MESSAGE in html
    assert CONTACT in html
    assert "Finnish" in html

    response = client.post(reply_url(referral), {"body": REPLY})
    assert response.status_code == 302
    assert response.headers["Location"] == detail_url(referral)
    reply = MailboxMessage.objects.get(referral=referral)
    assert (reply.sender, reply.author) == (MailboxMessage.Sender.PROVIDER, world[who])
    assert opened(referral, reply.body_encrypted) == REPLY
    referral.refresh_from_db()
    assert referral.state == Referral.State.IN_CONTACT  # a reply means they are in contact
    assert REPLY in client.get(detail_url(referral)).content.decode()

    response = client.post(state_url(referral), {"state": "closed"})
    assert response.status_code == 200  # closing asks first
    assert "Close this referral?" in response.content.decode()
    referral.refresh_from_db()
    assert referral.state == Referral.State.IN_CONTACT
    response = client.post(state_url(referral), {"state": "closed", "confirm": "1"})
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.state == Referral.State.CLOSED
    assert referral.closed_on is not None


def test_the_manager_can_read_it_too(client, world):
    login_verified(client, world["aino"])
    assert MESSAGE in client.get(detail_url(world["referral_a"])).content.decode()


def test_an_administrator_who_is_no_member_reads_no_referral_and_no_inbox(client, world):
    """The form promises the visitor that nobody but the service's clinicians, not the people
    who run this site, can read what they write."""
    login_verified(client, make_user("admin", superuser=True))
    referral = world["referral_a"]
    inbox = f"/staff/portal/organisations/{referral.service.organization_id}/referrals/"
    for url in (detail_url(referral), inbox):
        response = client.get(url)
        assert response.status_code == 404
        assert MESSAGE not in response.content.decode()
    assert client.post(state_url(referral), {"state": "closed"}).status_code == 404
    referral.refresh_from_db()
    assert referral.state != Referral.State.CLOSED


def test_a_referral_moves_on_at_once_and_closes_after_a_confirmation(client, world):
    referral = world["referral_a"]
    login_verified(client, world["anders"])
    for state in ("acknowledged", "in_contact"):
        assert client.post(state_url(referral), {"state": state}).status_code == 302
        referral.refresh_from_db()
        assert referral.state == state
    asked = client.post(state_url(referral), {"state": "closed"})
    assert asked.status_code == 200 and 'name="confirm" value="1"' in asked.content.decode()
    referral.refresh_from_db()
    assert (referral.state, referral.closed_on) == ("in_contact", None)
    assert client.post(state_url(referral), {"state": "closed", "confirm": "1"}).status_code == 302
    referral.refresh_from_db()
    assert referral.state == "closed" and referral.closed_on is not None


@pytest.mark.parametrize(("before", "after"), [
    ("in_contact", "acknowledged"), ("closed", "in_contact"), ("closed", "acknowledged"),
])
def test_a_step_back_asks_first_and_says_from_what_to_what(client, world, before, after):
    referral = world["referral_a"]
    Referral.objects.filter(pk=referral.pk).update(state=before)
    login_verified(client, world["anders"])
    asked = client.post(state_url(referral), {"state": after})
    html = asked.content.decode()
    assert asked.status_code == 200
    assert (f"Move it back from {Referral.State(before).label} to "
            f"{Referral.State(after).label}?") in html
    referral.refresh_from_db()
    assert referral.state == before
    assert client.post(state_url(referral), {"state": after, "confirm": "1"}).status_code == 302
    referral.refresh_from_db()
    assert referral.state == after
    assert referral.closed_on is None  # reopened: no deletion date


@pytest.mark.parametrize("state", ["new", "delivered", "drop", ""])
def test_the_systems_states_and_unknown_ones_are_refused_with_a_message(client, world, state):
    referral = world["referral_a"]
    login_verified(client, world["anders"])
    for confirm in ("", "1"):
        response = client.post(state_url(referral), {"state": state, "confirm": confirm})
        assert response.status_code == 400
        assert "Choose one of the listed states." in response.content.decode()
    referral.refresh_from_db()
    assert referral.state == world["referral_a"].state


def test_the_state_list_offers_only_the_states_a_clinician_chooses(client, world):
    login_verified(client, world["anders"])
    html = client.get(detail_url(world["referral_a"])).content.decode()
    select = html[html.index('name="state"'):]
    select = select[:select.index("</select>")]
    assert 'value="acknowledged"' in select and 'value="closed"' in select
    assert 'value="new"' not in select and 'value="delivered"' not in select


def test_the_thread_shows_the_visitors_messages_and_the_replies_in_order(client, world):
    referral = world["referral_a"]
    mailbox_visitor_write(referral=referral, codename=world["codename_a"],
                          body="A second message from me")
    login_verified(client, world["anders"])
    client.post(reply_url(referral), {"body": REPLY})
    html = client.get(detail_url(referral)).content.decode()
    assert html.index("A second message from me") < html.index(REPLY)
    assert "anders" in html


def test_every_view_reply_and_state_change_is_audited_with_the_actor_and_no_words(client, world):
    referral = world["referral_a"]
    AuditEntry.objects.all().delete()
    login_verified(client, world["anders"])
    client.get(detail_url(referral))
    client.post(reply_url(referral), {"body": REPLY})
    client.get(detail_url(referral))
    client.post(state_url(referral), {"state": "closed", "confirm": "1"})

    entries = list(AuditEntry.objects.filter(target_id=str(referral.pk)).order_by("pk"))
    assert [entry.action for entry in entries] == [
        "referral.view",
        "referral.state",  # new -> in contact, by the reply
        "referral.reply",
        "referral.view",
        "referral.state",
    ]
    for entry in entries:
        assert entry.actor == world["anders"]
        assert entry.actor_name == "anders"
        assert entry.organization == world["org_a"]
        assert entry.target_type == "referral"
        for words in (MESSAGE, CONTACT, REPLY, world["codename_a"]):
            assert words not in audit_text(entry)
    assert entries[-1].detail == {"from": "in_contact", "to": "closed"}


@pytest.mark.parametrize(("body", "message"), [
    ("", "Write a reply before sending it."),
    ("   ", "Write a reply before sending it."),
    ("x" * 5001, "at most 5000 characters"),
])
def test_an_empty_or_too_long_reply_is_refused_and_nothing_is_stored(client, world, body,
                                                                      message):
    referral = world["referral_a"]
    login_verified(client, world["anders"])
    response = client.post(reply_url(referral), {"body": body})
    assert response.status_code == 400
    html = response.content.decode()
    assert "error-summary" in html
    assert message in html
    assert not MailboxMessage.objects.filter(referral=referral).exists()
    assert not AuditEntry.objects.filter(action="referral.reply").exists()


def test_a_reply_of_exactly_5000_characters_is_sent(client, world):
    login_verified(client, world["anders"])
    assert client.post(reply_url(world["referral_a"]), {"body": "x" * 5000}).status_code == 302
    assert MailboxMessage.objects.filter(referral=world["referral_a"]).count() == 1


def test_an_unknown_state_is_refused_and_nothing_changes(client, world):
    referral = world["referral_a"]
    login_verified(client, world["anders"])
    response = client.post(state_url(referral), {"state": "deleted"})
    assert response.status_code == 400
    assert "Choose one of the listed states." in response.content.decode()
    referral.refresh_from_db()
    assert referral.state == Referral.State.NEW
    assert not AuditEntry.objects.filter(action="referral.state").exists()


def test_the_inbox_lists_the_organisations_referrals_newest_first(client, world):
    older, _ = referral_create(service=world["service_a"], message="An older one")
    Referral.objects.filter(pk=older.pk).update(created_on="2020-01-02")
    mailbox_visitor_write(referral=world["referral_a"], codename=world["codename_a"],
                          body="More")
    login_verified(client, world["alma"])
    response = client.get(inbox_url(world["org_a"]))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.index(detail_url(world["referral_a"])) < html.index(detail_url(older))
    assert detail_url(world["referral_b"]) not in html
    assert MESSAGE not in html  # the list shows no words
    rows = response.context["page"].object_list
    assert [row.message_count for row in rows] == [1, 0]
    assert [row.service.name for row in rows] == ["Service of A", "Service of A"]


def test_the_inbox_filters_by_state(client, world):
    closed, _ = referral_create(service=world["service_a"], message="A closed one")
    Referral.objects.filter(pk=closed.pk).update(state=Referral.State.CLOSED)
    login_verified(client, world["anders"])
    html = client.get(inbox_url(world["org_a"]), {"state": "closed"}).content.decode()
    assert detail_url(closed) in html
    assert detail_url(world["referral_a"]) not in html
    html = client.get(inbox_url(world["org_a"]), {"state": "nonsense"}).content.decode()
    assert detail_url(closed) in html and detail_url(world["referral_a"]) in html


def test_the_dashboard_links_each_organisation_to_its_inbox_with_the_new_count(client, world):
    referral_create(service=world["service_a"], message="Another")
    opened, _ = referral_create(service=world["service_a"], message="Seen")
    Referral.objects.filter(pk=opened.pk).update(opened_on=opened.created_on)
    login_verified(client, world["anders"])
    html = client.get("/staff/portal/").content.decode()
    assert f'href="{inbox_url(world["org_a"])}"' in html
    assert "2 new referrals" in html  # referral_a and "Another"; "Seen" was opened
    assert inbox_url(world["org_b"]) not in html


def test_referral_pages_are_never_cached(client, world):
    login_verified(client, world["anders"])
    for url in (inbox_url(world["org_a"]), detail_url(world["referral_a"])):
        assert "no-store" in client.get(url).headers["Cache-Control"]
