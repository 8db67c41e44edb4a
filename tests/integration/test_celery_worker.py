"""A real Celery worker process takes a task from Redis and runs it."""

import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

import pytest
from celery import Celery

pytestmark = [pytest.mark.worker, pytest.mark.redis]

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def worker_queue():
    """Start `celery worker` on a queue of its own, so no other worker can take the task."""
    queue = f"test-{secrets.token_hex(4)}"
    env = dict(os.environ, CELERY_TASK_ALWAYS_EAGER="0")
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "helpportal", "worker", "-Q", queue,
         "--concurrency", "1", "--pool", "prefork", "--without-heartbeat",
         "--without-gossip", "--without-mingle", "-l", "info"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        yield queue
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_a_worker_process_runs_a_task_sent_through_redis(worker_queue):
    url = os.environ["REDIS_URL"]
    client = Celery("probe", broker=url, backend=url)
    client.conf.update(task_serializer="json", accept_content=["json"], result_serializer="json")
    token = secrets.token_hex(8)
    started = time.monotonic()
    result = client.send_task("helpportal.tasks.ping", args=[token], queue=worker_queue)
    assert result.get(timeout=60) == f"pong:{token}"
    assert time.monotonic() - started < 60


def test_the_app_is_configured_for_late_acks_and_json():
    from helpportal.celery import app

    conf = app.conf
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.task_serializer == "json"
    assert conf.accept_content == ["json"]
    assert conf.broker_transport_options["visibility_timeout"] > conf.task_time_limit
