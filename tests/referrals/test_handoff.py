"""Handing a referral over: one delivery per channel, each done exactly once, retried on
failure, swept when its task is lost. Real loopback HTTP and SMTP servers stand in for the
provider."""

import hashlib
import hmac
import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core import mail
from django.utils import timezone

from directory.models import Organization, Service
from referrals import crypto
from referrals.delivery import delivery_attempt, outbox_sweep
from referrals.models import Outbox, Referral
from referrals.services import ReferralRefused, outbox_retry, referral_create
from tests.referrals.factories import make_organization, make_service, make_user

# The test's transaction never commits, so `committed` runs what a service queues for after
# its commit; the first test commits for real, to show the on-commit path end to end.
pytestmark = pytest.mark.django_db


class Provider:
    """A webhook receiver on loopback that answers with the status it is told to."""

    def __init__(self):
        self.received = []
        self.status = 200
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                provider.received.append((dict(self.headers), body))
                self.send_response(provider.status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def provider():
    receiver = Provider()
    yield receiver
    receiver.close()


@pytest.fixture
def service(provider):
    organization = make_organization(country="FI")
    organization.email = "intake@provider.example"
    organization.save()
    return make_service(organization, referral_channels=["email", "webhook"],
                        webhook_url=provider.url)


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Call a service as if its transaction committed: what it queued on commit runs."""

    def call(service_function, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return service_function(**kwargs)

    return call


@pytest.mark.django_db(transaction=True)
def test_a_referral_gets_one_delivery_per_channel_and_each_arrives_once(service, provider):
    referral, codename = referral_create(service=service, message="I would like to talk.")
    deliveries = {d.channel: d for d in Outbox.objects.filter(referral=referral)}
    assert set(deliveries) == {"inbox", "email", "webhook"}
    assert all(d.state == "delivered" for d in deliveries.values())
    referral.refresh_from_db()
    assert referral.state == Referral.State.DELIVERED
    assert len(provider.received) == 1
    assert len(mail.outbox) == 1
    assert len(codename.split("-")) == 7


def test_the_email_notice_holds_none_of_the_visitors_words(service, committed):
    committed(referral_create, service=service, message="My distinctive words about 42 apples.",
                    contact="reach.me@example.org")
    notice = mail.outbox[0]
    assert notice.to == ["intake@provider.example"]
    assert "apples" not in notice.body and "reach.me" not in notice.body


def test_the_webhook_is_signed_and_carries_its_idempotency_key(service, provider, committed):
    referral, _ = committed(referral_create, service=service, message="Please contact me.")
    headers, body = provider.received[0]
    delivery = Outbox.objects.get(referral=referral, channel="webhook")
    assert headers["Idempotency-Key"] == str(delivery.pk)
    expected = hmac.new(service.webhook_secret.encode(), body, hashlib.sha256).hexdigest()
    assert headers["X-Helpportal-Signature"] == f"sha256={expected}"
    payload = json.loads(body)
    assert payload["referral_id"] == str(referral.pk)
    assert "Please contact me" not in body.decode()


def test_running_a_delivery_again_sends_nothing_more(service, provider, committed):
    referral, _ = committed(referral_create, service=service, message="Once is enough.")
    delivery = Outbox.objects.get(referral=referral, channel="webhook")
    assert delivery_attempt(delivery_id=delivery.pk) == ("done", 0)
    assert len(provider.received) == 1


def pending(service, channel, message="held back"):
    """A delivery whose task has not run (as after a lost task)."""
    referral = Referral.objects.create(
        service=service, codename_hash=f"{channel}-{message}"[:64].ljust(64, "0"),
        message_encrypted=crypto.encrypt(message),
    )
    return Outbox.objects.create(referral=referral, channel=channel)


def test_a_webhook_that_recovers_is_delivered_on_a_later_attempt(service, provider):
    provider.status = 503
    delivery = pending(service, "webhook")
    assert delivery_attempt(delivery_id=delivery.pk) == ("retry", 1)
    provider.status = 200
    assert delivery_attempt(delivery_id=delivery.pk) == ("delivered", 0)
    delivery.refresh_from_db()
    assert delivery.attempts == 2
    keys = [headers["Idempotency-Key"] for headers, _ in provider.received]
    assert keys == [str(delivery.pk)] * 2


def test_a_webhook_that_keeps_failing_is_marked_failed_after_the_last_attempt(
    service, provider, settings
):
    settings.DELIVERY_MAX_ATTEMPTS = 3
    provider.status = 500
    delivery = pending(service, "webhook")
    outcomes = [delivery_attempt(delivery_id=delivery.pk)[0] for _ in range(4)]
    assert outcomes == ["retry", "retry", "failed", "done"]
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.last_error) == ("failed", 3, "HTTP 500")
    assert len(provider.received) == 3


def test_a_hanging_webhook_times_out_and_is_retried(service, settings):
    import socket

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)  # accepts the connection, never answers
    service.webhook_url = f"http://127.0.0.1:{listener.getsockname()[1]}/hook"
    service.save()
    settings.WEBHOOK_TIMEOUT_SECONDS = 1
    delivery = pending(service, "webhook")
    try:
        outcome, _ = delivery_attempt(delivery_id=delivery.pk)
    finally:
        listener.close()
    delivery.refresh_from_db()
    assert outcome == "retry"
    assert delivery.state == "pending" and delivery.last_error


def test_the_sweeper_finds_deliveries_whose_task_was_lost(service):
    stale = pending(service, "inbox")
    Outbox.objects.filter(pk=stale.pk).update(next_attempt_at=timezone.now() - timedelta(minutes=5))
    fresh = pending(service, "email")
    assert outbox_sweep() == [str(stale.pk)]
    assert fresh.pk not in outbox_sweep()
    stale.refresh_from_db()
    assert stale.next_attempt_at > timezone.now() - timedelta(seconds=5)


@pytest.mark.parametrize("change", [
    {"accepts_anonymous_referrals": False}, {"intake": "closed"}, {"status": "temporarily closed"},
    {"published": False},
])
def test_a_service_that_does_not_take_referrals_refuses_and_nothing_is_written(service, change):
    for name, value in change.items():
        setattr(service, name, value)
    service.save()
    with pytest.raises(ReferralRefused):
        referral_create(service=service, message="Hello there.")
    assert not Referral.objects.filter(service=service).exists()
    assert not Outbox.objects.exists()


def test_the_email_notice_goes_through_a_real_smtp_server(service, settings):
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message

    received = []

    class Keep(Message):
        def handle_message(self, message):
            received.append(message)

    import socket

    with socket.socket() as probe:  # a free port on loopback
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Keep(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = port
        delivery = pending(service, "email", message="words that stay here")
        assert delivery_attempt(delivery_id=delivery.pk) == ("delivered", 0)
    finally:
        controller.stop()
    assert len(received) == 1
    assert received[0]["To"] == "intake@provider.example"
    assert "words that stay here" not in received[0].get_payload()


def test_an_unreachable_smtp_server_means_a_retry_not_a_lost_notice(service, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = 1  # nothing listens there
    delivery = pending(service, "email")
    assert delivery_attempt(delivery_id=delivery.pk)[0] == "retry"


def test_a_redirecting_webhook_is_not_counted_as_delivered(service, provider):
    provider.status = 302  # a redirect answered to the POST; urllib would follow it with a GET
    delivery = pending(service, "webhook")
    assert delivery_attempt(delivery_id=delivery.pk)[0] == "retry"
    delivery.refresh_from_db()
    assert delivery.state == "pending" and delivery.last_error == "HTTP 302"


def set_webhook_url(service, url):
    """As if set around the admin form, which would refuse some of these: no validation."""
    Service.objects.filter(pk=service.pk).update(webhook_url=url)


@pytest.mark.parametrize(("url", "reason"), [
    ("", "no webhook address"),
    ("   ", "no webhook address"),
    ("ftp://provider.example/hook", "webhook address is not http or https"),
    ("file:///etc/hostname", "webhook address is not http or https"),
    ("provider.example/hook", "webhook address is not http or https"),
    ("http://[::1/hook", "webhook address cannot be parsed"),
    ("http://127.0.0.1:port/hook", "webhook address cannot be parsed"),
    ("https:///hook", "webhook address has no host"),
])
def test_an_unusable_webhook_address_is_a_failed_attempt_and_ends_failed(
    service, provider, settings, url, reason
):
    settings.DELIVERY_MAX_ATTEMPTS = 2
    delivery = pending(service, "webhook")
    set_webhook_url(service, url)
    assert delivery_attempt(delivery_id=delivery.pk) == ("retry", 1)
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.last_error) == ("pending", 1, reason)
    assert delivery_attempt(delivery_id=delivery.pk) == ("failed", 0)
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.last_error) == ("failed", 2, reason)
    assert provider.received == []


def test_a_corrected_webhook_address_applies_to_pending_and_retried_deliveries(
    service, provider, settings, committed
):
    settings.DELIVERY_MAX_ATTEMPTS = 1
    waiting, given_up = pending(service, "webhook", "one"), pending(service, "webhook", "two")
    set_webhook_url(service, "")
    assert delivery_attempt(delivery_id=given_up.pk) == ("failed", 0)
    settings.DELIVERY_MAX_ATTEMPTS = 2
    assert delivery_attempt(delivery_id=waiting.pk) == ("retry", 1)
    set_webhook_url(service, provider.url)
    assert delivery_attempt(delivery_id=waiting.pk) == ("delivered", 0)
    assert committed(outbox_retry, actor=make_user(superuser=True), deliveries=[given_up]) == 1
    given_up.refresh_from_db()  # the retry was queued for after commit and ran (eager tasks)
    assert (given_up.state, given_up.last_error) == ("delivered", "")
    keys = sorted(headers["Idempotency-Key"] for headers, _ in provider.received)
    assert keys == sorted([str(waiting.pk), str(given_up.pk)])


@pytest.mark.parametrize(("path", "reason"), [
    ("/a hook", "InvalidURL"),  # http.client refuses spaces and control characters
    ("/h\u00e4k", "UnicodeEncodeError"),  # a request line must be ASCII
])
def test_an_address_http_client_cannot_send_to_is_a_failed_attempt(
    service, provider, path, reason
):
    delivery = pending(service, "webhook")
    set_webhook_url(service, provider.url.removesuffix("/hook") + path)
    assert delivery_attempt(delivery_id=delivery.pk) == ("retry", 1)
    delivery.refresh_from_db()
    assert (delivery.state, delivery.last_error) == ("pending", reason)
    assert provider.received == []


def test_a_host_name_that_cannot_be_encoded_is_a_failed_attempt(service):
    delivery = pending(service, "webhook")
    set_webhook_url(service, "https://two..dots.example/hook")  # an empty IDNA label
    assert delivery_attempt(delivery_id=delivery.pk) == ("retry", 1)
    delivery.refresh_from_db()
    assert (delivery.state, delivery.last_error) == ("pending", "UnicodeError")


def test_an_answer_that_is_not_http_is_a_failed_attempt(service):
    import socket

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)

    def answer_nonsense():
        connection, _ = listener.accept()
        with connection:
            connection.recv(65536)
            connection.sendall(b"HELLO THERE\r\n\r\n")

    thread = threading.Thread(target=answer_nonsense, daemon=True)
    thread.start()
    set_webhook_url(service, f"http://127.0.0.1:{listener.getsockname()[1]}/hook")
    delivery = pending(service, "webhook")
    try:
        outcome = delivery_attempt(delivery_id=delivery.pk)
    finally:
        thread.join(timeout=5)
        listener.close()
    assert outcome == ("retry", 1)
    delivery.refresh_from_db()
    assert (delivery.state, delivery.last_error) == ("pending", "BadStatusLine")


def test_an_unforeseen_error_on_a_channel_is_a_failed_attempt_not_a_stuck_row(
    service, settings
):
    """A misconfigured email backend raises ImportError, which no sender expects."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.no_such_backend.EmailBackend"
    settings.DELIVERY_MAX_ATTEMPTS = 2
    delivery = pending(service, "email")
    assert delivery_attempt(delivery_id=delivery.pk) == ("retry", 1)
    assert delivery_attempt(delivery_id=delivery.pk) == ("failed", 0)
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == ("failed", 2)
    assert delivery.last_error == "ModuleNotFoundError"


def test_an_organisation_without_an_email_address_is_a_failed_attempt_not_a_silent_success(
    service, settings
):
    settings.DELIVERY_MAX_ATTEMPTS = 1
    delivery = pending(service, "email")
    Organization.objects.filter(pk=service.organization_id).update(email="")
    mail.outbox.clear()
    assert delivery_attempt(delivery_id=delivery.pk) == ("failed", 0)
    delivery.refresh_from_db()
    assert (delivery.state, delivery.last_error) == ("failed", "no email address")
    assert mail.outbox == []
