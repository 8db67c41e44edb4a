"""The buffered mode: counts wait in the process and go to Redis as one pipeline."""

import os
import time

import pytest

from stats import services
from stats.services import counters_sync, record, today

from .factories import count_of

pytestmark = [pytest.mark.django_db, pytest.mark.redis]


@pytest.fixture
def buffered(stats_redis, settings):
    # Long enough that the background thread never sends during the test: it flushes here.
    settings.STATS_FLUSH_SECONDS = 3600
    return stats_redis


def day_hash(client, settings) -> dict:
    return client.hgetall(f"{settings.STATS_REDIS_PREFIX}{today().isoformat()}")


def test_buffered_counts_reach_redis_at_the_flush_added_up(buffered, settings):
    for _ in range(5):
        record("referral_created", country="FI")
    record("mailbox_opened")
    assert day_hash(buffered, settings) == {}
    counters_sync()
    assert day_hash(buffered, settings) == {"referral_created|country=FI": "5",
                                            "mailbox_opened": "1"}


def test_the_background_thread_sends_the_buffer_by_itself(stats_redis, settings):
    settings.STATS_FLUSH_SECONDS = 0.05
    record("mailbox_opened")
    deadline = time.monotonic() + 5
    while not day_hash(stats_redis, settings) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert day_hash(stats_redis, settings) == {"mailbox_opened": "1"}


def test_a_buffer_that_cannot_reach_redis_is_counted_as_dropped(buffered, settings, redis_down):
    settings.STATS_FLUSH_SECONDS = 3600
    for _ in range(4):
        record("mailbox_opened")
    counters_sync()
    assert count_of("stats_dropped") == 4


def test_the_roll_up_sends_its_own_process_buffer_first(buffered):
    for _ in range(3):
        record("referral_created", country="SE")
    services.rollup_run()
    assert count_of("referral_created", "country=SE") == 3


def test_a_forked_child_starts_with_an_empty_buffer(buffered):
    record("mailbox_opened")
    pid = os.fork()
    if pid == 0:  # the child: the parent's unsent count is not its to send
        os._exit(0 if services._buffer.counts == {} else 1)
    _pid, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert sum(services._buffer.counts.values()) == 1
