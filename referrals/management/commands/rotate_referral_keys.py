from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from referrals import crypto
from referrals.models import MailboxMessage, Referral

# (model, encrypted fields): every column that holds a visitor's or a clinician's words.
ENCRYPTED = (
    (Referral, ("message_encrypted", "contact_encrypted")),
    (MailboxMessage, ("body_encrypted",)),
)


class Command(BaseCommand):
    help = (
        "Re-encrypt every referral message, contact detail and mailbox message under the "
        "newest key, the first in REFERRAL_KEYS. To change keys: put the new key first in "
        "REFERRAL_KEYS and keep the old ones after it, restart web and worker, run this "
        "command, then remove the old keys. Values already under the newest key are left as "
        "they are, so it is safe to run again. Works in batches, each in its own transaction."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true",
                            help="count what would be re-encrypted, change nothing")
        parser.add_argument("--batch-size", type=int, default=500, metavar="N",
                            help="rows per transaction (default 500)")

    def handle(self, *args, dry_run=False, batch_size=500, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        keys = settings.REFERRAL_KEYS
        # Without configured keys (development) the derived key is the only, and newest, one.
        newest = Fernet(keys[0].encode()) if keys else crypto.fernet()
        unreadable_total = 0
        for model, fields in ENCRYPTED:
            rotated, current, unreadable = self.rotate_model(
                model, fields, newest=newest, dry_run=dry_run, batch_size=batch_size
            )
            unreadable_total += unreadable
            name = model._meta.verbose_name_plural
            verb = "would re-encrypt" if dry_run else "re-encrypted"
            self.stdout.write(
                f"{name}: {verb} {rotated} value(s), {current} already under the newest key"
                + (f", {unreadable} readable with none of the keys" if unreadable else "")
            )
        if unreadable_total:
            raise CommandError(
                f"{unreadable_total} value(s) could not be decrypted with any key in "
                "REFERRAL_KEYS: was an old key removed too early? They were left unchanged."
            )

    def rotate_model(self, model, fields, *, newest, dry_run, batch_size):
        rotated = current = unreadable = 0
        last_pk = None
        while True:
            with transaction.atomic():
                rows = model.objects.order_by("pk").only("pk", *fields)
                if last_pk is not None:
                    rows = rows.filter(pk__gt=last_pk)
                batch = list(rows.select_for_update()[:batch_size])
                if not batch:
                    break
                changed = []
                for row in batch:
                    row_changed = False
                    for field in fields:
                        token = getattr(row, field)
                        if not token:
                            continue
                        try:
                            newest.decrypt(token.encode())
                            current += 1
                            continue
                        except InvalidToken:
                            pass
                        try:
                            setattr(row, field, crypto.rotate(token))
                        except InvalidToken:
                            unreadable += 1
                            continue
                        rotated += 1
                        row_changed = True
                    if row_changed:
                        changed.append(row)
                if changed and not dry_run:
                    model.objects.bulk_update(changed, fields)
                last_pk = batch[-1].pk
        return rotated, current, unreadable
