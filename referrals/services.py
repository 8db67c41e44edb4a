"""Writes about referrals: creation, the mailbox, states, retention. Each staff action is
audited (accounts.services.audit_record)."""

import uuid

from django.db import transaction
from django.utils import timezone

from accounts import keys
from accounts.services import audit_record
from directory.models import Service
from helpportal import sealing
from stats.services import record

from . import crypto
from .codenames import codename_generate, codename_normalise, contains_codename
from .models import MailboxMessage, Outbox, Referral
from .tasks import delivery_queue

# ---------------------------------------------------------------------------------------------
# Referrals: creation, mailbox, states, retention.

class ReferralRefused(Exception):
    """The service does not take this referral now."""


def referral_channels_for(service: Service) -> list[str]:
    channels = [Outbox.Channel.INBOX]
    if "email" in service.referral_channels and service.organization.email:
        channels.append(Outbox.Channel.EMAIL)
    if "webhook" in service.referral_channels and service.webhook_url:
        channels.append(Outbox.Channel.WEBHOOK)
    return channels


def referral_create(*, service: Service, message: str, contact: str = "",
                    preferred_language: str = "", codename_language: str = "",
                    codename_seed: bytes | None = None,
                    hold: bool = False) -> tuple[Referral, str]:
    """Store the referral, sealed, and its deliveries in one transaction; queue them after
    commit.

    Returns the referral and its codename (words of `codename_language`'s list: the language
    of the page the visitor wrote on; from `codename_seed` when given, so that the same form
    sent again shows the same codename), which exists nowhere else from now on. The thread's
    private key leaves this function only sealed: to the organisation's current key and to the
    key the codename derives. ReferralRefused when the service takes no referral now, or its
    organisation has no key yet.

    `hold` (during a flood, referrals/limits.py): the referral is stored the same way, but its
    deliveries wait until referrals_release.
    """

    with transaction.atomic():
        service = Service.objects.select_for_update().select_related("organization").get(
            pk=service.pk
        )
        organization_key = keys.organization_key_current(service.organization)
        if not service.accepts_anonymous_referrals_now or organization_key is None:
            raise ReferralRefused
        codename = codename_generate(codename_language, seed=codename_seed)
        normalised = codename_normalise(codename)
        thread = sealing.keypair()
        referral = Referral.objects.create(
            service=service,
            codename_hash=crypto.codename_lookup(normalised),
            public_key=thread.public,
            organization_key=organization_key,
            key_for_organization=sealing.seal(bytes(organization_key.public_key),
                                              thread.private),
            key_for_visitor=sealing.seal(crypto.visitor_keypair(normalised).public,
                                         thread.private),
            message_encrypted=crypto.thread_seal(thread.public, message),
            contact_encrypted=crypto.thread_seal(thread.public, contact),
            preferred_language=preferred_language,
            held_on=timezone.localdate() if hold else None,
        )
        deliveries = [Outbox.objects.create(referral=referral, channel=channel)
                      for channel in referral_channels_for(service)]
        if not hold:
            for delivery in deliveries:
                transaction.on_commit(lambda pk=delivery.pk: delivery_queue(str(pk)))
    return referral, codename


def referrals_release(*, actor, referrals) -> int:
    """Pass held referrals on to their services: their deliveries are queued now. Returns how
    many were held; each release is in the audit log (which referral and by whom, no word)."""
    released = 0
    with transaction.atomic():
        held = list(Referral.objects.select_for_update().select_related("service__organization")
                    .filter(pk__in=[referral.pk for referral in referrals],
                            held_on__isnull=False))
        for referral in held:
            Referral.objects.filter(pk=referral.pk).update(held_on=None)
            audit_record(actor=actor, action="referral_released",
                         organization=referral.service.organization, target=referral)
            for delivery in Outbox.objects.filter(referral=referral,
                                                  state=Outbox.State.PENDING):
                delivery.next_attempt_at = timezone.now()
                delivery.save(update_fields=["next_attempt_at"])
                transaction.on_commit(lambda pk=delivery.pk: delivery_queue(str(pk)))
            released += 1
    return released


def referral_find(codename: str) -> Referral | None:
    """The referral of a codename: by its lookup id, or (a thread from before sealing) by the
    legacy HMAC of the codename."""
    normalised = codename_normalise(codename)
    if len(normalised.split("-")) < 3:
        return None
    lookups = [crypto.codename_lookup(normalised), crypto.codename_hash(normalised)]
    return (Referral.objects.select_related("service__organization")
            .filter(codename_hash__in=lookups).first())


# ---------------------------------------------------------------------------------------------
# Opening a thread: by the visitor's codename, or by a member's key through their grant.


def thread_key_for_visitor(*, referral: Referral, codename: str) -> bytes | None:
    """The thread's private key from the visitor's codename; None for a thread the visitor
    cannot open yet (one from before sealing, until a member next opens it). On such a
    thread's first open this records the visitor's public key, and replaces the legacy lookup
    hash by the lookup id, so that the database no longer holds what the key derives from."""
    normalised = codename_normalise(codename)
    visitor = crypto.visitor_keypair(normalised)
    if referral.key_for_visitor:
        try:
            return sealing.unseal(visitor.private, referral.key_for_visitor)
        except sealing.SealError:
            return None
    if referral.public_key and not referral.visitor_public_key:
        lookup = crypto.codename_lookup(normalised)
        Referral.objects.filter(pk=referral.pk).update(visitor_public_key=visitor.public,
                                                       codename_hash=lookup)
        referral.visitor_public_key, referral.codename_hash = visitor.public, lookup
    return None


class ThreadLocked(Exception):
    """A member cannot open this thread: `reason` is "locked" (no key in this session),
    "no-grant" (not given the organisation's key) or "sealed" (the thread's key is not there)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def thread_key_for_member(*, referral: Referral, user, private: bytes | None) -> bytes | None:
    """The thread's private key through the member's grant of the organisation's key (None for
    a thread from before sealing, read with REFERRAL_KEYS). ThreadLocked if it does not open.
    Seals the key to the visitor too when the visitor has opened their mailbox since the
    thread was sealed by `manage.py referrals_seal`."""
    if not referral.public_key:
        return None
    if private is None:
        raise ThreadLocked("locked")
    try:
        organization_private = keys.organization_private(
            organization_key=referral.organization_key, user=user, private=private
        )
    except keys.KeyRefused as refused:
        raise ThreadLocked("no-grant" if refused.reason == "no-grant" else "locked") from None
    try:
        thread_private = sealing.unseal(organization_private, referral.key_for_organization)
    except sealing.SealError:
        raise ThreadLocked("sealed") from None
    if referral.visitor_public_key and not referral.key_for_visitor:
        sealed = sealing.seal(bytes(referral.visitor_public_key), thread_private)
        Referral.objects.filter(pk=referral.pk, key_for_visitor__isnull=True).update(
            key_for_visitor=sealed
        )
        referral.key_for_visitor = sealed
    return thread_private


def thread_text_seal(referral: Referral, text: str) -> str:
    """A new text of the thread: sealed to it, or a legacy token on a thread not sealed yet."""
    if referral.public_key:
        return crypto.thread_seal(bytes(referral.public_key), text)
    return crypto.encrypt(text)


class MessageHoldsCodename(Exception):
    """A visitor's message contains their own codename."""


@transaction.atomic
def mailbox_visitor_write(*, referral: Referral, codename: str, body: str) -> MailboxMessage:
    """The visitor writes again: unread for the organisation until a clinician opens the
    thread; with the service's "messages" channel, a content-free email says so (once for
    what is unread, see message_notice_queue)."""
    if contains_codename(body, codename_normalise(codename)):
        raise MessageHoldsCodename
    unread_before = MailboxMessage.objects.filter(
        referral=referral, sender=MailboxMessage.Sender.VISITOR, read_on__isnull=True).exists()
    message = MailboxMessage.objects.create(
        referral=referral, sender=MailboxMessage.Sender.VISITOR,
        body_encrypted=thread_text_seal(referral, body),
    )
    Referral.objects.filter(pk=referral.pk).update(last_activity_on=timezone.localdate())
    if not unread_before:
        message_notice_queue(referral)
    return message


def message_notice_queue(referral: Referral) -> Outbox | None:
    """Queue the content-free email that a person wrote again, if the service asks for it
    ("messages" among its referral channels) and its organisation has an address. One row per
    referral (channel NOTICE): made at the first new message, made pending again at the first
    one after the organisation read the others; a notice still pending covers this one too."""
    service = Service.objects.select_related("organization").get(pk=referral.service_id)
    if ("messages" not in service.referral_channels or not service.organization.email
            or referral.held_on is not None):
        return None
    notice, made = Outbox.objects.select_for_update().get_or_create(
        referral=referral, channel=Outbox.Channel.NOTICE)
    if not made:
        if notice.state == Outbox.State.PENDING:
            return notice
        notice.state, notice.attempts, notice.last_error = Outbox.State.PENDING, 0, ""
        notice.next_attempt_at, notice.delivered_at = timezone.now(), None
        notice.save(update_fields=["state", "attempts", "last_error", "next_attempt_at",
                                   "delivered_at"])
    transaction.on_commit(lambda pk=str(notice.pk): delivery_queue(pk))
    return notice


@transaction.atomic
def mailbox_visitor_delete_reply(*, referral: Referral, message_id: int) -> bool:
    """The visitor deletes a reply: its text is gone for good; the day stays, as a note in
    the clinicians' thread ("The person deleted a reply on ..."). False if there was no such
    reply in this mailbox (or it was deleted before)."""
    deleted = MailboxMessage.objects.filter(
        referral=referral, pk=message_id, sender=MailboxMessage.Sender.PROVIDER,
        deleted_on__isnull=True,
    ).update(body_encrypted="", deleted_on=timezone.localdate())
    return bool(deleted)


@transaction.atomic
def referral_forget(*, referral: Referral) -> None:
    """The visitor's "forget me": every word, every key and the codename's lookup are deleted,
    with the messages and deliveries. What stays is a note for the clinicians ("The person
    closed their mailbox on ..."): the service, the days, closed, so that retention purges it
    like any closed referral."""
    today = timezone.localdate()
    MailboxMessage.objects.filter(referral=referral).delete()
    Outbox.objects.filter(referral=referral).delete()
    Referral.objects.filter(pk=referral.pk).update(
        codename_hash=f"forgotten-{uuid.uuid4().hex}",  # unique, and derived from nothing
        message_encrypted="", contact_encrypted="", preferred_language="",
        public_key=None, key_for_organization=None, key_for_visitor=None,
        visitor_public_key=None, held_on=None,
        state=Referral.State.CLOSED, closed_on=today, forgotten_on=today,
        last_activity_on=today,
    )


@transaction.atomic
def referral_open(*, actor, referral: Referral) -> set[int]:
    """A clinician opened the thread: recorded in the audit log, and the referral and its
    visitor messages are no longer new to the organisation. Returns the ids of the visitor
    messages that were unread until now, for the page to mark them new."""
    audit_record(actor=actor, action="referral.view", organization=referral.service.organization,
                 target=referral)
    today = timezone.localdate()
    if referral.opened_on is None:
        Referral.objects.filter(pk=referral.pk, opened_on__isnull=True).update(opened_on=today)
    unread = MailboxMessage.objects.filter(referral=referral,
                                           sender=MailboxMessage.Sender.VISITOR,
                                           read_on__isnull=True)
    ids = set(unread.values_list("pk", flat=True))
    unread.filter(pk__in=ids).update(read_on=today)
    return ids


# The order a referral moves in. NEW and DELIVERED are the system's (a referral is delivered
# to the inbox by referrals.delivery); a clinician moves it to the others.
STATE_ORDER = [Referral.State.NEW, Referral.State.DELIVERED, Referral.State.ACKNOWLEDGED,
               Referral.State.IN_CONTACT, Referral.State.CLOSED]
STATES_A_CLINICIAN_CHOOSES = [Referral.State.ACKNOWLEDGED, Referral.State.IN_CONTACT,
                              Referral.State.CLOSED]


class StateMove:
    SAME = "same"          # nothing to change
    ALLOWED = "allowed"    # onwards: done at once
    CONFIRM = "confirm"    # closing (the retention clock starts) or any step back: asked first
    REFUSED = "refused"    # to a state only the system sets, or on a closed mailbox


def state_move(referral: Referral, state: str) -> str:
    """The written rule for a change of a referral's state (docs/portal.md, "States").

    Onwards (acknowledged, then in contact) is allowed; closing asks first, because the
    referral and its messages are deleted when the retention period after closing ends; any
    step back (in contact to acknowledged, reopening a closed one) asks first; new and
    delivered are set by the system only; a referral whose person closed their mailbox moves
    no more."""
    if state not in Referral.State.values:
        return StateMove.REFUSED
    if state == referral.state:
        return StateMove.SAME
    if state not in STATES_A_CLINICIAN_CHOOSES or referral.forgotten_on is not None:
        return StateMove.REFUSED
    if state == Referral.State.CLOSED:
        return StateMove.CONFIRM
    if STATE_ORDER.index(state) < STATE_ORDER.index(referral.state):
        return StateMove.CONFIRM
    return StateMove.ALLOWED


class StateMoveRefused(Exception):
    """The move is refused, or asks to be confirmed first: `move` says which."""

    def __init__(self, move: str):
        super().__init__(move)
        self.move = move


@transaction.atomic
def referral_set_state(*, actor, referral: Referral, state: str,
                       confirmed: bool = False) -> Referral:
    """Move the referral to `state` as state_move() allows; StateMoveRefused if it refuses, or
    if it asks for confirmation and `confirmed` is not given. Reopening clears the day it was
    closed (its deletion is off again)."""
    move = state_move(referral, state)
    if move == StateMove.SAME:
        return referral
    if move == StateMove.REFUSED or (move == StateMove.CONFIRM and not confirmed):
        raise StateMoveRefused(move)
    old = referral.state
    referral.state = state
    referral.closed_on = timezone.localdate() if state == Referral.State.CLOSED else None
    referral.save(update_fields=["state", "closed_on"])
    audit_record(actor=actor, action="referral.state", organization=referral.service.organization,
                 target=referral, detail={"from": old, "to": state})
    if state == Referral.State.ACKNOWLEDGED:
        record("referral_acknowledged", country=referral.service.organization.country)
    return referral


@transaction.atomic
def referral_reply(*, actor, referral: Referral, body: str) -> MailboxMessage:
    message = MailboxMessage.objects.create(
        referral=referral, sender=MailboxMessage.Sender.PROVIDER, author=actor,
        body_encrypted=thread_text_seal(referral, body),
    )
    if state_move(referral, Referral.State.IN_CONTACT) == StateMove.ALLOWED:
        referral_set_state(actor=actor, referral=referral, state=Referral.State.IN_CONTACT)
    Referral.objects.filter(pk=referral.pk).update(last_activity_on=timezone.localdate())
    audit_record(actor=actor, action="referral.reply", organization=referral.service.organization,
                 target=referral)
    return message


def outbox_retry(*, actor, deliveries) -> int:
    """Give failed deliveries a fresh set of attempts and queue them after commit. Returns how
    many were failed (others are left alone)."""
    with transaction.atomic():
        failed = list(
            Outbox.objects.select_for_update()
            .select_related("referral__service__organization")
            .filter(pk__in=[delivery.pk for delivery in deliveries], state=Outbox.State.FAILED)
        )
        for delivery in failed:
            delivery.state = Outbox.State.PENDING
            delivery.attempts = 0
            delivery.next_attempt_at = timezone.now()
            delivery.last_error = ""
            delivery.save(update_fields=["state", "attempts", "next_attempt_at", "last_error"])
            audit_record(
                actor=actor,
                action="admin.outbox.retry",
                organization=delivery.referral.service.organization,
                target=delivery,
                detail={"channel": delivery.channel},
            )
            transaction.on_commit(lambda pk=str(delivery.pk): delivery_queue(pk))
    return len(failed)
