"""What the fuzzer (proof/fuzz.py) needs inside the site before it starts: staff users at each
sign-in step, and referrals whose mailboxes it may open, write to and forget."""

from django.contrib.auth import get_user_model
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from directory.models import Service
from referrals import services
from referrals.models import MailboxMessage, Referral


def prepare(password: str, suffix: str, demo: str, keepers: int, disposable: int) -> dict:
    """Three staff users (one to verify a second factor, one to sign in, one to enrol), with
    `keepers` referrals of the service `demo` that have provider replies (the first closed) and
    `disposable` ones the fuzzer may forget; returns their names and codenames."""
    user_model = get_user_model()
    staff = {"password": password}
    for role, device in (("verify", True), ("login", True), ("enrol", False)):
        user = user_model.objects.create_user(f"fuzz-{role}-{suffix}", password=password,
                                              is_staff=True)
        staff[role] = user.username
        if device:
            TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
            static = StaticDevice.objects.create(user=user, name="Backup codes", confirmed=True)
            for _ in range(3):
                StaticToken.objects.create(device=static, token=StaticToken.random_token())

    service = Service.objects.get(pk=demo)
    kept, forgettable = [], []
    for i in range(keepers):
        referral, codename = services.referral_create(
            service=service, message=f"Fuzz run mailbox {i}: I would like to talk to someone.")
        replies = [MailboxMessage.objects.create(
            referral=referral, sender=MailboxMessage.Sender.PROVIDER,
            body_encrypted=services.thread_text_seal(
                referral, f"A reply from the service, number {j}.")).pk
            for j in range(3)]
        if i == 0:
            Referral.objects.filter(pk=referral.pk).update(state=Referral.State.CLOSED)
        kept.append({"codename": codename, "replies": replies})
    for i in range(disposable):
        forgettable.append(services.referral_create(
            service=service, message=f"Fuzz run mailbox to forget {i}: please help me.")[1])
    return {"staff": staff, "keepers": kept, "disposable": forgettable}
