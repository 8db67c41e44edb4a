from celery import shared_task
from django.db import transaction

from .services import texts_publish_due


@shared_task
def publish_scheduled() -> int:
    """Publish texts in review whose publish time has passed (run every minute by beat)."""
    with transaction.atomic():
        return texts_publish_due()
