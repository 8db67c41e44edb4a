"""Staff sessions end after 30 idle minutes, 12 hours, a logout, or deactivation."""

import time

import pytest
from django.contrib.sessions.models import Session

from accounts.middleware import LAST_SEEN, LOGIN_AT

from .factories import make_user, sign_in

pytestmark = pytest.mark.django_db


def shift_session(client, **seconds_ago):
    session = client.session
    now = time.time()
    for key, ago in seconds_ago.items():
        session[key] = int(now - ago)
    session.save()


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_signing_in_records_when_the_session_began(client, staff):
    sign_in(client, staff)
    session = client.session
    assert abs(session[LOGIN_AT] - time.time()) < 5
    assert abs(session[LAST_SEEN] - time.time()) < 5


def test_a_session_idle_for_31_minutes_is_signed_out(client, staff):
    sign_in(client, staff)
    shift_session(client, **{LOGIN_AT: 40 * 60, LAST_SEEN: 31 * 60})
    response = client.get("/staff/account/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/staff/login/?next=%2Fstaff%2Faccount%2F"
    assert not signed_in(client)
    page = client.get(response.headers["Location"]).content.decode()
    assert "signed out after 30 minutes without activity" in page


def test_a_session_idle_for_29_minutes_goes_on(client, staff):
    sign_in(client, staff)
    shift_session(client, **{LOGIN_AT: 40 * 60, LAST_SEEN: 29 * 60})
    assert client.get("/staff/account/").status_code == 200
    assert abs(client.session[LAST_SEEN] - time.time()) < 5


def test_a_busy_session_ends_12_hours_after_signing_in(client, staff):
    sign_in(client, staff)
    shift_session(client, **{LOGIN_AT: 12 * 3600 + 60, LAST_SEEN: 10})
    response = client.get("/staff/account/", HTTP_ACCEPT_LANGUAGE="fi")
    assert response.status_code == 302
    assert not signed_in(client)
    page = client.get("/staff/login/", HTTP_ACCEPT_LANGUAGE="fi").content.decode()
    assert "sisäänkirjautumisesta on kulunut 12 tuntia" in page


def test_logging_out_ends_the_session(client, staff):
    sign_in(client, staff)
    key = client.session.session_key
    response = client.post("/staff/logout/")
    assert response.headers["Location"] == "/staff/login/"
    assert not Session.objects.filter(session_key=key).exists()
    assert client.get("/staff/account/").status_code == 302


def test_logging_out_needs_a_post(client, staff):
    sign_in(client, staff)
    assert client.get("/staff/logout/").status_code == 405
    assert signed_in(client)


def test_deactivating_an_account_ends_all_its_sessions(client, staff):
    from django.test import Client

    other_browser = Client()
    sign_in(client, staff)
    sign_in(other_browser, staff)
    bystander = make_user("bystander")
    third = Client()
    sign_in(third, bystander)
    assert Session.objects.count() == 3

    staff.is_active = False
    staff.save()

    assert Session.objects.count() == 1
    assert client.get("/staff/account/").status_code == 302
    assert other_browser.get("/staff/account/").status_code == 302
    assert third.get("/staff/account/").status_code == 200


def test_saving_an_active_account_leaves_its_sessions_alone(client, staff):
    sign_in(client, staff)
    staff.first_name = "Kim"
    staff.save()
    assert client.get("/staff/account/").status_code == 200
