"""The roll-up moves Redis counts into daily rows exactly once: run twice, or killed at any
point, it neither loses nor double-counts."""

from datetime import timedelta

import pytest
from django.db import transaction

from stats import services
from stats.models import DailyCount, RollupBatch
from stats.services import record, rollup_run, today
from stats.tasks import rollup

from .factories import count_of

pytestmark = pytest.mark.django_db

KEY = "language=fi|pathway=self|urgent=no"


def counted(n: int) -> None:
    for _ in range(n):
        record("selfcheck_completed", pathway="self", urgent="no", language="fi")
    services.counters_sync()  # counts are written without waiting for Redis to reply


def redis_keys(client, settings) -> list[str]:
    return sorted(client.scan_iter(match=f"{settings.STATS_REDIS_PREFIX}*"))


def test_in_the_embedded_mode_there_is_nothing_to_roll_up():
    counted(2)
    assert rollup_run().as_dict()["batches_applied"] == 0
    assert count_of("selfcheck_completed", KEY) == 2


@pytest.mark.redis
def test_the_rollup_moves_every_count_and_empties_redis(stats_redis, settings):
    counted(5)
    record("mailbox_opened")
    report = rollup.apply().get()
    assert report["counts_moved"] == 6
    assert count_of("selfcheck_completed", KEY, day=today()) == 5
    assert count_of("mailbox_opened", day=today()) == 1
    assert redis_keys(stats_redis, settings) == []


@pytest.mark.redis
def test_running_the_rollup_twice_counts_once(stats_redis):
    counted(3)
    rollup_run()
    second = rollup_run()
    assert second.counts_moved == 0
    assert count_of("selfcheck_completed", KEY) == 3


@pytest.mark.redis
def test_counts_that_arrive_between_runs_are_added_not_replaced(stats_redis):
    counted(3)
    rollup_run()
    counted(4)
    rollup_run()
    assert count_of("selfcheck_completed", KEY) == 7
    assert RollupBatch.objects.count() == 2


@pytest.mark.redis
def test_a_run_killed_after_the_commit_but_before_the_delete_is_not_counted_twice(
    stats_redis, settings
):
    counted(3)
    # The first run gets as far as the database commit and dies before deleting the batch.
    batch_key = services.batch_claim(client=stats_redis, day=today())
    assert services.batch_apply(client=stats_redis, batch_key=batch_key) is True
    assert redis_keys(stats_redis, settings) == [batch_key]
    counted(2)  # meanwhile visitors go on
    report = rollup_run()
    assert report.batches_already_applied == 1
    assert report.batches_applied == 1
    assert count_of("selfcheck_completed", KEY) == 5
    assert redis_keys(stats_redis, settings) == []


@pytest.mark.redis
def test_a_run_killed_before_the_commit_loses_nothing(stats_redis, settings):
    counted(3)
    batch_key = services.batch_claim(client=stats_redis, day=today())
    # The run dies inside its transaction: nothing of it reaches the database.
    with pytest.raises(KeyboardInterrupt), transaction.atomic():
        services.batch_apply(client=stats_redis, batch_key=batch_key)
        raise KeyboardInterrupt
    assert DailyCount.objects.filter(metric="selfcheck_completed").count() == 0
    assert RollupBatch.objects.count() == 0
    report = rollup_run()
    assert report.batches_applied == 1
    assert count_of("selfcheck_completed", KEY) == 3
    assert redis_keys(stats_redis, settings) == []


@pytest.mark.redis
def test_a_run_killed_right_after_claiming_loses_nothing(stats_redis, settings):
    counted(3)
    services.batch_claim(client=stats_redis, day=today())  # renamed, then the run died
    counted(1)
    rollup_run()
    assert count_of("selfcheck_completed", KEY) == 4
    assert redis_keys(stats_redis, settings) == []


@pytest.mark.redis
def test_two_runs_over_the_same_batch_apply_it_once(stats_redis):
    counted(3)
    batch_key = services.batch_claim(client=stats_redis, day=today())
    assert services.batch_apply(client=stats_redis, batch_key=batch_key) is True
    assert services.batch_apply(client=stats_redis, batch_key=batch_key) is False
    assert count_of("selfcheck_completed", KEY) == 3


@pytest.mark.redis
def test_yesterdays_hash_is_rolled_up_under_yesterday(stats_redis, settings):
    yesterday = today() - timedelta(days=1)
    stats_redis.hincrby(f"{settings.STATS_REDIS_PREFIX}{yesterday.isoformat()}",
                        "referral_created|country=FI", 4)
    rollup_run()
    assert count_of("referral_created", "country=FI", day=yesterday) == 4


@pytest.mark.redis
def test_old_batch_ids_are_forgotten(stats_redis, settings):
    old = today() - timedelta(days=settings.STATS_BATCH_KEEP_DAYS + 1)
    RollupBatch.objects.create(batch=f"{old}:old", day=old, applied_on=old)
    rollup_run()
    assert not RollupBatch.objects.filter(batch=f"{old}:old").exists()
