"""The one provider of a chaos run (proof/chaos.py): an organisation with a service that
accepts anonymous referrals over the webhook channel (and email, when asked)."""

from accounts.keys import organization_key_create
from directory.models import Organization, Service


def create(channels: list[str], webhook_url: str, webhook_secret: str) -> dict:
    """The new service's id, and its organisation's recovery key (the run opens the referrals
    with it, as the organisation's manager could, to match them to what it sent)."""
    org = Organization.objects.create(name="Chaos test clinic", country="FI",
                                      email="intake@clinic.invalid")
    service = Service.objects.create(
        organization=org, name="Chaos test service", accepts_anonymous_referrals=True,
        referral_channels=channels, webhook_url=webhook_url, webhook_secret=webhook_secret,
        languages=["en", "fi"], service_areas=["FI"], delivery_modes=["online"],
        status="active", intake="accepting", published=True)
    _key, recovery = organization_key_create(organization=org)  # nobody holds it
    return {"service": str(service.pk), "recovery_key": recovery}
