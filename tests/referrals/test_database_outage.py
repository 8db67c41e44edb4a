"""The database goes away: a translated 503 page, never a 500 or a trace, and on the referral
form the person's words come back with the form, to be sent again once the database returns.

The failure is real: the connection is pointed at a loopback port nobody listens on and closed,
so the next query has to connect and is refused, as when PostgreSQL is restarting. PostgreSQL
only (an in-memory SQLite test database cannot be closed and reopened elsewhere).
"""

import contextlib
import socket

import pytest
from django.db import connection

from referrals import limits
from referrals.models import Referral
from tests.referrals.factories import make_service
from tests.referrals.test_visitor_referral import CODENAME, MESSAGE, form_data, refer_url

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

WRITTEN = MESSAGE + " <b>bold & 'quoted'</b>"
CONTACT = "call me <maybe> on Friday"


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # free again when the socket closes: nobody listens


@contextlib.contextmanager
def database_unreachable():
    """From here on, every new connection is refused; the current one is dropped."""
    saved = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict.update(HOST="127.0.0.1", PORT=str(closed_port()))
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)


@pytest.fixture
def service():
    return make_service()


def test_a_referral_sent_while_the_database_is_down_gets_503_with_the_words_given_back(
        client, service):
    data = form_data(client, service, message=WRITTEN, contact=CONTACT)
    with database_unreachable():
        response = client.post(refer_url(service, "fi"), data)

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    assert "Traceback" not in html and "OperationalError" not in html
    assert "Viestiäsi ei lähetetty" in html  # translated: "Your message was not sent"
    assert "EI lähetetty palvelulle" in html
    # The words, escaped, in a read-only text area inside a form that sends them again.
    assert "bold &amp; &#x27;quoted&#x27;" in html
    assert "<b>bold" not in html
    assert "call me &lt;maybe&gt; on Friday" in html
    assert 'name="message" rows="10" cols="30" readonly>' in html
    assert f'name="once" value="{data["once"]}"' in html
    assert f'action="{refer_url(service, "fi")}"' in html
    assert Referral.objects.count() == 0

    # The database is back: the same form (same one-time token) is accepted, once.
    response = client.post(refer_url(service, "fi"), data)
    assert response.status_code == 200
    assert Referral.objects.filter(service=service).count() == 1
    again = client.post(refer_url(service, "fi"), data)
    assert again.status_code == 200  # the same referral and codename shown again, no new one
    assert CODENAME.search(again.content.decode()).group(1) == CODENAME.search(
        response.content.decode()).group(1)
    assert Referral.objects.filter(service=service).count() == 1


def test_a_database_lost_while_storing_releases_the_form_for_a_second_send(
        client, service, monkeypatch):
    """The service is read, the one-time token claimed, and then the database goes away:
    storing fails, the token is released, and the same form is accepted afterwards."""
    data = form_data(client, service, message=WRITTEN)
    allowed = limits.referral_admission
    outage = contextlib.ExitStack()

    def allowed_then_the_database_goes(*args, **kwargs):
        result = allowed(*args, **kwargs)
        outage.enter_context(database_unreachable())  # real: the next connect is refused
        return result

    monkeypatch.setattr(limits, "referral_admission", allowed_then_the_database_goes)
    with outage:
        response = client.post(refer_url(service), data)
    monkeypatch.setattr(limits, "referral_admission", allowed)

    assert response.status_code == 503
    html = response.content.decode()
    assert "Your message was not sent" in html
    assert "was NOT sent to the service" in html
    assert "bold &amp; &#x27;quoted&#x27;" in html
    assert Referral.objects.count() == 0

    response = client.post(refer_url(service), data)
    assert response.status_code == 200, "the one-time token was not released"
    assert Referral.objects.filter(service=service).count() == 1


def test_any_page_gets_the_translated_503_page_while_the_database_is_down(client, service):
    with database_unreachable():
        response = client.get(refer_url(service, "sv"))
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    html = response.content.decode()
    assert "Webbplatsen fungerar inte just nu" in html
    assert "Traceback" not in html
    assert 'name="message"' not in html
    # And the site answers again as soon as the database is back.
    assert client.get(refer_url(service, "sv")).status_code == 200
