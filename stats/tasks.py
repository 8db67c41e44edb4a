from celery import shared_task

from .services import rollup_run


@shared_task(ignore_result=True)
def rollup() -> dict:
    """Move the Redis counters into daily rows (run every 5 minutes by beat); idempotent."""
    return rollup_run().as_dict()
