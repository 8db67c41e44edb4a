"""Reads of referrals. Who may read one is decided in accounts/roles.py (the clinicians of its
service's organisation); here another organisation's referral is simply not found (404)."""

from django.core.exceptions import ValidationError
from django.db.models import Count, QuerySet
from django.http import Http404

from accounts import roles
from directory.selectors import organization_get_for_user

from .models import MailboxMessage, Referral


def referral_get_for_user(user, pk) -> Referral:
    """The referral, if accounts.roles lets the user read it; otherwise Http404."""
    try:
        referral = Referral.objects.select_related("service__organization").get(pk=pk)
    except (Referral.DoesNotExist, ValueError, TypeError, ValidationError):
        raise Http404 from None
    if not roles.may_read_referral(user, referral):
        raise Http404
    return referral


HELD = "held"  # the inbox's filter for referrals held during a flood


def referrals_for_organization(user, organization_pk, *, state: str = "") -> QuerySet[Referral]:
    """An organisation's inbox, newest first, each with `message_count`; Http404 if the user
    does not work for it. Referrals held during a flood are listed only under `state="held"`,
    so that a flood does not bury the others."""
    organization = organization_get_for_user(user, organization_pk)
    referrals = (
        Referral.objects.filter(service__organization=organization)
        .select_related("service")
        .annotate(message_count=Count("messages"))
        .order_by("-created_on", "-last_activity_on", "pk")
    )
    if state == HELD:
        return referrals.filter(held_on__isnull=False)
    referrals = referrals.filter(held_on__isnull=True)
    if state:
        referrals = referrals.filter(state=state)
    return referrals


def referral_waiting_count(organization) -> int:
    """Referrals nobody has acknowledged yet: new or delivered to the inbox (not held)."""
    return Referral.objects.filter(
        service__organization=organization, held_on__isnull=True,
        state__in=[Referral.State.NEW, Referral.State.DELIVERED],
    ).count()


def referral_held_count(organization) -> int:
    return Referral.objects.filter(service__organization=organization,
                                   held_on__isnull=False).count()


def referral_thread(referral: Referral) -> QuerySet[MailboxMessage]:
    return referral.messages.select_related("author").order_by("created_on", "pk")
