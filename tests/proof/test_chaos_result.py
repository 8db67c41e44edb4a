"""CI's one chaos run: the proof reports the figures the test suite's run wrote, held to the
same goals, and refuses a missing file or one from another commit (proof/reliability.py).

No stack: the figures are made up here.
"""

import json

from proof import reliability
from proof.checks import commit

PLAN = {"referrals": 200, "worker_kills": 5, "redis_restarts": 1, "pg_restarts": 1, "rate": 4.0}


def summary(**changes) -> dict:
    figures = {
        "referrals_submitted": 200, "answered_200": 200, "not_200": {}, "retried": 3,
        "lost": 0, "duplicated": 0, "deliveries": {"delivered": 400}, "undelivered": 0,
        "invalid_signatures": 0, "drained_in_s": 12.5, "worker_kills": 5, "redis_restarts": 1,
        "pg_restarts": 1, "events": [],
        "latency_all_ms": {"n": 200, "p50": 40.0, "p95": 3000.0, "max": 40000.0},
        "latency_outside_ms": {"n": 120, "p50": 35.0, "p95": 70.0, "max": 500.0},
    }
    return {**figures, **changes}


def test_the_figures_of_the_test_suites_run_pass_the_proofs_goals(tmp_path):
    path = tmp_path / "chaos-result.json"
    reliability.write_chaos_result(path, summary(), PLAN, source="tests/x.py")

    checks = reliability.reported_chaos(path)

    assert [c.passed for c in checks] == [True] * 6
    assert "from tests/x.py" in checks[0].name


def test_a_lost_referral_in_those_figures_fails_the_proof(tmp_path):
    path = tmp_path / "chaos-result.json"
    reliability.write_chaos_result(path, summary(lost=1), PLAN, source="tests/x.py")

    failed = [c.name for c in reliability.reported_chaos(path) if c.passed is False]

    assert failed == ["chaos: referrals lost"]


def test_no_file_or_a_file_from_another_commit_fails_and_says_why(tmp_path):
    missing = reliability.reported_chaos(tmp_path / "nothing.json")
    path = tmp_path / "old.json"
    path.write_text(json.dumps({"source": "tests/x.py", "commit": "0000000", "finished": "-",
                                "plan": PLAN, "summary": summary()}))
    other = reliability.reported_chaos(path)

    assert [c.passed for c in missing] == [False]
    assert "no chaos result" in missing[0].details[0]
    assert [c.passed for c in other] == [False]
    assert f"not {commit()}" in other[0].details[0]
