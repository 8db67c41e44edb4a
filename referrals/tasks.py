from celery import shared_task

from referrals.services import referrals_purge

from .delivery import delivery_attempt, outbox_sweep, queue


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=None,
             ignore_result=True)
def deliver(self, delivery_id: str) -> str:
    """Deliver one Outbox row; idempotent, safe to run twice or concurrently."""
    outcome, wait = delivery_attempt(delivery_id=delivery_id)
    if outcome == "retry":
        raise self.retry(countdown=wait)
    return outcome


@shared_task(ignore_result=True)
def sweep_outbox() -> int:
    """Queue again every pending delivery whose task was lost (run every 30 s by beat)."""
    ids = outbox_sweep()
    for delivery_id in ids:
        queue(delivery_id)
    return len(ids)


@shared_task
def purge_referrals() -> int:
    """Delete referrals past retention (run daily by beat); see `manage.py purge_referrals`."""
    return referrals_purge()
