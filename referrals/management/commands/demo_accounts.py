"""Demo staff accounts for trying the portal and the editor, in the embedded mode only.

    manage.py demo_accounts                 make (or keep) the four accounts, print how to sign in
    manage.py demo_accounts --code NAME     print NAME's second-factor code for now

`dev.py run` calls it; `dev.py code demo-clinician` calls the second form. It refuses to run
with DEBUG off: these accounts share one password kept in a file beside the database
(`demo-password` in VAR_DIR), and their authenticator secrets are in the database, so anyone
who can run this command can sign in as them. That is fine on a laptop and never on a server.

- demo-clinician and demo-manager work for the demo organisation of DEMO_SERVICE (Finland);
  both hold its key, so they read its referrals. The manager makes a new key for it when an
  earlier `organization_key --demo` made one that nobody holds.
- demo-editor is in the Editors group; demo-admin is an administrator (a superuser who
  belongs to no organisation, as in production).
"""

import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import keys, roles
from accounts.models import KeyGrant, Membership, StaffKey
from directory.models import Service

DEMO_SERVICE = "36bf1277-bffd-4e66-90d8-fc2b55dc2070"  # "Example confidential chat, Finland"
PASSWORD_FILE = "demo-password"  # noqa: S105 (a file name, not a password)
ACCOUNTS = {  # username: what they are, as printed
    "demo-clinician": "clinician",
    "demo-manager": "manager",
    "demo-editor": "editor",
    "demo-admin": "administrator",
}


def demo_password(directory: Path) -> str:
    """The demo accounts' password: made once, kept in `directory` (readable by its owner)."""
    path = directory / PASSWORD_FILE
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    directory.mkdir(parents=True, exist_ok=True)
    password = "-".join(secrets.token_hex(3) for _ in range(4))
    path.touch(mode=0o600)
    path.write_text(password + "\n", encoding="utf-8")
    return password


def current_code(device: TOTPDevice) -> str:
    value = totp(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return str(value).zfill(device.digits)


class Command(BaseCommand):
    help = "Make demo staff accounts (DEBUG only) and print how to sign in as each."

    def add_arguments(self, parser):
        parser.add_argument("--code", metavar="USERNAME",
                            help="print this demo account's second-factor code for now")

    def handle(self, *args, code=None, **options):
        if not settings.DEBUG:
            raise CommandError("demo accounts are for the embedded mode only (DEBUG on); "
                               "this site runs with DEBUG off, so none are made")
        if code:
            return self.print_code(code)
        password = demo_password(Path(settings.VAR_DIR))
        service = Service.objects.select_related("organization").filter(pk=DEMO_SERVICE).first()
        if service is None:
            raise CommandError("the demo directory is not imported (manage.py hsds_import "
                               "directory/seed/demo-directory.json)")
        organization = service.organization
        with transaction.atomic():
            users = {name: self.account(name, password) for name in ACCOUNTS}
            Group.objects.get_or_create(name=roles.EDITORS_GROUP)[0].user_set.add(
                users["demo-editor"])
            for name, role in (("demo-clinician", Membership.Role.CLINICIAN),
                               ("demo-manager", Membership.Role.MANAGER)):
                Membership.objects.get_or_create(user=users[name], organization=organization,
                                                 defaults={"role": role})
            self.keys_for(organization, users["demo-manager"], users["demo-clinician"],
                          password)
        self.stdout.write(f"Demo staff accounts (password for each: {password})")
        for name, role in ACCOUNTS.items():
            where = f" of {organization.name}" if name in ("demo-clinician",
                                                          "demo-manager") else ""
            self.stdout.write(f"  {name:15} {role}{where}")
        self.stdout.write("Sign in at /staff/login/; the second-factor code: "
                          "python3 dev.py code demo-clinician (or another name)")

    def account(self, username: str, password: str):
        user, made = get_user_model().objects.get_or_create(
            username=username,
            defaults={"is_staff": True, "is_superuser": username == "demo-admin"},
        )
        if made or not user.check_password(password):
            user.set_password(password)
            user.save(update_fields=["password"])
            StaffKey.objects.filter(user=user).delete()  # wrapped by another password
        if not StaffKey.objects.filter(user=user).exists():
            keys.staff_key_create(user=user, password=password)
        if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
            TOTPDevice.objects.create(user=user, name="Demo authenticator", confirmed=True)
        return user

    def keys_for(self, organization, manager, clinician, password: str) -> None:
        """Both hold the organisation's current key: the manager makes one if nobody of the
        demo holds it, and gives it to the clinician."""
        current = keys.organization_key_current(organization)
        if current is None or not KeyGrant.objects.filter(organization_key=current,
                                                          user=manager).exists():
            current, _recovery = keys.organization_key_create(organization=organization,
                                                              member=manager)
        private = keys.organization_private(
            organization_key=current, user=manager,
            private=keys.staff_key_open(user=manager, password=password))
        keys.grant_create(organization_key=current, organization_private_key=private,
                          member=clinician, granted_by=manager)

    def print_code(self, username: str) -> None:
        if username not in ACCOUNTS:
            raise CommandError(f"not a demo account: {username} (one of {', '.join(ACCOUNTS)})")
        device = TOTPDevice.objects.filter(user__username=username, confirmed=True).first()
        if device is None:
            raise CommandError(f"{username} does not exist yet: python3 dev.py run makes it")
        self.stdout.write(current_code(device))
