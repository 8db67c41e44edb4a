"""Nothing lost, nothing duplicated: 200 referrals through the real form while the Celery
worker is SIGKILLed five times and Redis is restarted once (DESIGN.md, principle 7).

The whole production stack runs on loopback for this test alone (tests/integration/chaos.py):
its own PostgreSQL database and redis-server, gunicorn with DEBUG off, a worker, beat, and a
webhook receiver standing in for the provider. About two minutes on two cores.
"""

import os
import shutil

import pytest

from .chaos import ChaosConfig, run_chaos

pytestmark = [pytest.mark.worker, pytest.mark.redis, pytest.mark.postgres]

REFERRALS = 200
WORKER_KILLS = 5
REDIS_RESTARTS = 1


@pytest.fixture
def redis_server():
    if not shutil.which("redis-server"):
        message = "needs redis-server on PATH (Debian: apt-get install redis-server)"
        if os.environ.get("HELPPORTAL_REQUIRE_ALL") == "1":
            pytest.fail(message)
        pytest.skip(message)


def test_referrals_survive_worker_kills_and_a_redis_restart(redis_server, tmp_path):
    config = ChaosConfig(
        referrals=REFERRALS,
        threads=4,
        rate=5.0,  # 40 s of submissions, so every kill and the restart fall among them
        worker_kills=WORKER_KILLS,
        redis_restarts=REDIS_RESTARTS,
        sweep_after=10,
        drain_timeout=180,
        workdir=tmp_path / "chaos",  # logs stay here if the test fails
    )
    report = run_chaos(config)
    summary = report.summary()
    print(report.text())
    where = f"\n{report.text()}\n(logs: {config.workdir})"

    assert summary["worker_kills"] >= WORKER_KILLS, where
    assert summary["redis_restarts"] >= REDIS_RESTARTS, where
    assert not report.unexpected_exits, where

    # The visitor: every submission answered 200 with a codename page, even while Redis was
    # down (no 500), and each made exactly one referral.
    assert summary["answered_200"] == REFERRALS, where
    assert summary["not_200"] == {}, where
    assert summary["referrals_in_db"] == REFERRALS, where
    assert summary["unmatched_referrals"] == 0, where
    assert summary["codenames_shown"] == REFERRALS, where
    assert summary["codename_mismatches"] == 0, where

    # The provider: every referral arrived, under one Idempotency-Key, signed, without the
    # visitor's words; and every delivery (inbox and webhook) is marked delivered.
    assert summary["drained_in_s"] is not None, where
    assert report.lost == [], where
    assert report.duplicated == [], where
    assert summary["invalid_signatures"] == 0, where
    assert summary["webhook_leaks"] == 0, where
    assert report.undelivered == [], where
    assert summary["deliveries"] == {"delivered": 2 * REFERRALS}, where
    assert summary["webhook_posts"] == REFERRALS + summary["resends"], where
    assert len(report.latencies) == REFERRALS, where
