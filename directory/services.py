"""Writes to the directory. Every change a staff member makes goes through here and is
audited. (Any change to an organisation, service or location, from anywhere, makes the
rendered directory pages stale: DIRECTORY_PAGES.watch in apps.py.)"""

from django.db import transaction

from accounts.services import audit_record

from .models import OrganizationText, Service, ServiceText

SERVICE_EDITABLE_FIELDS = (
    "status",
    "intake",
    "waitlist_weeks",
    "reply_days",
    "languages",
    "delivery_modes",
    "referral_channels",
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


def _texts_update(owner, texts: dict[str, dict[str, str]], make) -> list[str]:
    """Set an owner's words per language (its `texts`); a language left all empty has no
    text. Which fields of which language changed (not the words: they are public)."""
    existing = {text.language: text for text in owner.texts.all()}
    changed = []
    for language, values in texts.items():
        text = existing.get(language)
        if not any(value.strip() for value in values.values()):
            if text is not None:
                text.delete()
                changed.append(f"{language}: removed")
            continue
        if text is None:
            text = make(language)
        fields = [name for name, value in values.items() if getattr(text, name) != value]
        if fields or text.pk is None:
            for name, value in values.items():
                setattr(text, name, value)
            text.save()
            changed.append(f"{language}: {', '.join(fields)}")
    return changed


@transaction.atomic
def service_texts_update(*, actor, service: Service, texts: dict[str, dict[str, str]]) -> None:
    """Set a service's words per language (ServiceText), audited."""
    changed = _texts_update(service, texts,
                            lambda language: ServiceText(service=service, language=language))
    if changed:
        audit_record(actor=actor, action="service.texts", organization=service.organization,
                     target=service, detail={"changed": changed})


@transaction.atomic
def organization_texts_update(*, actor, organization, texts: dict[str, dict[str, str]]) -> None:
    """Set an organisation's name and description per language (OrganizationText), audited."""
    changed = _texts_update(
        organization, texts,
        lambda language: OrganizationText(organization=organization, language=language),
    )
    if changed:
        audit_record(actor=actor, action="organization.texts", organization=organization,
                     target=organization, detail={"changed": changed})
