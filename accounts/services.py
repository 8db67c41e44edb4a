"""Writes about staff: second factors, sessions, memberships and the audit log.

Views, admin actions, tasks and commands call these; none of them decides who may do what
(that is accounts/roles.py).
"""

import datetime
from importlib import import_module

import django_otp
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import AuditEntry, Membership

AUDIT_RETENTION_DAYS = 365
BACKUP_CODE_COUNT = 10
TOTP_NAME = "Authenticator app"
BACKUP_NAME = "Backup codes"


def totp_device_confirmed(user) -> TOTPDevice | None:
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).first()


def totp_device_for_enrolment(*, user) -> TOTPDevice:
    """The user's unconfirmed device, made once so the QR code stays the same on a reload."""
    device = TOTPDevice.objects.devices_for_user(user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)
    return device


@transaction.atomic
def totp_device_confirm(*, device: TOTPDevice, code: str) -> bool:
    """Confirm a new device with a code from it; it then replaces any older one."""
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
    if not device.verify_token(code):
        return False
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user_id=device.user_id).exclude(pk=device.pk).delete()
    return True


@transaction.atomic
def backup_codes_create(*, user) -> list[str]:
    """Replace the user's backup codes with BACKUP_CODE_COUNT new single-use ones."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=BACKUP_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def backup_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def second_factor_match(*, user, code: str):
    """The confirmed device that accepts `code` (and uses it up), or None.

    Six digits are tried against the authenticator app, anything else against the backup
    codes. Each device throttles wrong codes itself, with a doubling wait.
    """
    devices = TOTPDevice if len(code) == 6 and code.isdigit() else StaticDevice
    for device in devices.objects.devices_for_user(user, confirmed=True):
        matched = django_otp.verify_token(user, device.persistent_id, code)
        if matched is not None:
            return matched
    return None


def second_factor_throttled(user) -> bool:
    """True once repeated wrong codes make a device wait (the first waits are a second or two)."""
    return any(
        device.throttling_failure_count >= 3 and not device.verify_is_allowed()[0]
        for model in (TOTPDevice, StaticDevice)
        for device in model.objects.devices_for_user(user, confirmed=True)
    )




def sessions_end_for_user(*, user_id) -> int:
    """Delete every stored session of a user; returns how many.

    Sessions live in the database (django.contrib.sessions' db or cached_db engine), one row
    per browser, with the user id inside the encoded data, so each row is decoded. Only staff
    have sessions, so there are few.
    """
    from django.contrib.sessions.models import Session

    engine = import_module(settings.SESSION_ENGINE)
    wanted = str(user_id)
    doomed = [
        row.session_key
        for row in Session.objects.all().iterator()
        if str(row.get_decoded().get(SESSION_KEY)) == wanted
    ]
    for key in doomed:
        # Through the engine, so a cached_db session leaves the cache too.
        engine.SessionStore(session_key=key).delete()
    return len(doomed)


# Memberships and the audit log.

def audit_record(*, actor, action: str, organization=None, target=None, detail=None) -> AuditEntry:
    return AuditEntry.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        actor_name=getattr(actor, "username", "") or "",
        action=action,
        organization=organization,
        target_type=type(target).__name__.lower() if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        detail=detail or {},
    )


@transaction.atomic
def membership_add(*, actor, organization, user, role: str) -> Membership:
    membership, created = Membership.objects.update_or_create(
        user=user, organization=organization, defaults={"role": role}
    )
    audit_record(
        actor=actor,
        action="membership.add" if created else "membership.change",
        organization=organization,
        target=membership,
        detail={"user": user.username, "role": role},
    )
    return membership


@transaction.atomic
def membership_remove(*, actor, membership: Membership) -> None:
    audit_record(
        actor=actor,
        action="membership.remove",
        organization=membership.organization,
        target=membership,
        detail={"user": membership.user.username},
    )
    # Deleting it deletes their grants too (accounts.signals): what they read cannot be taken
    # back, what comes next they cannot open (docs/operations.md, "Removing a member").
    membership.delete()


def audit_purge(*, now=None, dry_run: bool = False) -> int:
    """Delete audit entries older than AUDIT_RETENTION_DAYS. Returns how many (would) go."""
    cutoff = (now or timezone.now()) - datetime.timedelta(days=AUDIT_RETENTION_DAYS)
    old = AuditEntry.objects.filter(at__lt=cutoff)
    if dry_run:
        return old.count()
    deleted, _ = old.delete()
    return deleted


# Passkeys (accounts/passkeys.py): named and removed by their owner, each change audited.

PASSKEY_NAME_MAX = 64


@transaction.atomic
def passkey_rename(*, user, pk: int, name: str) -> bool:
    from .passkeys import passkeys_of

    name = name.strip()[:PASSKEY_NAME_MAX]
    renamed = bool(name) and passkeys_of(user).filter(pk=pk).update(name=name) == 1
    if renamed:
        audit_record(actor=user, action="passkey.rename", detail={"passkey": pk})
    return renamed


@transaction.atomic
def passkey_remove(*, user, pk: int) -> bool:
    """Remove one of the user's passkeys: from now on it signs nobody in."""
    from .passkeys import passkeys_of

    removed, _ = passkeys_of(user).filter(pk=pk).delete()
    if removed:
        audit_record(actor=user, action="passkey.remove", detail={"passkey": pk})
    return bool(removed)
