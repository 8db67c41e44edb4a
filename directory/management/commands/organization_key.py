"""Make an organisation's key pair and print its recovery key, once.

    manage.py organization_key <organisation id> [...]
    manage.py organization_key --demo        every demo organisation that has no key yet
    manage.py organization_key <organisation id> --grant <username> --recovery-key-file <file>

Normally an organisation's first manager makes its key in the portal (the members page), and
is granted it at once. This command is for an operator setting up an organisation before any
member has signed in, and for the demo directory of `dev.py run`: nobody holds the key it
makes; the recovery key it prints is the only way in, to give to the organisation's manager,
who grants it to members (docs/operations.md, "Organisation keys").

With --grant, it makes no key: the recovery key opens the organisation's keys it belongs to
(the key it was made with; a rotation makes a new key with a new recovery key), and they are
given to the member named (who must have signed in once). That is how access comes back when
nobody who holds the key can sign in any more.
"""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from accounts import keys
from accounts.models import OrganizationKey
from directory.models import Organization


class Command(BaseCommand):
    help = "Make an organisation's key pair (without a member) and print its recovery key."

    def add_arguments(self, parser):
        parser.add_argument("organizations", nargs="*", help="organisation ids")
        parser.add_argument("--demo", action="store_true",
                            help="every demo organisation without a key")
        parser.add_argument("--grant", metavar="USERNAME",
                            help="give this member the current key, opened by the recovery key")
        parser.add_argument("--recovery-key-file", metavar="FILE")

    def handle(self, *args, organizations, demo, grant=None, recovery_key_file=None, **options):
        if grant:
            return self.grant(organizations, grant, recovery_key_file)
        if demo:
            chosen = list(Organization.objects.filter(demo=True, keys__isnull=True))
        elif organizations:
            chosen = []
            for pk in organizations:
                try:
                    chosen.append(Organization.objects.get(pk=pk))
                except (Organization.DoesNotExist, ValueError, TypeError) as error:
                    raise CommandError(f"no organisation {pk}") from error
        else:
            raise CommandError("name an organisation id, or --demo")
        for organization in chosen:
            if keys.organization_key_current(organization) is not None and not demo:
                self.stderr.write(f"{organization.name}: has a key; making a new one "
                                  "(new threads use it, older ones keep theirs)")
            _key, recovery = keys.organization_key_create(organization=organization)
            self.stdout.write(f"{organization.pk}  {organization.name}  recovery key: "
                              f"{recovery}")

    def grant(self, organizations, username, recovery_key_file):
        if len(organizations) != 1 or not recovery_key_file:
            raise CommandError("--grant needs one organisation id and --recovery-key-file")
        try:
            organization = Organization.objects.get(pk=organizations[0])
            member = get_user_model().objects.get(username=username)
            recovery = Path(recovery_key_file).read_text(encoding="utf-8").strip()
        except (Organization.DoesNotExist, ValueError, TypeError) as error:
            raise CommandError(f"no organisation {organizations[0]}") from error
        except get_user_model().DoesNotExist as error:
            raise CommandError(f"no user {username}") from error
        except OSError as error:
            raise CommandError(f"cannot read {recovery_key_file}: {error}") from error
        # Each key has its own recovery key (a rotation makes a new one): give every key of
        # the organisation that this recovery key opens.
        given = 0
        try:
            for organization_key in OrganizationKey.objects.filter(organization=organization):
                try:
                    private = keys.organization_private_by_recovery(
                        organization_key=organization_key, recovery_key=recovery)
                except keys.KeyRefused:
                    continue
                keys.grant_create(organization_key=organization_key,
                                  organization_private_key=private, member=member,
                                  granted_by=None)
                given += 1
        except keys.KeyRefused as refused:
            raise CommandError(f"refused: {refused.reason}") from None
        if not given:
            raise CommandError("refused: recovery (this recovery key opens none of its keys)")
        self.stdout.write(f"{member.username} now holds {given} key(s) of {organization.name}")
