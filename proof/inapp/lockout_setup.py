"""What the sign-in lockout check (proof/attack_lockout.py) needs inside the site: a clinician
of a demo organisation with an authenticator app and an administrator to alert; afterwards,
what django-axes and the audit log kept."""

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.auth import get_user_model
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.keys import staff_key_create
from accounts.lockout import ALERT_AT, FREE_TRIES, USERNAME_LOCK_AT
from accounts.models import AuditEntry, Membership
from directory.models import Organization


def prepare(password: str, tag: str) -> dict:
    """The clinician's username and TOTP parameters, and the lockout's numbers."""
    user_model = get_user_model()
    clinician = user_model.objects.create_user(f"lockout-{tag}", password=password,
                                               is_staff=True)
    device = TOTPDevice.objects.create(user=clinician, name="Authenticator app", confirmed=True)
    organization = Organization.objects.filter(demo=True).order_by("pk").first()
    if organization is not None:
        Membership.objects.create(user=clinician, organization=organization)
    staff_key_create(user=clinician, password=password)
    user_model.objects.create_user(f"lockout-admin-{tag}", password=password, is_staff=True,
                                   is_superuser=True, email=f"lockout-admin-{tag}@example.invalid")
    return {"username": clinician.username,
            "totp": {"key": device.key, "step": device.step, "t0": device.t0,
                     "digits": device.digits, "drift": device.drift},
            "free_tries": FREE_TRIES, "alert_at": ALERT_AT, "username_lock_at": USERNAME_LOCK_AT}


def kept(username: str, addresses: list[str]) -> dict:
    """What axes keeps for `username` and whether any of `addresses` (the ones the check sent)
    or a user agent is in any of its tables; the sign-in alerts about it in the audit log."""
    rows = list(AccessAttempt.objects.values())
    logs = [*AccessFailureLog.objects.values(), *AccessLog.objects.values()]
    text = repr([*rows, *logs])
    ours = [row for row in rows if row["username"] == username]
    return {
        "rows": len(ours),
        "failures": sum(row["failures_since_start"] for row in ours),
        "stored": sorted({str(row["ip_address"]) for row in rows}),
        "user_agents": sorted({row["user_agent"] for row in rows}),
        "log_rows": len(logs),
        "addresses_found": [address for address in addresses if address in text],
        "alerts": [entry.detail for entry in AuditEntry.objects.filter(
            action="alert:sign_in_attack", detail__username=username).order_by("at")],
    }
