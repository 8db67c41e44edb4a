"""Writes about referrals: creation, the mailbox, states, retention. Each staff action is
audited (accounts.services.audit_record)."""


from django.db import transaction
from django.utils import timezone

from accounts.services import audit_record
from directory.models import Service
from stats.services import record

from . import crypto
from .codenames import (
    codename_generate,
    codename_lookup_hash,
    codename_normalise,
    contains_codename,
)
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
                    preferred_language: str = "") -> tuple[Referral, str]:
    """Store the referral and its deliveries in one transaction; queue them after commit.

    Returns the referral and its codename, which exists nowhere else from now on.
    """

    with transaction.atomic():
        service = Service.objects.select_for_update().select_related("organization").get(
            pk=service.pk
        )
        if not service.accepts_anonymous_referrals_now:
            raise ReferralRefused
        codename = codename_generate()
        referral = Referral.objects.create(
            service=service,
            codename_hash=codename_lookup_hash(codename),
            message_encrypted=crypto.encrypt(message),
            contact_encrypted=crypto.encrypt(contact),
            preferred_language=preferred_language,
        )
        deliveries = [Outbox.objects.create(referral=referral, channel=channel)
                      for channel in referral_channels_for(service)]
        for delivery in deliveries:
            transaction.on_commit(lambda pk=delivery.pk: delivery_queue(str(pk)))
    return referral, codename


def referral_find(codename: str) -> Referral | None:
    normalised = codename_normalise(codename)
    if len(normalised.split("-")) < 3:
        return None
    return (Referral.objects.select_related("service__organization")
            .filter(codename_hash=codename_lookup_hash(codename)).first())


class MessageHoldsCodename(Exception):
    """A visitor's message contains their own codename."""


@transaction.atomic
def mailbox_visitor_write(*, referral: Referral, codename: str, body: str) -> MailboxMessage:
    if contains_codename(body, codename_normalise(codename)):
        raise MessageHoldsCodename
    message = MailboxMessage.objects.create(
        referral=referral, sender=MailboxMessage.Sender.VISITOR, body_encrypted=crypto.encrypt(body)
    )
    Referral.objects.filter(pk=referral.pk).update(last_activity_on=timezone.localdate())
    return message


@transaction.atomic
def mailbox_visitor_delete_reply(*, referral: Referral, message_id: int) -> bool:
    deleted, _ = MailboxMessage.objects.filter(
        referral=referral, pk=message_id, sender=MailboxMessage.Sender.PROVIDER
    ).delete()
    return bool(deleted)


@transaction.atomic
def referral_forget(*, referral: Referral) -> None:
    """The visitor's "forget me": the referral, its messages and deliveries are deleted."""
    Referral.objects.filter(pk=referral.pk).delete()


@transaction.atomic
def referral_view_record(*, actor, referral: Referral) -> None:
    audit_record(actor=actor, action="referral.view", organization=referral.service.organization,
                 target=referral)


@transaction.atomic
def referral_set_state(*, actor, referral: Referral, state: str) -> Referral:
    if state not in Referral.State.values:
        raise ValueError(state)
    old = referral.state
    if old == state:
        return referral
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
        body_encrypted=crypto.encrypt(body),
    )
    if referral.state in (Referral.State.NEW, Referral.State.DELIVERED,
                          Referral.State.ACKNOWLEDGED):
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
