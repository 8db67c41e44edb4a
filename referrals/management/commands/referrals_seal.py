"""Seal every referral written before sealing: its Fernet tokens become a sealed thread.

    manage.py referrals_seal --organization <id> --recovery-key-file <file>
    manage.py referrals_seal --organization <id> --manager <username>   (password on stdin)
    manage.py referrals_seal --dry-run                                   (counts only)

For each referral of the organisation that is not sealed yet, in one transaction per thread:
a key pair for the thread; its message, contact detail and every mailbox message read with
REFERRAL_KEYS and sealed to it; its private key sealed to the organisation's current key; then
each sealed text opened again with the organisation's key and compared, before anything is
saved. A thread that fails any step keeps its old tokens and is reported.

Sealing needs only the organisation's public key; the command still asks for its recovery key
or a manager's password, so that nothing is sealed to a key nobody can open. The visitor's key
cannot be made here (no codename is stored): such a visitor's mailbox shows the words again
once they have opened it and a member has opened the thread after that
(referrals.services.thread_key_for_visitor). When no unsealed referral is left, REFERRAL_KEYS
is no longer needed (docs/operations.md, "Sealing the referrals written before sealing").
"""

import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts import keys
from directory.models import Organization
from helpportal import sealing
from referrals import crypto
from referrals.models import Referral


class Command(BaseCommand):
    help = "Seal the referrals of an organisation that were written before sealing."

    def add_arguments(self, parser):
        parser.add_argument("--organization", metavar="ID")
        parser.add_argument("--recovery-key-file", metavar="FILE",
                            help="a file holding the organisation's recovery key")
        parser.add_argument("--manager", metavar="USERNAME",
                            help="a member holding the organisation's key; password on stdin")
        parser.add_argument("--dry-run", action="store_true",
                            help="count the unsealed referrals of every organisation")

    def handle(self, *args, organization=None, recovery_key_file=None, manager=None,
               dry_run=False, **options):
        if dry_run:
            return self.count()
        if not organization or bool(recovery_key_file) == bool(manager):
            raise CommandError("give --organization and one of --recovery-key-file, --manager")
        try:
            target = Organization.objects.get(pk=organization)
        except (Organization.DoesNotExist, ValueError, TypeError) as error:
            raise CommandError(f"no organisation {organization}") from error
        organization_key = keys.organization_key_current(target)
        if organization_key is None:
            raise CommandError(f"{target.name} has no key yet: its manager makes it in the "
                               "portal, or run manage.py organization_key")
        organization_private = self.organization_private(organization_key, recovery_key_file,
                                                         manager)
        sealed = failed = 0
        pending = Referral.objects.filter(service__organization=target, public_key__isnull=True)
        for pk in pending.values_list("pk", flat=True):
            try:
                seal_thread(pk, organization_key, organization_private)
                sealed += 1
            except sealing.SealError as error:
                failed += 1
                self.stderr.write(f"referral {pk}: left as it was ({error})")
        self.stdout.write(f"{target.name}: sealed {sealed} referral(s)"
                          + (f", {failed} left unsealed" if failed else ""))
        if failed:
            raise CommandError(f"{failed} referral(s) could not be sealed; their old tokens are "
                               "kept. Is a key missing from REFERRAL_KEYS?")

    def organization_private(self, organization_key, recovery_key_file, manager) -> bytes:
        try:
            if recovery_key_file:
                text = Path(recovery_key_file).read_text(encoding="utf-8").strip()
                return keys.organization_private_by_recovery(
                    organization_key=organization_key, recovery_key=text)
            password = sys.stdin.readline().rstrip("\n")
            user = get_user_model().objects.filter(username=manager, is_active=True).first()
            if user is None or not user.check_password(password):
                raise CommandError("that username and password do not sign in")
            return keys.organization_private(
                organization_key=organization_key, user=user,
                private=keys.staff_key_open(user=user, password=password))
        except OSError as error:
            raise CommandError(f"cannot read {recovery_key_file}: {error}") from error
        except keys.KeyRefused as refused:
            raise CommandError(f"the organisation's key does not open ({refused.reason})") from None

    def count(self):
        unsealed = Referral.objects.filter(public_key__isnull=True)
        for organization in Organization.objects.filter(
                services__referrals__in=unsealed).distinct().order_by("name"):
            count = unsealed.filter(service__organization=organization).count()
            self.stdout.write(f"{organization.pk}  {organization.name}: {count} unsealed")
        self.stdout.write(f"in all: {unsealed.count()} referral(s) not sealed yet")


def seal_thread(pk, organization_key, organization_private: bytes) -> None:
    """Seal one referral and its messages, checked by opening each again; all or nothing."""
    with transaction.atomic():
        referral = Referral.objects.select_for_update().get(pk=pk)
        if referral.public_key:
            return  # sealed meanwhile
        thread = sealing.keypair()
        key_for_organization = sealing.seal(bytes(organization_key.public_key), thread.private)
        if sealing.unseal(organization_private, key_for_organization) != thread.private:
            raise sealing.SealError("the organisation's key does not open what was sealed")

        def reseal(token: str) -> str:
            words = crypto.thread_open(None, token)  # a legacy token: REFERRAL_KEYS
            sealed = crypto.thread_seal(thread.public, words)
            if crypto.thread_open(thread.private, sealed) != words:
                raise sealing.SealError("a sealed text does not open to the same words")
            return sealed

        referral.message_encrypted = reseal(referral.message_encrypted)
        referral.contact_encrypted = reseal(referral.contact_encrypted)
        messages = list(referral.messages.select_for_update())
        for message in messages:
            message.body_encrypted = reseal(message.body_encrypted)
        referral.public_key = thread.public
        referral.organization_key = organization_key
        referral.key_for_organization = key_for_organization
        referral.save(update_fields=["message_encrypted", "contact_encrypted", "public_key",
                                     "organization_key", "key_for_organization"])
        for message in messages:
            message.save(update_fields=["body_encrypted"])
