"""Reads of referrals. Who may read one is decided in accounts/roles.py (the clinicians of its
service's organisation); here another organisation's referral is simply not found (404)."""

from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
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
UNREAD = "unread"  # the inbox's filter for what is new to the organisation

# What is new to an organisation (read and unread are the organisation's: docs/portal.md):
# a referral nobody of it has opened, a visitor's message nobody of it has read.
_NEW_REFERRAL = Q(opened_on__isnull=True, forgotten_on__isnull=True)
_UNREAD_MESSAGE = Q(messages__sender=MailboxMessage.Sender.VISITOR,
                    messages__read_on__isnull=True)


def referrals_for_organization(user, organization_pk, *, state: str = "") -> QuerySet[Referral]:
    """An organisation's inbox, newest first, each with `message_count`; Http404 if the user
    does not work for it. Referrals held during a flood are listed only under `state="held"`,
    so that a flood does not bury the others."""
    organization = organization_get_for_user(user, organization_pk)
    referrals = (
        Referral.objects.filter(service__organization=organization)
        .select_related("service")
        .annotate(message_count=Count("messages"),
                  unread_count=Count("messages", filter=_UNREAD_MESSAGE))
        .order_by("-created_on", "-last_activity_on", "pk")
    )
    if state == HELD:
        return referrals.filter(held_on__isnull=False)
    referrals = referrals.filter(held_on__isnull=True)
    if state == UNREAD:
        return referrals.filter(_NEW_REFERRAL | Q(unread_count__gt=0))
    if state:
        referrals = referrals.filter(state=state)
    return referrals


def inbox_counts(organization_ids) -> dict:
    """For each organisation: `new` (referrals nobody has opened) and `unread` (visitor
    messages nobody has read), held referrals left out. Two queries, whatever the number of
    organisations."""
    counts = {pk: {"new": 0, "unread": 0} for pk in organization_ids}
    rows = (Referral.objects.filter(_NEW_REFERRAL, service__organization_id__in=counts,
                                    held_on__isnull=True)
            .values("service__organization_id").annotate(total=Count("pk")))
    for row in rows:
        counts[row["service__organization_id"]]["new"] = row["total"]
    rows = (MailboxMessage.objects.filter(
                referral__service__organization_id__in=counts, referral__held_on__isnull=True,
                sender=MailboxMessage.Sender.VISITOR, read_on__isnull=True)
            .values("referral__service__organization_id").annotate(total=Count("pk")))
    for row in rows:
        counts[row["referral__service__organization_id"]]["unread"] = row["total"]
    return counts


def referral_held_count(organization) -> int:
    return Referral.objects.filter(service__organization=organization,
                                   held_on__isnull=False).count()


def referral_thread(referral: Referral) -> QuerySet[MailboxMessage]:
    return referral.messages.select_related("author").order_by("created_on", "pk")
