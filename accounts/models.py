"""Staff: who works for which organisation, and what staff did (the audit log).

The tables keep the names they had in the referrals app (`referrals_*`), so that moving the
models kept every row. Organisations are the directory's; they are named by string here, so
this module imports no other app.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Membership(models.Model):
    class Role(models.TextChoices):
        CLINICIAN = "clinician", _("Clinician")
        MANAGER = "manager", _("Organisation manager")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    organization = models.ForeignKey(
        "directory.Organization", on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=12, choices=Role.choices, default=Role.CLINICIAN)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "referrals_membership"
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
    organization = models.ForeignKey(
        "directory.Organization", null=True, blank=True, on_delete=models.SET_NULL
    )
    target_type = models.CharField(max_length=60, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        db_table = "referrals_auditentry"
        ordering = ["-at", "-id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action}"


class StaffKey(models.Model):
    """A staff member's key pair (accounts.keys). The private key is stored only wrapped: by a
    key Argon2id derives from their password (its own salt and parameters, not the login
    hash's), and by their recovery key, shown to them once."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_key"
    )
    public_key = models.BinaryField()
    private_by_password = models.BinaryField()
    password_salt = models.BinaryField()
    password_opslimit = models.PositiveIntegerField()
    password_memlimit = models.PositiveBigIntegerField()
    private_by_recovery = models.BinaryField()
    created_on = models.DateField(default=timezone.localdate)

    class Meta:
        verbose_name = _("staff key")
        verbose_name_plural = _("staff keys")

    def __str__(self):
        return f"{self.user} ({self.created_on:%Y-%m-%d})"


class OrganizationKey(models.Model):
    """An organisation's key pair. New threads are sealed to its newest key; its private key is
    held only in grants (one per member, sealed to the member's staff key) and wrapped by the
    organisation's recovery key, shown once to its first manager."""

    organization = models.ForeignKey(
        "directory.Organization", on_delete=models.CASCADE, related_name="keys"
    )
    public_key = models.BinaryField()
    private_by_recovery = models.BinaryField()
    created_on = models.DateField(default=timezone.localdate)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("organisation key")
        verbose_name_plural = _("organisation keys")

    def __str__(self):
        return f"{self.organization} ({self.created_on:%Y-%m-%d})"


class KeyGrant(models.Model):
    """An organisation's private key, sealed to one member's staff key."""

    organization_key = models.ForeignKey(
        OrganizationKey, on_delete=models.CASCADE, related_name="grants"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="key_grants"
    )
    sealed_private_key = models.BinaryField()
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    created_on = models.DateField(default=timezone.localdate)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization_key", "user"], name="one_grant")
        ]
        verbose_name = _("key grant")
        verbose_name_plural = _("key grants")

    def __str__(self):
        return f"{self.organization_key} → {self.user}"
