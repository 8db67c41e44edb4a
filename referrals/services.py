"""Writes: every change a staff member makes to the directory goes through here and is audited."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from stats.services import record

from . import crypto
from .codenames import (
    codename_generate,
    codename_lookup_hash,
    codename_normalise,
    contains_codename,
)
from .models import (
    AuditEntry,
    MailboxMessage,
    Membership,
    Organization,
    Outbox,
    Referral,
    Service,
)

AUDIT_RETENTION_DAYS = 365
SERVICE_EDITABLE_FIELDS = (
    "status",
    "intake",
    "waitlist_weeks",
    "languages",
    "delivery_modes",
    "service_areas",
)


def audit_record(*, actor, action: str, organization=None, target=None, detail=None) -> AuditEntry:
    return AuditEntry.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        actor_name=getattr(actor, "username", "") or "",
        action=action,
        organization=organization,
        target_type=type(target).__name__.lower() if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        detail=detail or {},
    )


@transaction.atomic
def service_update(*, actor, service: Service, **changes) -> Service:
    """Change what a clinician may keep current; record each changed field."""
    changed = {}
    for name, value in changes.items():
        if name not in SERVICE_EDITABLE_FIELDS:
            raise ValueError(f"{name} is not editable here")
        old = getattr(service, name)
        if old != value:
            changed[name] = {"from": old, "to": value}
            setattr(service, name, value)
    if service.intake != Service.Intake.WAITLIST:
        service.waitlist_weeks = None
    if changed:
        service.save()
        audit_record(
            actor=actor,
            action="service.update",
            organization=service.organization,
            target=service,
            detail=changed,
        )
    return service


@transaction.atomic
def membership_add(*, actor, organization: Organization, user, role: str) -> Membership:
    membership, created = Membership.objects.update_or_create(
        user=user, organization=organization, defaults={"role": role}
    )
    audit_record(
        actor=actor,
        action="membership.add" if created else "membership.change",
        organization=organization,
        target=membership,
        detail={"user": user.username, "role": role},
    )
    return membership


@transaction.atomic
def membership_remove(*, actor, membership: Membership) -> None:
    audit_record(
        actor=actor,
        action="membership.remove",
        organization=membership.organization,
        target=membership,
        detail={"user": membership.user.username},
    )
    membership.delete()


def audit_purge(*, now=None, dry_run: bool = False) -> int:
    """Delete audit entries older than AUDIT_RETENTION_DAYS. Returns how many (would) go."""
    cutoff = (now or timezone.now()) - timedelta(days=AUDIT_RETENTION_DAYS)
    old = AuditEntry.objects.filter(at__lt=cutoff)
    if dry_run:
        return old.count()
    deleted, _ = old.delete()
    return deleted


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
    from .delivery import queue

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
            transaction.on_commit(lambda pk=delivery.pk: queue(str(pk)))
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


def referrals_due_for_purge(*, today=None):
    """Closed referrals older than the retention period after closing, and any referral with
    no activity for REFERRAL_MAX_AGE_DAYS, whatever its state."""
    from django.db.models import Q

    today = today or timezone.localdate()
    closed_before = today - timedelta(days=settings.REFERRAL_RETENTION_DAYS)
    idle_before = today - timedelta(days=settings.REFERRAL_MAX_AGE_DAYS)
    return Referral.objects.filter(
        Q(state=Referral.State.CLOSED, closed_on__lt=closed_before)
        | Q(last_activity_on__lt=idle_before)
    )


def referrals_purge(*, today=None, dry_run: bool = False) -> int:
    due = referrals_due_for_purge(today=today)
    count = due.count()
    if not dry_run and count:
        with transaction.atomic():
            due.delete()
    return count
