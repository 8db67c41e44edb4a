"""What the seized-server check (proof/seized_check.py) needs inside the site: an organisation
whose key a clinician holds, and `count` sealed referrals with a follow-up and a reply each."""

from django.contrib.auth import get_user_model
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.keys import organization_key_create, staff_key_create
from accounts.models import Membership
from directory.models import Organization, Service
from referrals.services import mailbox_visitor_write, referral_create, referral_reply


def prepare(count: int, password: str, tag: str) -> dict:
    """The clinician's username and TOTP secret, and each referral's id and codename."""
    organization = Organization.objects.create(name=f"Seized server clinic {tag} (demo)",
                                               country="FI", demo=True)
    service = Service.objects.create(
        organization=organization, name=f"Seized server service {tag}", languages=["en"],
        service_areas=["FI"], delivery_modes=["online"], audiences=["self"],
        accepts_anonymous_referrals=True,
    )
    clinician = get_user_model().objects.create_user(f"seized-{tag}", password=password,
                                                     is_staff=True)
    device = TOTPDevice.objects.create(user=clinician, name="Authenticator app", confirmed=True)
    Membership.objects.create(user=clinician, organization=organization)
    staff_key_create(user=clinician, password=password)
    organization_key_create(organization=organization, member=clinician)
    referrals = {}
    for n in range(count):
        referral, codename = referral_create(
            service=service, message=f"Seized-words-{tag}-{n:03d}: I need help to stop.",
            contact=f"seized-contact-{tag}-{n:03d}@example.invalid", codename_language="en")
        mailbox_visitor_write(referral=referral, codename=codename,
                              body=f"Seized-follow-up-{tag}-{n:03d}: evenings suit me.")
        referral_reply(actor=clinician, referral=referral,
                       body=f"Seized-reply-{tag}-{n:03d}: you are welcome here.")
        referrals[str(referral.pk)] = codename
    return {"username": clinician.username, "totp": {"key": device.key, "step": device.step,
            "t0": device.t0, "digits": device.digits, "drift": device.drift},
            "referrals": referrals}
