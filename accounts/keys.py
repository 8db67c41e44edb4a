"""Staff keys, organisation keys and the grants between them (docs/referrals.md, "Keys").

- A staff member's key pair is made at their first sign-in. Its private key is stored wrapped
  by a key Argon2id derives from their password, and by their recovery key (shown once).
- An organisation's key pair is made by its first member who has a staff key. Its private key
  is stored only sealed to each member's public key (a grant), and wrapped by the
  organisation's recovery key, shown once to that first member.
- A member who has the organisation's key grants it to a member who has signed in once.

Nothing here keeps an unwrapped private key: callers get it for one request, and the signed-in
person's own key lives locked in their session (accounts/keystore.py). Every refusal is a
KeyRefused with a reason; no half-made key or grant is ever saved.
"""

from django.contrib.auth import get_user_model
from django.db import transaction

from helpportal import sealing

from .models import KeyGrant, Membership, OrganizationKey, StaffKey

STAFF_RECOVERY = "staff-recovery"
ORGANIZATION_RECOVERY = "organization-recovery"


class KeyRefused(Exception):
    """A key that does not open, or a grant that may not be made. `reason` says which."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _recovery_key(text: str, purpose: str) -> bytes:
    return sealing.recovery_key_derive(text, purpose=purpose)


def _password_wrapped(private: bytes, password: str) -> dict:
    params = sealing.password_params_new()
    return {
        "private_by_password": sealing.lock(sealing.password_key(password, params), private),
        "password_salt": params.salt,
        "password_opslimit": params.opslimit,
        "password_memlimit": params.memlimit,
    }


# ---------------------------------------------------------------------------------------------
# Staff keys


@transaction.atomic
def staff_key_create(*, user, password: str) -> tuple[bytes, str]:
    """A new key pair for the user; returns its private key and the recovery key to show once.

    Replaces any key the user had: grants sealed to the old key are deleted with it, so
    colleagues grant the organisation's key again (accounts.keys.grants_waiting)."""
    pair = sealing.keypair()
    recovery = sealing.recovery_key_new()
    KeyGrant.objects.filter(user=user).delete()
    StaffKey.objects.filter(user=user).delete()
    StaffKey.objects.create(
        user=user,
        public_key=pair.public,
        private_by_recovery=sealing.lock(_recovery_key(recovery, STAFF_RECOVERY), pair.private),
        **_password_wrapped(pair.private, password),
    )
    return pair.private, recovery


@transaction.atomic
def staff_key_first(*, user, password: str) -> tuple[bytes, str]:
    """The key of a first sign-in, made once even when two first sign-ins race: the user's
    row is locked, and a key another made meanwhile is opened instead (with no recovery key
    to show: the other sign-in shows it)."""
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()
    if StaffKey.objects.filter(user=user).exists():
        return staff_key_open(user=user, password=password), ""
    return staff_key_create(user=user, password=password)


def staff_key_open(*, user, password: str) -> bytes:
    """The user's private key, unwrapped with their password. KeyRefused("no-key") when they
    have none yet, KeyRefused("password") when the password does not open it (it was reset)."""
    key = StaffKey.objects.filter(user=user).first()
    if key is None:
        raise KeyRefused("no-key")
    params = sealing.PasswordParams(
        salt=bytes(key.password_salt), opslimit=key.password_opslimit,
        memlimit=key.password_memlimit,
    )
    try:
        return sealing.unlock(sealing.password_key(password, params), key.private_by_password)
    except sealing.SealError:
        raise KeyRefused("password") from None


@transaction.atomic
def staff_key_rewrap(*, user, private: bytes, password: str) -> None:
    """After a password change: the same key, wrapped by the new password."""
    key = StaffKey.objects.select_for_update().get(user=user)
    if sealing.public_of(private) != bytes(key.public_key):
        raise KeyRefused("foreign")
    for name, value in _password_wrapped(private, password).items():
        setattr(key, name, value)
    key.save()


@transaction.atomic
def staff_key_recover(*, user, recovery_key: str, password: str) -> bytes:
    """The user's key opened with their recovery key, and wrapped again by `password` (the
    password they signed in with after a reset). KeyRefused("recovery") if it does not open."""
    key = StaffKey.objects.select_for_update().filter(user=user).first()
    if key is None:
        raise KeyRefused("no-key")
    try:
        private = sealing.unlock(_recovery_key(recovery_key, STAFF_RECOVERY),
                                 key.private_by_recovery)
    except sealing.SealError:
        raise KeyRefused("recovery") from None
    for name, value in _password_wrapped(private, password).items():
        setattr(key, name, value)
    key.save()
    return private


# ---------------------------------------------------------------------------------------------
# Organisation keys and grants


def organization_key_current(organization) -> OrganizationKey | None:
    """The key new threads of the organisation are sealed to: its newest."""
    return OrganizationKey.objects.filter(organization=organization).order_by("-id").first()


@transaction.atomic
def organization_key_create(*, organization, member=None) -> tuple[OrganizationKey, str]:
    """A new key pair for the organisation; returns it and the organisation's recovery key to
    show once. With `member` (who must work for it and have a staff key) it is granted to them
    at once; without (`manage.py organization_key`, run by an operator) only the recovery key
    opens it until someone is granted with it. A second key (a rotation) serves new threads;
    older threads keep the key they were sealed to."""
    staff_key = _member_staff_key(organization, member) if member is not None else None
    pair = sealing.keypair()
    recovery = sealing.recovery_key_new()
    organization_key = OrganizationKey.objects.create(
        organization=organization,
        public_key=pair.public,
        private_by_recovery=sealing.lock(_recovery_key(recovery, ORGANIZATION_RECOVERY),
                                         pair.private),
    )
    if staff_key is not None:
        KeyGrant.objects.create(
            organization_key=organization_key, user=member, granted_by=member,
            sealed_private_key=sealing.seal(bytes(staff_key.public_key), pair.private),
        )
    return organization_key, recovery


def _member_staff_key(organization, member) -> StaffKey:
    if not Membership.objects.filter(organization=organization, user=member).exists():
        raise KeyRefused("not-a-member")
    if not member.is_active:
        raise KeyRefused("inactive")
    staff_key = StaffKey.objects.filter(user=member).first()
    if staff_key is None:
        raise KeyRefused("no-key")
    return staff_key


def organization_private(*, organization_key: OrganizationKey, user, private: bytes) -> bytes:
    """The organisation's private key through the user's grant, opened with their private key.
    KeyRefused("no-grant") when they hold none."""
    grant = KeyGrant.objects.filter(organization_key=organization_key, user=user).first()
    if grant is None:
        raise KeyRefused("no-grant")
    try:
        return sealing.unseal(private, grant.sealed_private_key)
    except sealing.SealError:
        raise KeyRefused("foreign") from None


def organization_private_by_recovery(*, organization_key: OrganizationKey,
                                     recovery_key: str) -> bytes:
    try:
        return sealing.unlock(_recovery_key(recovery_key, ORGANIZATION_RECOVERY),
                              organization_key.private_by_recovery)
    except sealing.SealError:
        raise KeyRefused("recovery") from None


@transaction.atomic
def grant_create(*, organization_key: OrganizationKey, organization_private_key: bytes, member,
                 granted_by) -> KeyGrant:
    """Seal the organisation's private key (opened by `granted_by`, or by the recovery key) to
    a member. KeyRefused if the key given is not this organisation's, or the member may not
    hold it."""
    if sealing.public_of(organization_private_key) != bytes(organization_key.public_key):
        raise KeyRefused("foreign")
    staff_key = _member_staff_key(organization_key.organization, member)
    grant, _ = KeyGrant.objects.update_or_create(
        organization_key=organization_key, user=member,
        defaults={
            "sealed_private_key": sealing.seal(bytes(staff_key.public_key),
                                               organization_private_key),
            "granted_by": granted_by,
        },
    )
    return grant


def grants_pass_on(*, organization, granted_by, private: bytes, member) -> int:
    """Give `member` every key of the organisation that `granted_by` holds (the current one and
    older ones, which older threads are sealed to). Returns how many; KeyRefused("no-grant")
    if `granted_by` holds none."""
    given = 0
    for organization_key in OrganizationKey.objects.filter(organization=organization,
                                                           grants__user=granted_by):
        organization_private_key = organization_private(
            organization_key=organization_key, user=granted_by, private=private)
        grant_create(organization_key=organization_key,
                     organization_private_key=organization_private_key, member=member,
                     granted_by=granted_by)
        given += 1
    if not given:
        raise KeyRefused("no-grant")
    return given


def granted_user_ids(organization) -> set[int]:
    """Who holds a grant of the organisation's current key (nobody when it has none)."""
    current = organization_key_current(organization)
    if current is None:
        return set()
    return set(current.grants.values_list("user_id", flat=True))


def holds_current_key(organization, user) -> bool:
    return user.pk in granted_user_ids(organization)


def grants_waiting(organization) -> list[Membership]:
    """Members of the organisation who have signed in once (they have a staff key) but hold no
    grant of its current key."""
    memberships = (Membership.objects.filter(organization=organization, user__is_active=True,
                                             user__staff_key__isnull=False)
                   .select_related("user").order_by("user__username"))
    granted = granted_user_ids(organization)
    return [membership for membership in memberships if membership.user_id not in granted]


def grants_revoke(*, organization_id, user_id) -> int:
    """A member leaves: their grants of every key of the organisation are deleted
    (accounts.signals, whenever a membership is deleted)."""
    deleted, _ = KeyGrant.objects.filter(organization_key__organization_id=organization_id,
                                         user_id=user_id).delete()
    return deleted
