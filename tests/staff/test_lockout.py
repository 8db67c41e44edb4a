"""django-axes locks an account by its username after 5 wrong passwords, for 30 minutes."""

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.db import connection
from django.test import Client
from django.utils import timezone

from accounts.lockout import AXES_PLACEHOLDER_ADDRESS

from .factories import password_step

# Lockout counts failures whatever the hasher; the two tests where the hasher's real cost
# matters (the race between simultaneous tries, and an unknown name costing the same as a
# known one) use the production hasher.
pytestmark = pytest.mark.django_db

WRONG = "not the password at all"


def fail(client, username, times, **extra):
    return [password_step(client, username, WRONG, **extra).status_code for _ in range(times)]


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_five_wrong_passwords_lock_the_account_and_the_right_one_is_then_refused(client, staff):
    assert fail(client, "clinician", 5) == [200, 200, 200, 200, 429]
    response = password_step(client, "clinician")
    assert response.status_code == 429
    assert not signed_in(client)


def test_four_wrong_passwords_still_let_the_right_one_in_and_start_the_count_again(
    client, staff
):
    assert fail(client, "clinician", 4) == [200] * 4
    response = password_step(client, "clinician")
    assert response.status_code == 302
    assert signed_in(client)
    assert not AccessAttempt.objects.filter(username="clinician").exists()


def test_the_lockout_answers_with_a_translated_page_that_is_not_cached(client, staff):
    fail(client, "clinician", 5)
    response = password_step(client, "clinician", HTTP_ACCEPT_LANGUAGE="fi")
    assert response.status_code == 429
    assert "no-store" in response.headers["Cache-Control"]
    html = response.content.decode()
    assert "30" in html
    assert "lukittu" in html


def test_a_locked_account_does_not_lock_another_username(client, staff, django_user_model):
    from .factories import make_user

    make_user("editor")
    fail(client, "clinician", 5)
    response = password_step(client, "editor")
    assert response.status_code == 302
    assert signed_in(client)


def test_the_lock_holds_from_any_address_or_browser(client, staff):
    fail(client, "clinician", 5, REMOTE_ADDR="203.0.113.7", HTTP_USER_AGENT="Browser/1")
    other = password_step(client, "clinician", REMOTE_ADDR="198.51.100.9",
                          HTTP_USER_AGENT="Other/2")
    assert other.status_code == 429


@pytest.mark.real_password_hashing
def test_an_unknown_username_is_locked_the_same_way_so_nothing_tells_them_apart(client):
    assert fail(client, "nobody-here", 5) == [200, 200, 200, 200, 429]


def test_the_account_opens_again_after_30_minutes(client, staff):
    fail(client, "clinician", 5)
    assert password_step(client, "clinician").status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=30, seconds=5))
    response = password_step(client, "clinician")
    assert response.status_code == 302
    assert signed_in(client)


def test_tries_during_the_lockout_do_not_extend_it(client, staff):
    fail(client, "clinician", 5)
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=29))
    fail(client, "clinician", 3)
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=30, seconds=5))
    assert password_step(client, "clinician").status_code == 302


def test_no_axes_row_holds_an_address_or_a_user_agent(client, staff):
    headers = {
        "REMOTE_ADDR": "203.0.113.77",
        "HTTP_X_FORWARDED_FOR": "203.0.113.78",
        "HTTP_USER_AGENT": "ProbeAgent/9.9",
    }
    fail(client, "clinician", 6, **headers)
    fail(client, "nobody-here", 2, **headers)
    password_step(client, "clinician", **headers)
    rows = [*AccessAttempt.objects.all(), *AccessFailureLog.objects.all(), *AccessLog.objects.all()]
    assert {row.username for row in rows} == {"clinician", "nobody-here"}
    for row in rows:
        assert row.ip_address == AXES_PLACEHOLDER_ADDRESS
        assert row.user_agent == ""
        assert row.http_accept == ""
        for field in ("get_data", "post_data"):
            text = getattr(row, field, "")
            assert "203.0.113" not in text
            assert "ProbeAgent" not in text
            assert WRONG not in text
    assert not AccessLog.objects.exists()
    assert not AccessFailureLog.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.real_password_hashing
def test_wrong_passwords_sent_at_the_same_moment_are_all_counted(staff):
    """Concurrent failures for one username make one row, and the lockout still comes."""

    def wrong_password(_):
        try:
            return password_step(Client(), "clinician", WRONG).status_code
        finally:
            connection.close()  # this thread's connection

    with ThreadPoolExecutor(max_workers=4) as pool:
        first = list(pool.map(wrong_password, range(4)))
    assert sorted(first) == [200, 200, 200, 200]
    assert AccessAttempt.objects.filter(username="clinician").count() == 1
    assert AccessAttempt.objects.get(username="clinician").failures_since_start == 4
    assert fail(Client(), "clinician", 1) == [429]
    assert password_step(Client(), "clinician").status_code == 429
