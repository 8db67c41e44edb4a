"""Telling administrators that something needs them: a sign-in attack on one account, a flood
of referrals. Each alert is an entry in the audit log (which administrators read in the admin)
and a short email to every active administrator with an address. Neither says anything about
a visitor: the facts are counts, a username or a service, and a time.

An alert of one kind about one subject is sent at most once per `once_per` seconds (the cache
remembers that it was sent; a cache that cannot be reached sends it, rather than stay silent).
"""

import logging

from django.core.cache import cache
from django.db import transaction

from .services import audit_record
from .tasks import alert_mail

logger = logging.getLogger(__name__)


# What each kind of alert says. The facts fill the placeholders; nothing else is added.
TEXTS = {
    "sign_in_attack": (
        "There have been {failures} wrong sign-in attempts for the staff account "
        "\"{username}\" in the last day, from {clients} different connections.\n\n"
        "{consequence}\n\n"
        "Please check with the account's owner, and see docs/operations.md, "
        "\"Sign-in attacks\"."
    ),
    "referral_flood": (
        "An unusual number of referrals arrived: {count} in the hour since {since} "
        "({scope}). New referrals are held for review and are not refused: the people who "
        "wrote them have their codename.\n\n"
        "Please review the held referrals in the admin (Held referrals), and see "
        "docs/operations.md, \"Referral floods\"."
    ),
}


def administrators_alert(kind: str, *, subject_key: str, once_per: int, **facts) -> bool:
    """Record and send one alert; False when the same one was sent within `once_per` seconds."""
    try:
        first = cache.add(f"alert:{kind}:{subject_key}", 1, once_per)
    except Exception:  # noqa: BLE001 (an alert that may repeat beats one that is lost)
        first = True
    if not first:
        return False
    text = TEXTS[kind].format(**facts)
    audit_record(actor=None, action=f"alert:{kind}", detail={"subject": subject_key, **facts})
    logger.warning("administrator alert: %s (%s)", kind, subject_key)
    transaction.on_commit(lambda: _queue_mail(text))
    return True


def _queue_mail(text: str) -> None:
    try:
        alert_mail.delay(text)
    except Exception:  # noqa: BLE001 (the audit entry holds the alert; the mail is a courtesy)
        logger.warning("administrator alert mail not queued: the broker is unavailable")
