"""The one provider of a chaos run (proof/chaos.py): an organisation with a service that
accepts anonymous referrals over the webhook channel (and email, when asked)."""

from directory.models import Organization, Service


def create(channels: list[str], webhook_url: str, webhook_secret: str) -> str:
    """The new service's id."""
    org = Organization.objects.create(name="Chaos test clinic", country="FI",
                                      email="intake@clinic.invalid")
    service = Service.objects.create(
        organization=org, name="Chaos test service", accepts_anonymous_referrals=True,
        referral_channels=channels, webhook_url=webhook_url, webhook_secret=webhook_secret,
        languages=["en", "fi"], service_areas=["FI"], delivery_modes=["online"],
        status="active", intake="accepting", published=True)
    return str(service.pk)
