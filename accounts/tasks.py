from celery import shared_task

from .services import audit_purge


@shared_task
def purge_audit_log() -> int:
    """Delete audit entries older than a year (run daily by beat)."""
    return audit_purge()
