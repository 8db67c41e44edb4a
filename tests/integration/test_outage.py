"""Redis down for a while: the public pages keep answering 200, referrals sent meanwhile are
answered 200 too, and they reach their provider once Redis is back (DESIGN.md, principle 7).

A short version of `bench/referrals.py --redis-outage 60`: the production stack on loopback
(proof/chaos.py, run_redis_outage) with its own redis-server, which is stopped for
8 s while two visitors browse public pages and three referrals are sent. About 50 s.
"""

import os
import shutil

import pytest

from proof.chaos import ChaosConfig, run_redis_outage

pytestmark = [pytest.mark.worker, pytest.mark.redis, pytest.mark.postgres]

DOWN_SECONDS = 8
REFERRALS = 3


@pytest.fixture
def redis_server():
    if not shutil.which("redis-server"):
        message = "needs redis-server on PATH (Debian: apt-get install redis-server)"
        if os.environ.get("HELPPORTAL_REQUIRE_ALL") == "1":
            pytest.fail(message)
        pytest.skip(message)


def test_public_pages_answer_and_referrals_arrive_after_a_redis_outage(redis_server, tmp_path):
    config = ChaosConfig(
        sweep_after=5,  # the sweeper queues what the broker could not take (beat: every 30 s)
        workdir=tmp_path / "outage",  # logs stay here if the test fails
    )
    report = run_redis_outage(config, down_seconds=DOWN_SECONDS, referrals=REFERRALS,
                              page_pause=0.2, deliver_timeout=120)
    summary = report.summary()
    print(report.text())
    where = f"\n{report.text()}\n(logs: {config.workdir})"

    assert all(status == 200 for status in summary["pages_before_outage"].values()), where
    assert summary["redis_down_for_s"] >= DOWN_SECONDS, where
    assert summary["pages_requested"] >= 2 * len(summary["paths"]), where
    assert summary["pages_not_200"] == 0, where
    assert summary["answered_200"] == REFERRALS, where
    assert summary["referrals_in_db"] == REFERRALS, where
    assert summary["delivered_after_return"] == REFERRALS, where
    assert summary["deliver_seconds_after_return"] is not None, where
    assert summary["lost"] == 0 and summary["duplicated"] == 0, where
    assert summary["undelivered"] == 0 and summary["webhook_leaks"] == 0, where
    assert not summary["unexpected_exits"], where
    assert report.ok, where
