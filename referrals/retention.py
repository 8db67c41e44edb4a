"""When a referral is purged: the one rule, used by the hourly task and `manage.py
purge_referrals` (docs/referrals.md, docs/privacy.md)."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .models import Referral


def referrals_due_for_purge(*, today=None):
    """Closed referrals older than the retention period after closing, and any referral with
    no activity for REFERRAL_MAX_AGE_DAYS, whatever its state."""
    today = today or timezone.localdate()
    closed_before = today - timedelta(days=settings.REFERRAL_RETENTION_DAYS)
    idle_before = today - timedelta(days=settings.REFERRAL_MAX_AGE_DAYS)
    return Referral.objects.filter(
        Q(state=Referral.State.CLOSED, closed_on__lt=closed_before)
        | Q(last_activity_on__lt=idle_before)
    )


def referrals_purge(*, today=None, dry_run: bool = False) -> int:
    due = referrals_due_for_purge(today=today)
    count = due.count()
    if not dry_run and count:
        with transaction.atomic():
            due.delete()
    return count
