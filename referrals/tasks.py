import logging

from celery import shared_task

from .delivery import delivery_attempt, outbox_sweep
from .retention import referrals_purge

logger = logging.getLogger(__name__)


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
        delivery_queue(delivery_id)
    return len(ids)


@shared_task
def purge_referrals() -> int:
    """Delete referrals past retention (run daily by beat); see `manage.py purge_referrals`."""
    return referrals_purge()


def delivery_queue(delivery_id: str) -> None:
    """Queue a delivery task. If the broker is down the row stays pending and the sweeper
    queues it later; a visitor's request never fails because of it."""
    try:
        deliver.delay(delivery_id)
    except Exception:  # noqa: BLE001
        logger.warning("could not queue delivery %s now; the sweeper will", delivery_id)
