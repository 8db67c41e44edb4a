"""Passkeys (WebAuthn) as a second factor, with django-otp-webauthn: beside the authenticator
app and the backup codes, never instead of the password (the password unwraps the staff key,
accounts/keys.py, so passwordless sign-in is off: OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN).

The relying party is this site as the request reached it: its host (ALLOWED_HOSTS has vetted
it) unless WEBAUTHN_RP_ID names one, and the one origin a ceremony may come from is this
site's own, unless WEBAUTHN_ORIGINS lists them. A registration or sign-in whose client data
names another origin is refused by py_webauthn (tests/e2e/test_passkeys.py).
"""

from django.conf import settings
from django.utils.translation import gettext as _
from django_otp_webauthn.helpers import WebAuthnHelper
from django_otp_webauthn.models import WebAuthnCredential


def relying_party_id(request) -> str:
    """WEBAUTHN_RP_ID, else the host this request came to, without its port."""
    return settings.WEBAUTHN_RP_ID or request.get_host().rsplit(":", 1)[0]


class PasskeyHelper(WebAuthnHelper):
    def get_allowed_origins(self) -> list[str]:
        if settings.WEBAUTHN_ORIGINS:
            return list(settings.WEBAUTHN_ORIGINS)
        return [f"{self.request.scheme}://{self.request.get_host()}"]

    def create_credential(self, user, *args, **kwargs):
        """A new passkey is named "Passkey 2" and so on; its owner renames it on their
        account page ("Work laptop", "Phone")."""
        device = super().create_credential(user, *args, **kwargs)
        device.name = _("Passkey %(number)s") % {"number": passkeys_of(user).count() + 1}
        return device


def passkeys_of(user):
    """A staff member's passkeys, newest first."""
    return WebAuthnCredential.objects.filter(user=user, confirmed=True).order_by("-pk")


def has_passkey(user) -> bool:
    return passkeys_of(user).exists()
