"""A flood never shuts out the real person (docs/operations.md, "Referral floods").

Limits are per client (an IPv4 address, or an IPv6 /64); the hourly ceilings, site-wide and per
service, hold referrals for review instead of refusing them, and tell administrators. Every
refusal of a referral or a mailbox message gives the person's words back.
"""

import re

import pytest
from django.core import mail
from django.test import Client

from accounts.models import AuditEntry
from helpportal.privacy import client_key_for, client_network
from referrals import services
from referrals.delivery import outbox_sweep
from referrals.models import HeldReferral, Outbox, Referral
from tests.referrals.factories import login_verified, make_member, make_service, make_user
from tests.referrals.test_database_outage import database_unreachable
from tests.referrals.test_visitor_referral import (
    ONCE,
    form_data,
    refer_url,
    send,
    shown_codename,
)

pytestmark = pytest.mark.django_db

WORDS = "Words-4c2a I wrote at night, <b>bold</b> & 'quoted'"
CONTACT = "Reach me at contact-77f1"
ESCAPED = "Words-4c2a I wrote at night, &lt;b&gt;bold&lt;/b&gt; &amp; &#x27;quoted&#x27;"
MAILBOX = "/en/mailbox/"


@pytest.fixture
def service():
    return make_service()


def from_address(address: str) -> Client:
    return Client(REMOTE_ADDR=address)


# ---------------------------------------------------------------------------------------------
# Who one client is


@pytest.mark.parametrize(("address", "network"), [
    ("203.0.113.9", "203.0.113.9"),
    ("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64"),
    ("2001:DB8:1:2::1", "2001:db8:1:2::/64"),
    ("::ffff:198.51.100.7", "198.51.100.7"),
    ("fe80::1%eth0", "fe80::/64"),
    ("not an address", "not an address"),
])
def test_a_client_is_an_ipv4_address_or_an_ipv6_64(address, network):
    assert client_network(address) == network


def test_addresses_of_one_64_share_a_key_and_the_next_64_does_not():
    one = client_key_for("2001:db8:1:2::1")
    assert client_key_for("2001:db8:1:2:ffff:ffff:ffff:ffff") == one
    assert client_key_for("2001:db8:1:3::1") != one
    assert client_key_for("203.0.113.1") != client_key_for("203.0.113.2")


def test_forty_addresses_of_one_64_are_limited_as_one_client(service, settings):
    settings.REFERRAL_LIMIT_PER_CLIENT_PER_DAY = 5
    statuses = [send(from_address(f"2001:db8:77:1::{n:x}"), service).status_code
                for n in range(1, 41)]
    assert statuses == [200] * 5 + [429] * 35
    assert send(from_address("2001:db8:77:2::1"), service).status_code == 200


# ---------------------------------------------------------------------------------------------
# Refused (429): the words come back in the form, and the same form goes later


def test_a_client_over_its_daily_limit_gets_its_words_back_in_the_form(client, service,
                                                                        settings):
    settings.REFERRAL_LIMIT_PER_CLIENT_PER_DAY = 0
    data = form_data(client, service, message=WORDS, contact=CONTACT)
    response = client.post(refer_url(service, "fi"), data)

    assert response.status_code == 429
    wait = int(response["Retry-After"])
    assert 60 <= wait <= 24 * 3600
    html = response.content.decode()
    assert ESCAPED in html
    assert CONTACT in html
    assert ONCE.search(html).group(1) == data["once"]  # the same form, sent again later
    assert "Viestiäsi ei ole vielä lähetetty" in html  # translated: not sent yet
    assert not Referral.objects.exists()

    settings.REFERRAL_LIMIT_PER_CLIENT_PER_DAY = 5
    from django.core.cache import cache

    cache.clear()  # the next day
    again = client.post(refer_url(service), data)
    assert again.status_code == 200
    assert shown_codename(again)


def test_a_refusal_is_not_counted_against_the_ceilings(service, settings):
    """One flooding client cannot spend the hour's ceiling for everyone else."""
    settings.REFERRAL_LIMIT_PER_CLIENT_PER_DAY = 2
    settings.REFERRAL_HOLD_ABOVE_PER_HOUR = 5
    flooder = from_address("203.0.113.50")
    assert [send(flooder, service).status_code for _ in range(30)] == [200] * 2 + [429] * 28
    fresh = send(from_address("198.51.100.50"), service)
    assert fresh.status_code == 200
    assert not Referral.objects.filter(held_on__isnull=False).exists()


# ---------------------------------------------------------------------------------------------
# Held (200): above a ceiling a referral is taken, and its service told later


def test_a_flood_from_many_addresses_holds_referrals_and_a_fresh_visitor_still_gets_through(
        service, settings, django_capture_on_commit_callbacks):
    settings.REFERRAL_HOLD_ABOVE_PER_HOUR = 10
    admin = make_user("alerted-admin", superuser=True)
    admin.email = "admin@example.org"
    admin.save()
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(30):
            assert send(from_address(f"203.0.113.{n + 1}"), service).status_code == 200

    fresh = from_address("198.51.100.99")
    response = send(fresh, service, message=WORDS)
    assert response.status_code == 200
    codename = shown_codename(response)
    held = Referral.objects.filter(held_on__isnull=False)
    assert held.count() == 21  # 31 sent, 10 below the ceiling
    mine = services.referral_find(codename)
    assert mine.held_on is not None
    # Nothing of a held referral is passed on until it is released.
    assert not Outbox.objects.filter(referral__in=held).exclude(
        state=Outbox.State.PENDING).exists()
    assert not Outbox.objects.filter(referral__in=held, attempts__gt=0).exists()

    mailbox = fresh.post(MAILBOX, {"codename": codename, "action": "open"})
    assert mailbox.status_code == 200
    assert "waiting for a check before the service is told" in mailbox.content.decode()

    alerts = AuditEntry.objects.filter(action="alert:referral_flood")
    assert alerts.count() == 1  # once an hour, not once per referral
    assert alerts.get().detail["scope"] == "site-wide"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["admin@example.org"]
    assert WORDS not in mail.outbox[0].body


def test_a_flood_on_one_service_holds_its_referrals_only(settings):
    settings.REFERRAL_HOLD_ABOVE_PER_SERVICE_PER_HOUR = 3
    target, other = make_service(), make_service()
    for n in range(6):
        send(from_address(f"203.0.113.{n + 1}"), target)
    send(from_address("198.51.100.1"), other)
    assert Referral.objects.filter(service=target, held_on__isnull=False).count() == 3
    assert not Referral.objects.filter(service=other, held_on__isnull=False).exists()
    alert = AuditEntry.objects.get(action="alert:referral_flood")
    assert str(target.pk) in alert.detail["scope"]


def test_the_sweeper_leaves_held_deliveries_alone(service):
    referral, _codename = services.referral_create(service=service, message=WORDS, hold=True)
    Outbox.objects.filter(referral=referral).update(next_attempt_at="2026-01-01T00:00Z")
    assert outbox_sweep() == []


def test_the_inbox_lists_held_referrals_apart_and_a_clinician_releases_one(
        client, service, django_capture_on_commit_callbacks):
    clinician = make_member(service.organization)
    held, _ = services.referral_create(service=service, message=WORDS, hold=True)
    usual, _ = services.referral_create(service=service, message="An ordinary referral")
    login_verified(client, clinician)
    inbox = f"/staff/portal/organisations/{service.organization.pk}/referrals/"

    page = client.get(inbox).content.decode()
    assert str(usual.pk) in page
    assert str(held.pk) not in page
    assert "1 referral arrived during an unusually large number of messages" in page
    assert str(held.pk) in client.get(inbox, {"state": "held"}).content.decode()

    detail = client.get(f"/staff/portal/referrals/{held.pk}/").content.decode()
    assert "Held for review since" in detail
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/staff/portal/referrals/{held.pk}/release/")
    assert response.status_code == 302
    held.refresh_from_db()
    assert held.held_on is None
    assert held.state == Referral.State.DELIVERED  # the inbox delivery ran (eager worker)
    assert AuditEntry.objects.filter(action="referral_released", actor=clinician).exists()
    assert str(held.pk) in client.get(inbox).content.decode()


def test_administrators_release_held_referrals_in_the_admin_without_reading_them(
        client, service, django_capture_on_commit_callbacks):
    held = [services.referral_create(service=service, message=WORDS, hold=True)[0]
            for _ in range(3)]
    login_verified(client, make_user("admin", superuser=True))
    listing = client.get("/staff/admin/referrals/heldreferral/")
    assert listing.status_code == 200
    assert "Words-4c2a" not in listing.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/staff/admin/referrals/heldreferral/", {
            "action": "release", "_selected_action": [str(r.pk) for r in held[:2]]})
    assert response.status_code == 302
    assert HeldReferral.objects.count() == 1
    assert Outbox.objects.filter(referral__in=held[:2], state=Outbox.State.DELIVERED).count() == 2


# ---------------------------------------------------------------------------------------------
# Refused for other reasons (409, 503): the words still come back


def test_a_service_that_stopped_taking_referrals_gives_the_words_back_with_409(client,
                                                                             service):
    data = form_data(client, service, message=WORDS, contact=CONTACT)
    service.accepts_anonymous_referrals = False
    service.save()
    response = client.post(refer_url(service), data)
    assert response.status_code == 409
    html = response.content.decode()
    assert ESCAPED in html
    assert CONTACT in html


def test_the_same_form_again_after_its_referral_is_gone_gives_the_words_back_with_409(
        client, service):
    data = form_data(client, service, message=WORDS)
    codename = shown_codename(client.post(refer_url(service), data))
    services.referral_find(codename).delete()
    response = client.post(refer_url(service), data)
    assert response.status_code == 409
    assert ESCAPED in response.content.decode()


def _opened_mailbox(client, service):
    codename = shown_codename(send(client, service))
    page = client.post(MAILBOX, {"codename": codename, "action": "open"}).content.decode()
    opened = re.search(r'name="opened" value="([^"]+)"', page).group(1)
    return codename, opened, ONCE.search(page).group(1)


def test_a_message_without_an_open_mailbox_refused_by_the_limit_comes_back(client, service,
                                                                           settings):
    codename, _opened, once = _opened_mailbox(client, service)
    settings.MAILBOX_ATTEMPTS_PER_CLIENT_PER_HOUR = 0
    response = client.post(MAILBOX, {"codename": codename, "action": "write", "once": once,
                                     "body": WORDS})
    assert response.status_code == 429
    assert 60 <= int(response["Retry-After"]) <= 3600
    html = response.content.decode()
    assert ESCAPED in html
    assert "Your message was NOT sent" in html
    # The form to send it again carries the codename and the same one-time token.
    assert f'name="codename" value="{codename}"' in html
    assert f'name="once" value="{once}"' in html
    assert not Referral.objects.get().messages.exists()


def test_a_message_from_an_open_mailbox_is_never_limited(client, service, settings):
    codename, opened, once = _opened_mailbox(client, service)
    settings.MAILBOX_ATTEMPTS_PER_CLIENT_PER_HOUR = 0
    response = client.post(MAILBOX, {"codename": codename, "action": "write", "once": once,
                                     "opened": opened, "body": WORDS})
    assert response.status_code == 200
    assert Referral.objects.get().messages.count() == 1


def test_a_message_to_a_closed_conversation_comes_back_with_409(client, service):
    codename, opened, once = _opened_mailbox(client, service)
    Referral.objects.update(state=Referral.State.CLOSED)
    response = client.post(MAILBOX, {"codename": codename, "action": "write", "once": once,
                                     "opened": opened, "body": WORDS})
    assert response.status_code == 409
    assert ESCAPED in response.content.decode()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_message_sent_while_the_database_is_down_comes_back_with_503(client, service):
    codename, opened, once = _opened_mailbox(client, service)
    with database_unreachable():
        response = client.post(MAILBOX, {"codename": codename, "action": "write",
                                         "once": once, "opened": opened, "body": WORDS})
    assert response.status_code == 503
    html = response.content.decode()
    assert ESCAPED in html
    assert 'name="body"' in html
    assert f'name="codename" value="{codename}"' in html
    again = client.post(MAILBOX, {"codename": codename, "action": "write", "once": once,
                                  "opened": opened, "body": WORDS})
    assert again.status_code == 200, "the one-time token was not released"
    assert Referral.objects.get().messages.count() == 1
