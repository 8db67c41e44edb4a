"""The provider directory, aligned with Open Referral HSDS 3.0, and who may keep it current.

HSDS names are kept where they exist (organization, service, location, service_area,
language, cost_option, eligibility); lists of codes are JSON arrays, validated against the
code lists in referrals/codes.py. Staff of an organisation are its Memberships.
"""

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Organization(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    website = models.URLField(_("website"), blank=True)
    email = models.EmailField(
        _("notification email"),
        blank=True,
        help_text=_("Where content-free notices of new referrals go."),
    )
    country = models.CharField(_("country"), max_length=2, help_text=_("ISO 3166-1 alpha-2"))
    demo = models.BooleanField(
        _("demo"), default=False, help_text=_("Shown as 'Demo service: not a real provider'.")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self):
        return self.name


class ServiceQuerySet(models.QuerySet):
    def published(self):
        """What the public directory and API show: active or temporarily closed services."""
        return self.filter(
            published=True,
            status__in=[Service.Status.ACTIVE, Service.Status.TEMPORARILY_CLOSED],
        )


class Service(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        INACTIVE = "inactive", _("Inactive")
        DEFUNCT = "defunct", _("Defunct")
        TEMPORARILY_CLOSED = "temporarily closed", _("Temporarily closed")

    class Intake(models.TextChoices):
        ACCEPTING = "accepting", _("Accepting new referrals")
        WAITLIST = "waitlist", _("Waiting list")
        CLOSED = "closed", _("Closed to new referrals")

    class Cost(models.TextChoices):
        FREE = "free", _("Free")
        LOW = "low", _("Low cost")
        PAID = "paid", _("Paid")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="services"
    )
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.ACTIVE
    )
    intake = models.CharField(
        _("new referrals"), max_length=12, choices=Intake.choices, default=Intake.ACCEPTING
    )
    waitlist_weeks = models.PositiveSmallIntegerField(
        _("waiting list (weeks)"), null=True, blank=True
    )
    delivery_modes = models.JSONField(_("delivery modes"), default=list, blank=True)
    languages = models.JSONField(_("languages"), default=list, blank=True)
    service_areas = models.JSONField(_("areas served"), default=list, blank=True)
    cost = models.CharField(_("cost"), max_length=8, choices=Cost.choices, default=Cost.FREE)
    cost_description = models.CharField(_("cost details"), max_length=300, blank=True)
    eligibility_description = models.TextField(_("who can use it"), blank=True)
    minimum_age = models.PositiveSmallIntegerField(_("minimum age"), null=True, blank=True)
    maximum_age = models.PositiveSmallIntegerField(_("maximum age"), null=True, blank=True)
    audiences = models.JSONField(_("audiences"), default=list, blank=True)
    accepts_anonymous_referrals = models.BooleanField(
        _("accepts anonymous referrals"), default=False
    )
    referral_channels = models.JSONField(
        _("referral channels"),
        default=list,
        blank=True,
        help_text=_("Besides the portal inbox (always): 'email' and/or 'webhook'."),
    )
    webhook_url = models.URLField(_("webhook address"), blank=True)
    webhook_secret = models.CharField(
        _("webhook signing secret"), max_length=64, blank=True,
        help_text=_("Shared with the provider; signs every webhook body (HMAC-SHA256)."),
    )
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    url = models.URLField(_("web address"), blank=True)
    published = models.BooleanField(_("shown in the directory"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ServiceQuerySet.as_manager()

    class Meta:
        ordering = ["organization__name", "name"]
        verbose_name = _("service")
        verbose_name_plural = _("services")

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if not self.webhook_secret:
            self.webhook_secret = secrets.token_hex(32)
        super().save(*args, **kwargs)

    @property
    def countries(self) -> list[str]:
        return sorted({area.split("-")[0] for area in self.service_areas})

    @property
    def takes_referrals_now(self) -> bool:
        return self.status == self.Status.ACTIVE and self.intake != self.Intake.CLOSED

    @property
    def accepts_anonymous_referrals_now(self) -> bool:
        """Whether a visitor may send it an anonymous referral through this site today."""
        return self.published and self.accepts_anonymous_referrals and self.takes_referrals_now


class Location(models.Model):
    class Kind(models.TextChoices):
        PHYSICAL = "physical", _("Physical")
        VIRTUAL = "virtual", _("Virtual")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="locations"
    )
    services = models.ManyToManyField(Service, related_name="locations", blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=200, blank=True)
    address = models.CharField(_("street address"), max_length=200, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    country = models.CharField(_("country"), max_length=2, blank=True)
    url = models.URLField(_("web address"), blank=True)

    class Meta:
        ordering = ["organization__name", "name"]
        verbose_name = _("location")
        verbose_name_plural = _("locations")

    def __str__(self):
        return self.name or self.city or str(self.kind)


class DirectoryVersion(models.Model):
    """One row whose number goes up whenever an organisation, service or location changes:
    the key of the rendered directory pages (content's ContentVersion does the same)."""

    number = models.PositiveBigIntegerField(default=1)

    def __str__(self):
        return str(self.number)


class Membership(models.Model):
    class Role(models.TextChoices):
        CLINICIAN = "clinician", _("Clinician")
        MANAGER = "manager", _("Organisation manager")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=12, choices=Role.choices, default=Role.CLINICIAN)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "organization"], name="one_membership")
        ]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    def __str__(self):
        return f"{self.user} @ {self.organization} ({self.role})"


class AuditEntry(models.Model):
    """Who did what to which object, when. Never anything about a visitor."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    actor_name = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=60)
    organization = models.ForeignKey(Organization, null=True, blank=True, on_delete=models.SET_NULL)
    target_type = models.CharField(max_length=60, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action}"


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
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="referrals")
    codename_hash = models.CharField(max_length=64, unique=True)
    message_encrypted = models.TextField()
    contact_encrypted = models.TextField(blank=True)
    preferred_language = models.CharField(max_length=8, blank=True)
    state = models.CharField(max_length=14, choices=State.choices, default=State.NEW)
    created_on = models.DateField(default=timezone.localdate)
    last_activity_on = models.DateField(default=timezone.localdate)
    closed_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-created_on", "id"]
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")

    def __str__(self):
        return f"{self.service} {self.created_on:%Y-%m-%d} ({self.state})"


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
