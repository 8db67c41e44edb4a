"""Handing a referral to its provider: one Outbox row per channel, delivered exactly once.

Every attempt runs inside a transaction that holds the row (SELECT ... FOR UPDATE SKIP
LOCKED), so two workers never send the same delivery at once; a delivery is marked done in the
same transaction. A worker killed mid-send leaves the row pending: the task is handed out again
(late ack) or the sweeper re-queues it, and the webhook's Idempotency-Key (the row's id) lets
the provider drop a repeat of a send whose answer was lost.

Whatever goes wrong on a channel is a failed attempt with a reason (`last_error`): an answer
other than 2xx, a timeout, but also a webhook address that is empty or unusable, an answer
that is not HTTP, or an error nobody foresaw. Each follows the same backoff and, after
DELIVERY_MAX_ATTEMPTS, leaves the delivery failed, where administrators see it and can try
again. An exception that escaped instead would roll the attempt back and leave the row pending
for the sweeper to retry without end, never failed and never seen. Only a database error
escapes: then nothing can be recorded, and the row waiting for the sweeper is the right outcome.
"""

import hashlib
import hmac
import http.client
import json
import logging
import urllib.error
import urllib.parse
import urllib.request
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import Error as DatabaseError  # the base of every database error
from django.db import transaction
from django.utils import timezone

from referrals.models import Outbox, Referral

logger = logging.getLogger(__name__)


class TransientFailure(Exception):
    """The channel did not take it this time; try again later. Its text is the reason kept in
    `last_error`. Also raised for a webhook address that cannot be used: it is read again at
    every attempt, so one an administrator corrects applies to the next."""


def backoff_seconds(attempts: int) -> int:
    return min(2 ** max(attempts - 1, 0), 300)


def webhook_body(delivery: Outbox) -> bytes:
    """What a provider's system receives: identifiers only, never the visitor's words."""
    referral = delivery.referral
    payload = {
        "event": "referral.created",
        "delivery_id": str(delivery.pk),
        "referral_id": str(referral.pk),
        "service_id": str(referral.service_id),
        "created_on": referral.created_on.isoformat(),
    }
    return json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()


def webhook_signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is not a delivery: urllib would follow a 302 with a bodiless GET and carry
    the signature and key to wherever it points. A 3xx becomes an HTTPError, so a retry."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def _webhook_url(service) -> str:
    """The service's webhook address, if a POST can be sent to it. The model's URLField also
    allows ftp(s), and a value set around the form is not checked at all; urllib would read a
    file: or data: address locally and answer without a status, so only http(s) with a host
    goes on."""
    url = service.webhook_url
    if not url.strip():
        raise TransientFailure("no webhook address")
    try:
        parts = urllib.parse.urlsplit(url)
        host, _port = parts.hostname, parts.port  # .port raises ValueError for a bad one
    except ValueError:
        raise TransientFailure("webhook address cannot be parsed") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise TransientFailure("webhook address is not http or https")
    if not host:
        raise TransientFailure("webhook address has no host")
    return url


def _send_webhook(delivery: Outbox) -> None:
    service = delivery.referral.service
    url = _webhook_url(service)
    body = webhook_body(delivery)
    try:
        request = urllib.request.Request(  # noqa: S310 (http or https, checked above)
            url, data=body, method="POST",
            headers={
                "Content-Type": "application/json",
                "Idempotency-Key": str(delivery.pk),
                "X-Helpportal-Signature": webhook_signature(service.webhook_secret, body),
                "User-Agent": "Helpportal-Webhook/1",
            },
        )
        with _opener.open(request, timeout=settings.WEBHOOK_TIMEOUT_SECONDS) as response:
            if not 200 <= response.status < 300:
                raise TransientFailure(f"HTTP {response.status}")
    except urllib.error.HTTPError as error:
        raise TransientFailure(f"HTTP {error.code}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        raise TransientFailure(type(error).__name__) from None
    except (ValueError, http.client.HTTPException) as error:
        # An address that passed the check above but that urllib or http.client cannot send
        # to (InvalidURL, a non-ASCII path: UnicodeEncodeError, a bad host label: UnicodeError),
        # or an answer that is not HTTP (BadStatusLine, LineTooLong).
        raise TransientFailure(type(error).__name__) from None


def _send_notice(delivery: Outbox, subject: str, first_line: str) -> None:
    """A content-free email to the organisation: what happened, never a word of it."""
    organization = delivery.referral.service.organization
    if not organization.email.strip():
        # send_mail would drop the empty recipient, send to no one and report success.
        raise TransientFailure("no email address")
    try:
        send_mail(
            subject=subject,
            message=(
                f"{first_line}\n\n"
                "For privacy this message says nothing more. Sign in to read it.\n"
            ),
            from_email=None,
            recipient_list=[organization.email],
        )
    except OSError as error:
        raise TransientFailure(type(error).__name__) from None


def _send_email(delivery: Outbox) -> None:
    _send_notice(delivery, "A new referral is waiting",
                 "A new referral is waiting in your Helpportal inbox.")


def _send_message_notice(delivery: Outbox) -> None:
    _send_notice(delivery, "A new message is waiting",
                 "A person you are in contact with wrote a new message in your Helpportal inbox.")


def _deliver_to_inbox(delivery: Outbox) -> None:
    Referral.objects.filter(pk=delivery.referral_id, state=Referral.State.NEW).update(
        state=Referral.State.DELIVERED
    )


SENDERS = {
    Outbox.Channel.INBOX: _deliver_to_inbox,
    Outbox.Channel.EMAIL: _send_email,
    Outbox.Channel.WEBHOOK: _send_webhook,
    Outbox.Channel.NOTICE: _send_message_notice,
}


def delivery_attempt(*, delivery_id) -> tuple[str, int]:
    """Try one delivery. Returns (outcome, seconds until a retry), outcome one of
    "delivered", "done" (already delivered or failed), "busy" (another worker holds it),
    "gone" (the referral was deleted), "held" (held during a flood: it waits for its release,
    referrals.services.referrals_release), "retry" or "failed" (no attempts left)."""
    with transaction.atomic():
        delivery = (
            Outbox.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("referral__service__organization")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None:
            exists = Outbox.objects.filter(pk=delivery_id).exists()
            return ("busy" if exists else "gone"), 0
        if delivery.state != Outbox.State.PENDING:
            return "done", 0
        if delivery.referral.held_on is not None:
            return "held", 0
        delivery.attempts += 1
        now = timezone.now()
        try:
            SENDERS[delivery.channel](delivery)
        except TransientFailure as failure:
            reason = str(failure)
        except DatabaseError:
            raise  # nothing can be recorded; the row stays pending for the sweeper
        except Exception as error:  # noqa: BLE001 (see the module docstring)
            logger.exception("delivery %s: unexpected error on the %s channel",
                             delivery.pk, delivery.channel)
            reason = type(error).__name__
        else:
            delivery.state = Outbox.State.DELIVERED
            delivery.delivered_at = now
            delivery.last_error = ""
            delivery.save(update_fields=["attempts", "state", "delivered_at", "last_error"])
            return "delivered", 0
        delivery.last_error = reason[:200]
        if delivery.attempts >= settings.DELIVERY_MAX_ATTEMPTS:
            delivery.state = Outbox.State.FAILED
            delivery.save(update_fields=["attempts", "state", "last_error"])
            logger.error("delivery %s failed for good after %s attempts: %s",
                         delivery.pk, delivery.attempts, reason)
            return "failed", 0
        wait = backoff_seconds(delivery.attempts)
        delivery.next_attempt_at = now + timedelta(seconds=wait)
        delivery.save(update_fields=["attempts", "next_attempt_at", "last_error"])
        return "retry", wait


def outbox_sweep(*, now=None) -> list[str]:
    """Pending deliveries whose time has passed by more than OUTBOX_SWEEP_AFTER_SECONDS: their
    task was lost (a worker or the broker died). Returns their ids, to be queued again."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.OUTBOX_SWEEP_AFTER_SECONDS)
    with transaction.atomic():
        overdue = list(
            Outbox.objects.select_for_update(skip_locked=True)
            .filter(state=Outbox.State.PENDING, next_attempt_at__lt=cutoff,
                    referral__held_on__isnull=True)
            .order_by("next_attempt_at")[:500]
        )
        for delivery in overdue:
            delivery.next_attempt_at = now
        Outbox.objects.bulk_update(overdue, ["next_attempt_at"])
    return [str(delivery.pk) for delivery in overdue]
