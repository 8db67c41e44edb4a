"""Staff personas and their second factor, for tests that need a signed-in staff member.

`sign_in(client, user)` gives a test client a fully signed-in session (password and second
factor), the state a staff member has after /staff/verify/; other suites can use it where
they used `client.force_login(user)`, which alone now reaches only the sign-in pages.
"""

from types import SimpleNamespace

from django.conf import settings
from django.contrib.auth import get_user_model
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import keys, keystore
from accounts.models import StaffKey

PASSWORD = "a long enough staff password 42"


def make_user(username="clinician", *, staff=True, superuser=False, enrolled=True, key=True):
    """A staff member who has signed in before: an authenticator app (`enrolled`) and a staff
    key wrapped by PASSWORD (`key`); key=False is someone whose first sign-in is still ahead."""
    user = get_user_model().objects.create_user(
        username=username, password=PASSWORD, is_staff=staff or superuser, is_superuser=superuser
    )
    if enrolled:
        TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    if key:
        keys.staff_key_create(user=user, password=PASSWORD)
    return user


def device_of(user, *, confirmed=True) -> TOTPDevice:
    return TOTPDevice.objects.get(user=user, confirmed=confirmed)


def code_for(device: TOTPDevice, *, steps_ahead: int = 0) -> str:
    """The code the user's app shows now (or `steps_ahead` 30-second steps later)."""
    device.refresh_from_db()
    value = totp(device.bin_key, device.step, device.t0, device.digits, device.drift + steps_ahead)
    return str(value).zfill(device.digits)


def sign_in(client, user) -> None:
    """A session signed in with password and second factor, without going through the forms."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    if StaffKey.objects.filter(user=user).exists():  # the key the password step would open
        request = SimpleNamespace(session=session)
        keystore.keystore_put(request, keys.staff_key_open(user=user, password=PASSWORD))
        client.cookies[settings.STAFF_KEY_COOKIE_NAME] = getattr(request,
                                                                 keystore.PENDING_COOKIE)
    session.save()


def password_step(client, username, password=PASSWORD, **extra):
    return client.post("/staff/login/", {"username": username, "password": password}, **extra)


def code_step(client, code, **extra):
    return client.post("/staff/verify/", {"code": code}, **extra)
