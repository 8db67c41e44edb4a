"""Nothing lost, nothing duplicated: 200 referrals through the real form while the Celery
worker is SIGKILLed five times, Redis is restarted once and PostgreSQL is restarted once
(DESIGN.md, principle 7).

The whole production stack runs on loopback for this test alone (proof/chaos.py):
a private PostgreSQL cluster initdb'ed for the run (so it can be restarted without touching any
other database), its own redis-server, gunicorn with DEBUG off, a worker, beat, and a webhook
receiver standing in for the provider. While PostgreSQL is down a visitor gets the 503 page and
sends the same form again a moment later, as a person would. About 80 s on two cores.

This is the one chaos run CI makes: with HELPPORTAL_CHAOS_RESULT set (.ci/run sets it), the
run's figures are written to that file, and the short proof reports them against its goals
(`proof --short --chaos-result FILE`, proof/reliability.py) instead of running the chaos again.
"""

import os
import shutil
from pathlib import Path

import pytest

from proof.chaos import ChaosConfig, run_chaos
from proof.postgres import private_postgres_missing
from proof.reliability import write_chaos_result

pytestmark = [pytest.mark.worker, pytest.mark.redis, pytest.mark.postgres]

REFERRALS = 200
WORKER_KILLS = 5
REDIS_RESTARTS = 1
PG_RESTARTS = 1


def _needs(message: str) -> None:
    if os.environ.get("HELPPORTAL_REQUIRE_ALL") == "1":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture
def redis_server():
    if not shutil.which("redis-server"):
        _needs("needs redis-server on PATH (Debian: apt-get install redis-server)")


@pytest.fixture
def private_postgres():
    missing = private_postgres_missing()
    if missing:
        _needs(f"a PostgreSQL restart {missing}")


def test_referrals_survive_worker_kills_and_redis_and_postgres_restarts(
        redis_server, private_postgres, tmp_path):
    config = ChaosConfig(
        referrals=REFERRALS,
        threads=4,
        rate=4.0,  # 50 s of submissions, so every kill and restart falls among them
        worker_kills=WORKER_KILLS,
        redis_restarts=REDIS_RESTARTS,
        pg_restarts=PG_RESTARTS,
        sweep_after=10,
        drain_timeout=180,
        workdir=tmp_path / "chaos",  # logs stay here if the test fails
    )
    report = run_chaos(config)
    summary = report.summary()
    if os.environ.get("HELPPORTAL_CHAOS_RESULT"):  # for the proof, before the asserts judge it
        write_chaos_result(
            Path(os.environ["HELPPORTAL_CHAOS_RESULT"]), summary,
            {"referrals": REFERRALS, "worker_kills": WORKER_KILLS,
             "redis_restarts": REDIS_RESTARTS, "pg_restarts": PG_RESTARTS, "rate": config.rate},
            source="tests/integration/test_referral_chaos.py",
        )
    print(report.text())
    where = f"\n{report.text()}\n(logs: {config.workdir})"

    assert summary["private_postgres"], where
    assert summary["worker_kills"] >= WORKER_KILLS, where
    assert summary["redis_restarts"] >= REDIS_RESTARTS, where
    assert summary["pg_restarts"] >= PG_RESTARTS, where
    assert not report.unexpected_exits, where

    # The visitor: every submission finally answered 200 with a codename page (while Redis was
    # down without a retry; while PostgreSQL was down after a 503 and a second send), and each
    # made exactly one referral.
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
