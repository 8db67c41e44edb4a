"""The dashboard's count of referrals waiting in an organisation's inbox."""

from django import template

from referrals import selectors

register = template.Library()


@register.simple_tag
def waiting_referrals(organization) -> int:
    return selectors.referral_waiting_count(organization)
