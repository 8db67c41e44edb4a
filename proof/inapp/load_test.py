"""The performance part's referral POSTs (proof/performance.py): one-time form tokens made
with the site's secret key, as the form page would make them, and the referrals they stored."""

from referrals.models import Referral
from referrals.views_visitor import once_new


def once_tokens(count: int) -> list[str]:
    return [once_new() for _ in range(count)]


def referral_count() -> int:
    return Referral.objects.count()
