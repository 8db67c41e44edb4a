"""Writes: every change a staff member makes to the directory goes through here and is audited."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from .models import AuditEntry, Membership, Organization, Service

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
