from celery import shared_task


@shared_task
def ping(token: str) -> str:
    """Answer with the token it was given: proof that a worker takes and runs tasks."""
    return f"pong:{token}"
