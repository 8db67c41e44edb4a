"""What the referral-flood check (proof/attack_flood.py) reads inside the site afterwards."""

from accounts.models import AuditEntry
from referrals.models import Referral


def held_count() -> dict:
    """Referrals held for review, and the flood alerts administrators got."""
    return {"held": Referral.objects.filter(held_on__isnull=False).count(),
            "alerts": AuditEntry.objects.filter(action="alert:referral_flood").count()}
