"""Retention: closed referrals go REFERRAL_RETENTION_DAYS after closing, idle ones after
REFERRAL_MAX_AGE_DAYS whatever their state, with their messages and deliveries."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from referrals.models import MailboxMessage, Outbox, Referral
from referrals.services import mailbox_visitor_write, referral_create
from referrals.tasks import purge_referrals
from tests.referrals.factories import make_service

pytestmark = pytest.mark.django_db


def referral(service, *, state=Referral.State.IN_CONTACT, closed_days_ago=None,
             idle_days=0):
    created, codename = referral_create(service=service, message="Words", contact="Contact")
    mailbox_visitor_write(referral=created, codename=codename, body="A message")
    today = timezone.localdate()
    Referral.objects.filter(pk=created.pk).update(
        state=Referral.State.CLOSED if closed_days_ago is not None else state,
        closed_on=today - timedelta(days=closed_days_ago) if closed_days_ago is not None else None,
        last_activity_on=today - timedelta(days=idle_days),
        created_on=today - timedelta(days=max(idle_days, closed_days_ago or 0)),
    )
    return created


@pytest.fixture
def referrals():
    Referral.objects.all().delete()
    service = make_service(accepts_anonymous_referrals=True)
    return {
        "closed_91": referral(service, closed_days_ago=91, idle_days=91),
        "closed_89": referral(service, closed_days_ago=89, idle_days=89),
        "idle_181": referral(service, state=Referral.State.ACKNOWLEDGED, idle_days=181),
        "idle_179": referral(service, state=Referral.State.NEW, idle_days=179),
        "closed_today": referral(service, closed_days_ago=0),
    }


def run(*args) -> str:
    out = StringIO()
    call_command("purge_referrals", *args, stdout=out)
    return out.getvalue()


def test_a_dry_run_reports_what_would_go_and_deletes_nothing(referrals):
    output = run("--dry-run")
    assert "would delete 2 referral(s), with 2 mailbox message(s)" in output
    assert Referral.objects.count() == 5
    assert MailboxMessage.objects.count() == 5
    assert Outbox.objects.count() == 5


def test_the_purge_deletes_exactly_the_due_referrals_with_their_messages_and_deliveries(
    referrals,
):
    due = [referrals["closed_91"].pk, referrals["idle_181"].pk]
    output = run()
    assert "deleted 2 referral(s), with 2 mailbox message(s) and 2 delivery record(s)" in output
    assert set(Referral.objects.values_list("pk", flat=True)) == {
        referrals[name].pk for name in ("closed_89", "idle_179", "closed_today")
    }
    assert not MailboxMessage.objects.filter(referral_id__in=due).exists()
    assert not Outbox.objects.filter(referral_id__in=due).exists()
    assert MailboxMessage.objects.count() == 3
    assert Outbox.objects.count() == 3


def test_a_second_run_finds_nothing_more(referrals):
    run()
    assert "deleted 0 referral(s)" in run()


def test_the_daily_task_purges_the_same(referrals):
    assert purge_referrals.delay().get() == 2
    assert Referral.objects.count() == 3


def test_the_rule_follows_the_settings(referrals, settings):
    settings.REFERRAL_RETENTION_DAYS = 88
    settings.REFERRAL_MAX_AGE_DAYS = 178
    assert "would delete 4 referral(s)" in run("--dry-run")


def test_the_help_states_the_exact_rule(settings):
    settings.REFERRAL_RETENTION_DAYS = 90
    settings.REFERRAL_MAX_AGE_DAYS = 180
    from referrals.management.commands.purge_referrals import Command

    text = " ".join(Command().help.split())
    assert "every closed referral whose closing date is more than REFERRAL_RETENTION_DAYS (90)" \
        " days ago" in text
    assert "whatever its state, with no activity" in text
    assert "REFERRAL_MAX_AGE_DAYS (180) days" in text
    assert "mailbox messages and deliveries are deleted with them" in text
