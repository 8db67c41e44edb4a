"""Writes to the directory. Every change a staff member makes goes through here and is
audited. (Any change to an organisation, service or location, from anywhere, makes the
rendered directory pages stale: DIRECTORY_PAGES.watch in apps.py.)"""

from django.db import transaction

from accounts.services import audit_record

from .models import Service

SERVICE_EDITABLE_FIELDS = (
    "status",
    "intake",
    "waitlist_weeks",
    "languages",
    "delivery_modes",
    "service_areas",
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
