"""Anonymous referrals, their mailbox messages and their deliveries to providers (the outbox).

A referral belongs to a service of the directory (named by string: referrals may import the
directory, but its models need only the table).
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Referral(models.Model):
    """An anonymous self-referral. Its words are encrypted; it is found only by the keyed hash
    of its codename. Dates, not times: a visitor's actions are coarsened to the day."""

    class State(models.TextChoices):
        NEW = "new", _("New")
        DELIVERED = "delivered", _("Delivered")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        IN_CONTACT = "in_contact", _("In contact")
        CLOSED = "closed", _("Closed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    service = models.ForeignKey(
        "directory.Service", on_delete=models.PROTECT, related_name="referrals"
    )
    codename_hash = models.CharField(max_length=64, unique=True)
    message_encrypted = models.TextField()
    contact_encrypted = models.TextField(blank=True)
    # The thread's keys (referrals/crypto.py). Its texts are sealed to `public_key`; its private
    # key is stored only sealed to the organisation's key and to the visitor's. Empty on a
    # thread from before sealing until `manage.py referrals_seal` has run; `visitor_public_key`
    # is learnt when such a visitor next opens their mailbox, and the next member to open the
    # thread seals its key to it.
    public_key = models.BinaryField(null=True, blank=True)
    organization_key = models.ForeignKey(
        "accounts.OrganizationKey", null=True, blank=True, on_delete=models.PROTECT,
        related_name="referrals",
    )
    key_for_organization = models.BinaryField(null=True, blank=True)
    key_for_visitor = models.BinaryField(null=True, blank=True)
    visitor_public_key = models.BinaryField(null=True, blank=True)
    preferred_language = models.CharField(max_length=8, blank=True)
    state = models.CharField(max_length=14, choices=State.choices, default=State.NEW)
    created_on = models.DateField(default=timezone.localdate)
    last_activity_on = models.DateField(default=timezone.localdate)
    closed_on = models.DateField(null=True, blank=True)
    # Taken during a flood (referrals/limits.py): stored and readable in its mailbox, but its
    # service is told only when it is released. The day it was held, or None.
    held_on = models.DateField(null=True, blank=True, db_index=True)
    # The day a clinician of its organisation first opened it; None while it is new to them.
    # Read and unread are the organisation's, not each clinician's: a team shares one inbox
    # (docs/portal.md, "New and unread").
    opened_on = models.DateField(null=True, blank=True)
    # The day the visitor deleted everything ("forget me"): from then on the referral holds no
    # word, no key and no codename lookup, only this note for the clinicians' thread, and is
    # closed, so that retention purges it (referrals.services.referral_forget).
    forgotten_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-created_on", "id"]
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")

    def __str__(self):
        return f"{self.service} {self.created_on:%Y-%m-%d} ({self.state})"


class HeldReferralManager(models.Manager):
    def get_queryset(self):
        return super().get_queryset().filter(held_on__isnull=False)


class HeldReferral(Referral):
    """Referrals held during a flood, for administrators to release (referrals/admin.py). The
    admin shows their service and day only, never a word of them."""

    objects = HeldReferralManager()

    class Meta:
        proxy = True
        verbose_name = _("held referral")
        verbose_name_plural = _("held referrals")


class MailboxMessage(models.Model):
    class Sender(models.TextChoices):
        VISITOR = "visitor", _("The person who wrote in")
        PROVIDER = "provider", _("The provider")

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="messages")
    sender = models.CharField(max_length=10, choices=Sender.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    body_encrypted = models.TextField()
    created_on = models.DateField(default=timezone.localdate)
    # A visitor's message: the day the organisation first read it (None: unread).
    read_on = models.DateField(null=True, blank=True)
    # A provider's reply the visitor deleted: its text is gone, this day stays as a note in
    # the clinicians' thread (referrals.services.mailbox_visitor_delete_reply).
    deleted_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("mailbox message")
        verbose_name_plural = _("mailbox messages")

    def __str__(self):
        return f"{self.sender} {self.created_on:%Y-%m-%d}"


class Outbox(models.Model):
    """One delivery of one referral over one channel. Its id is the webhook Idempotency-Key."""

    class Channel(models.TextChoices):
        INBOX = "inbox", _("Portal inbox")
        EMAIL = "email", _("Email notice")
        WEBHOOK = "webhook", _("Webhook")
        # A content-free email that a person in contact wrote again: one row per referral,
        # sent again only after the organisation has read what came before.
        NOTICE = "notice", _("Email notice of a new message")

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="outbox")
    channel = models.CharField(max_length=8, choices=Channel.choices)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now, db_index=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["referral", "channel"], name="one_delivery_per_channel")
        ]
        indexes = [models.Index(fields=["state", "next_attempt_at"])]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")

    def __str__(self):
        return f"{self.channel} {self.state} ({self.attempts})"
