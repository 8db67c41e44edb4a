from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from referrals.models import MailboxMessage, Outbox
from referrals.retention import referrals_due_for_purge, referrals_purge


class Command(BaseCommand):
    @property
    def help(self):
        return (
            "Delete referrals past retention: every closed referral whose closing date is more "
            f"than REFERRAL_RETENTION_DAYS ({settings.REFERRAL_RETENTION_DAYS}) days ago, and "
            "every referral, whatever its state, with no activity (its creation, a message from "
            "the person, a reply) for more than REFERRAL_MAX_AGE_DAYS "
            f"({settings.REFERRAL_MAX_AGE_DAYS}) days. Their mailbox messages and deliveries "
            "are deleted with them; nothing can bring them back. Dates are days in the site's "
            "time zone. With --dry-run, only count. Beat runs the same purge daily "
            "(referrals.tasks.purge_referrals)."
        )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true",
                            help="count what would be deleted, delete nothing")

    def handle(self, *args, dry_run=False, **options):
        with transaction.atomic():
            due = referrals_due_for_purge()
            messages = MailboxMessage.objects.filter(referral__in=due).count()
            deliveries = Outbox.objects.filter(referral__in=due).count()
            count = referrals_purge(dry_run=dry_run)
        verb = "would delete" if dry_run else "deleted"
        self.stdout.write(
            f"{verb} {count} referral(s), with {messages} mailbox message(s) and "
            f"{deliveries} delivery record(s)"
        )
