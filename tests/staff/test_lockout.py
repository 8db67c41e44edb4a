"""Wrong passwords slow down the connection they come from; only a count far beyond one person's,
from many connections, locks a username for everyone (accounts/lockout.py)."""

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.core import mail
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.utils import timezone

from accounts.lockout import (
    ALERT_AT,
    FREE_TRIES,
    MEMORY,
    USERNAME_LOCK_AT,
    client_address,
)
from accounts.models import AuditEntry
from helpportal.privacy import client_key_for

from .factories import code_for, code_step, device_of, make_user, password_step

# Lockout counts failures whatever the hasher; the two tests where the hasher's real cost
# matters (the race between simultaneous tries, and an unknown name costing the same as a
# known one) use the production hasher.
pytestmark = pytest.mark.django_db

WRONG = "not the password at all"
OWNER = "192.0.2.10"  # the clinician's own connection in these tests


def other(n: int) -> str:
    """Connection n of an attacker: another address each."""
    return f"198.51.100.{n}"


def stored(address: str) -> str:
    """What axes keeps for a connection today: its client key as an fd00:: address."""
    return client_address(client_key_for(address))


def fail(client, username, times, address=OWNER, **extra):
    return [password_step(client, username, WRONG, REMOTE_ADDR=address, **extra).status_code
            for _ in range(times)]


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def verified(client) -> bool:
    return "otp_device_id" in client.session


def sign_in_fully(client, user, address=OWNER, *, steps_ahead=0):
    """The password step and the code step, from `address`; (status of each). A second sign-in
    in a test takes the app's next code (a code is good once; the next is accepted early)."""
    first = password_step(client, user.username, REMOTE_ADDR=address)
    if first.status_code != 302:
        return first.status_code, None
    code = code_for(device_of(user), steps_ahead=steps_ahead)
    return 302, code_step(client, code, REMOTE_ADDR=address).status_code


def age(address: str, by: timedelta, username="clinician") -> None:
    """As if the connection's last failure had been `by` ago."""
    AccessAttempt.objects.filter(username=username, ip_address=stored(address)).update(
        attempt_time=timezone.now() - by)


def failures_of(address: str, username="clinician") -> int:
    return AccessAttempt.objects.get(username=username,
                                     ip_address=stored(address)).failures_since_start


def earlier_failures(total: int, *, connections: int, username="clinician", ago=timedelta(hours=1)):
    """Rows as `total` failures from `connections` other connections leave them."""
    for n in range(connections):
        share = total // connections + (1 if n < total % connections else 0)
        row = AccessAttempt.objects.create(
            username=username, ip_address=client_address(f"{n:030x}00"), user_agent="",
            failures_since_start=share, get_data="", post_data="", http_accept="",
            path_info="/staff/login/")
        AccessAttempt.objects.filter(pk=row.pk).update(  # attempt_time is set on create
            attempt_time=timezone.now() - ago + timedelta(seconds=n))


# One connection.


def test_five_wrong_passwords_make_the_connection_wait_and_the_right_one_is_then_refused(
    client, staff
):
    assert fail(client, "clinician", 5) == [200, 200, 200, 200, 429]
    response = password_step(client, "clinician", REMOTE_ADDR=OWNER)
    assert response.status_code == 429
    assert not signed_in(client)


def test_four_wrong_passwords_still_let_the_right_one_in_and_start_the_count_again(
    client, staff
):
    assert fail(client, "clinician", 4) == [200] * 4
    response = password_step(client, "clinician", REMOTE_ADDR=OWNER)
    assert response.status_code == 302
    assert signed_in(client)
    assert not AccessAttempt.objects.filter(username="clinician").exists()


def test_the_wait_doubles_with_each_failure_after_the_free_ones(client, staff):
    fail(client, "clinician", FREE_TRIES)
    age(OWNER, timedelta(minutes=4, seconds=50))
    assert fail(client, "clinician", 1) == [429]  # refused unchecked: still waiting
    assert failures_of(OWNER) == 5
    age(OWNER, timedelta(minutes=5, seconds=1))
    sixth = password_step(client, "clinician", WRONG, REMOTE_ADDR=OWNER)
    assert sixth.status_code == 429
    assert failures_of(OWNER) == 6
    assert "Try again in 10\xa0minutes" in sixth.content.decode()
    age(OWNER, timedelta(minutes=9, seconds=50))
    assert fail(client, "clinician", 1) == [429]
    age(OWNER, timedelta(minutes=10, seconds=1))
    seventh = password_step(client, "clinician", WRONG, REMOTE_ADDR=OWNER)
    assert failures_of(OWNER) == 7
    assert "Try again in 20\xa0minutes" in seventh.content.decode()


def test_the_wait_stops_growing_at_four_hours(client, staff):
    fail(client, "clinician", FREE_TRIES)
    AccessAttempt.objects.update(failures_since_start=40)
    age(OWNER, timedelta(hours=3, minutes=59))
    response = password_step(client, "clinician", REMOTE_ADDR=OWNER)
    assert response.status_code == 429
    assert "Try again in 1\xa0minute" in response.content.decode()
    age(OWNER, timedelta(hours=4, seconds=1))
    assert password_step(client, "clinician", REMOTE_ADDR=OWNER).status_code == 302


def test_tries_during_the_wait_are_not_counted_and_do_not_extend_it(client, staff):
    fail(client, "clinician", FREE_TRIES)
    age(OWNER, timedelta(minutes=4))
    assert fail(client, "clinician", 20) == [429] * 20
    assert failures_of(OWNER) == FREE_TRIES
    age(OWNER, timedelta(minutes=5, seconds=1))
    assert password_step(client, "clinician", REMOTE_ADDR=OWNER).status_code == 302


def test_the_page_tells_the_wait_that_is_left_translated_and_is_not_cached(client, staff):
    fail(client, "clinician", FREE_TRIES)
    age(OWNER, timedelta(minutes=3))
    finnish = password_step(client, "clinician", REMOTE_ADDR=OWNER, HTTP_ACCEPT_LANGUAGE="fi")
    assert finnish.status_code == 429
    assert "no-store" in finnish.headers["Cache-Control"]
    html = finnish.content.decode()
    assert "Tili on toistaiseksi lukittu" in html
    assert "2\xa0minuuttia" in html
    swedish = password_step(client, "clinician", REMOTE_ADDR=OWNER, HTTP_ACCEPT_LANGUAGE="sv")
    assert "2\xa0minuter" in swedish.content.decode()


def test_a_waiting_connection_does_not_hold_up_another_username(client, staff):
    make_user("editor")
    fail(client, "clinician", FREE_TRIES)
    response = password_step(client, "editor", REMOTE_ADDR=OWNER)
    assert response.status_code == 302
    assert signed_in(client)


@pytest.mark.real_password_hashing
def test_an_unknown_username_waits_the_same_way_so_nothing_tells_them_apart(client):
    assert fail(client, "nobody-here", 5) == [200, 200, 200, 200, 429]


# Other connections.


def test_a_hundred_wrong_passwords_from_twenty_other_connections_do_not_keep_the_owner_out(
    staff
):
    attacker = Client()
    statuses = [status for n in range(1, 21) for status in fail(attacker, "clinician", 5, other(n))]
    assert len(statuses) == 100
    assert statuses.count(429) == 20  # each connection's fifth: it now waits
    assert sum(AccessAttempt.objects.values_list("failures_since_start", flat=True)) == 100
    owner = Client()
    assert sign_in_fully(owner, staff) == (302, 302)
    assert verified(owner)
    # The attackers still wait; the owner's sign-in cleared only the owner's own count.
    assert password_step(Client(), "clinician", REMOTE_ADDR=other(1)).status_code == 429
    assert AccessAttempt.objects.filter(username="clinician").count() == 20


def test_a_member_held_up_on_one_connection_signs_in_from_another(staff):
    fail(Client(), "clinician", FREE_TRIES, "203.0.113.5")  # a phone, say
    laptop = Client()
    assert sign_in_fully(laptop, staff, "203.0.113.6") == (302, 302)
    assert verified(laptop)


def test_the_username_is_locked_for_everyone_at_the_high_count_from_all_connections(staff):
    earlier_failures(USERNAME_LOCK_AT - 1, connections=200)
    assert sign_in_fully(Client(), staff) == (302, 302)  # one short of the lock: the owner is in
    starts = password_step(Client(), "clinician", WRONG, REMOTE_ADDR=other(1))
    assert starts.status_code == 429
    owner = Client()
    locked = password_step(owner, "clinician", REMOTE_ADDR=OWNER)
    assert locked.status_code == 429
    assert not signed_in(owner)
    assert "locked for everyone" in locked.content.decode()
    # It ends when enough of the failures are older than a day: here the oldest connection's.
    oldest = AccessAttempt.objects.order_by("attempt_time").first()
    AccessAttempt.objects.filter(pk=oldest.pk).update(
        attempt_time=timezone.now() - MEMORY - timedelta(seconds=1))
    assert sign_in_fully(owner, staff, steps_ahead=1) == (302, 302)
    assert verified(owner)


def test_failures_older_than_a_day_are_forgotten(staff):
    earlier_failures(USERNAME_LOCK_AT, connections=200, ago=MEMORY + timedelta(minutes=5))
    assert sign_in_fully(Client(), staff) == (302, 302)
    assert AccessAttempt.objects.filter(username="clinician").count() == 0


# Alerts.


def test_administrators_are_told_once_at_the_alert_count_and_again_when_the_lock_starts(
    staff, django_capture_on_commit_callbacks
):
    admin = make_user("admin", superuser=True)
    admin.email = "admin@example.org"
    admin.save()
    attacker = Client()
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(1, ALERT_AT // FREE_TRIES + 1):
            fail(attacker, "clinician", FREE_TRIES, other(n))
        fail(attacker, "clinician", FREE_TRIES, other(200))  # more of the same: no new alert
    alerts = AuditEntry.objects.filter(action="alert:sign_in_attack")
    assert alerts.count() == 1
    assert alerts.get().detail["failures"] == ALERT_AT
    assert alerts.get().detail["clients"] == ALERT_AT // FREE_TRIES
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["admin@example.org"]
    assert '"clinician"' in mail.outbox[0].body
    assert "can still sign in" in mail.outbox[0].body
    assert "198.51.100" not in mail.outbox[0].body

    AccessAttempt.objects.filter(username="clinician").delete()
    earlier_failures(USERNAME_LOCK_AT - 1, connections=200)
    with django_capture_on_commit_callbacks(execute=True):
        fail(attacker, "clinician", 2, other(201))
    assert alerts.count() == 2
    assert alerts.latest("at").detail["failures"] == USERNAME_LOCK_AT
    assert len(mail.outbox) == 2
    assert "locked for everyone" in mail.outbox[1].body


def test_no_alert_for_a_username_that_does_not_exist(client):
    for n in range(1, ALERT_AT // FREE_TRIES + 2):
        fail(client, "nobody-here", FREE_TRIES, other(n))
    assert not AuditEntry.objects.filter(action="alert:sign_in_attack").exists()


# What is kept.


def test_no_axes_row_holds_an_address_a_user_agent_or_the_password(client, staff):
    headers = {
        "HTTP_X_FORWARDED_FOR": "203.0.113.78",
        "HTTP_X_REAL_IP": "203.0.113.79",
        "HTTP_USER_AGENT": "ProbeAgent/9.9",
    }
    fail(client, "clinician", 6, "203.0.113.77", **headers)
    fail(client, "nobody-here", 2, "203.0.113.77", **headers)
    rows = [*AccessAttempt.objects.all(), *AccessFailureLog.objects.all(), *AccessLog.objects.all()]
    assert {row.username for row in rows} == {"clinician", "nobody-here"}
    today = stored("203.0.113.77")
    assert today.startswith("fd") and "203.0.113" not in today
    for row in rows:
        assert row.ip_address == today
        assert row.user_agent == ""
        assert row.http_accept == ""
        for field in ("get_data", "post_data"):
            text = getattr(row, field, "")
            assert "203.0.113" not in text
            assert "ProbeAgent" not in text
            assert WRONG not in text
    assert not AccessLog.objects.exists()
    assert not AccessFailureLog.objects.exists()

    # When the day's secret is replaced, the same connection is another key, unlinkable.
    cache.delete(f"client-key-secret:{timezone.now().date().isoformat()}")
    fail(client, "editor", 1, "203.0.113.77", **headers)
    tomorrow = AccessAttempt.objects.get(username="editor").ip_address
    assert tomorrow.startswith("fd")
    assert tomorrow not in {today, "203.0.113.77"}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.real_password_hashing
def test_wrong_passwords_sent_at_the_same_moment_are_all_counted(staff):
    """Concurrent failures for one username and connection make one row, and the wait comes."""

    def wrong_password(_):
        try:
            return password_step(Client(), "clinician", WRONG, REMOTE_ADDR=OWNER).status_code
        finally:
            connection.close()  # this thread's connection

    with ThreadPoolExecutor(max_workers=4) as pool:
        first = list(pool.map(wrong_password, range(4)))
    assert sorted(first) == [200, 200, 200, 200]
    assert AccessAttempt.objects.filter(username="clinician").count() == 1
    assert failures_of(OWNER) == 4
    assert fail(Client(), "clinician", 1) == [429]
    assert password_step(Client(), "clinician", REMOTE_ADDR=OWNER).status_code == 429
