from celery import shared_task
from django.contrib.auth import get_user_model
from django.core.mail import send_mail

from .services import audit_purge

SUBJECT = "Helpportal needs an administrator"


@shared_task
def purge_audit_log() -> int:
    """Delete audit entries older than a year (run daily by beat)."""
    return audit_purge()


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def alert_mail(text: str) -> int:
    """Mail an administrator alert (accounts/alerts.py) to every active administrator with an
    email address; how many."""
    recipients = sorted(
        get_user_model().objects.filter(is_superuser=True, is_active=True)
        .exclude(email="").values_list("email", flat=True)
    )
    if recipients:
        send_mail(subject=SUBJECT, message=text, from_email=None, recipient_list=recipients)
    return len(recipients)
