"""Statistics fixtures: the counting mode (database, real Redis, or Redis that is down)."""

import os
import socket
import uuid

import pytest


@pytest.fixture(autouse=True)
def _embedded_counting(settings):
    """By default counts go straight to the database, as in the embedded mode."""
    settings.STATS_REDIS_URL = ""


@pytest.fixture
def stats_redis(settings):
    """Counting on the real Redis (REDIS_URL), under a key prefix of this test's own."""
    import redis

    url = os.environ["REDIS_URL"]
    prefix = f"test-stats-{uuid.uuid4().hex[:12]}:"
    settings.STATS_REDIS_URL = url
    settings.STATS_REDIS_PREFIX = prefix
    # One HINCRBY per event, so a test sees each count at once (test_buffer.py covers the
    # buffered mode, with its own flushes).
    settings.STATS_FLUSH_SECONDS = 0
    client = redis.Redis.from_url(url, decode_responses=True)
    yield client
    for key in client.scan_iter(match=f"{prefix}*"):
        client.delete(key)
    client.close()


@pytest.fixture
def redis_down(settings):
    """A Redis address where nothing listens: every counter call fails at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.STATS_REDIS_URL = f"redis://127.0.0.1:{port}/0"
    settings.STATS_FLUSH_SECONDS = 0
    return settings.STATS_REDIS_URL
