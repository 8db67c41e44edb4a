"""Writes to the directory. Every change a staff member makes goes through here and is
audited; every change to an organisation, service or location, from anywhere, makes the
rendered directory pages stale (`directory_changed`)."""

import threading

from django.db import transaction
from django.db.models import F

from accounts.services import audit_record

from .models import DirectoryVersion, Service
from .selectors import forget_directory_version

SERVICE_EDITABLE_FIELDS = (
    "status",
    "intake",
    "waitlist_weeks",
    "languages",
    "delivery_modes",
    "service_areas",
)



def directory_version_bump() -> None:
    """Make every rendered directory page stale: run once a change to the directory commits."""
    updated = DirectoryVersion.objects.filter(pk=1).update(number=F("number") + 1)
    if not updated:
        DirectoryVersion.objects.get_or_create(pk=1, defaults={"number": 2})
    forget_directory_version()


# Set when a directory row changes; the first on_commit callback after it does the bump, the
# others of the same transaction find it done (an import saves hundreds of rows).
_change = threading.local()


def directory_changed(*, using=None, action="", **kwargs) -> None:
    """Receiver of post_save, post_delete and m2m_changed for organisations, services and
    locations (connected in apps.py), so that the portal, the admin (forms, inlines, cascading
    deletes) and the HSDS import all bump the version without each remembering to."""
    if action.startswith("pre_"):
        return
    _change.pending = True
    transaction.on_commit(_directory_version_bump_once, using=using)


def _directory_version_bump_once() -> None:
    if getattr(_change, "pending", False):
        _change.pending = False
        directory_version_bump()


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
