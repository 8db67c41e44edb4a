"""Reliability part of the proof: the referral chaos run and a Redis outage, each on a
production stack of its own (proof/chaos.py), with a private PostgreSQL cluster so
that it can be restarted.

The chaos run is long, and the test suite runs one too (tests/integration/
test_referral_chaos.py: 200 referrals, 5 worker kills, 1 Redis and 1 PostgreSQL restart). CI
runs it once: the test writes its figures to the file named by HELPPORTAL_CHAOS_RESULT, and
`proof --short --chaos-result FILE` holds those figures to the same goals as its own run
(and says in every check's name where they came from) instead of running the chaos again. A
missing file, one from another commit, or figures that miss a goal fail the check.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from .chaos import ChaosConfig, run_chaos, run_redis_outage
from .checks import Check, commit, failed

P95_GOAL_SECONDS = 1.0

FULL = {"referrals": 1000, "worker_kills": 20, "redis_restarts": 3, "pg_restarts": 1,
        "rate": 4.0, "outage_seconds": 60.0, "outage_referrals": 20}
SHORT = {"referrals": 200, "worker_kills": 1, "redis_restarts": 1, "pg_restarts": 1,
         "rate": 8.0, "outage_seconds": 10.0, "outage_referrals": 3}


def write_chaos_result(path: Path, summary: dict, plan: dict, source: str) -> None:
    """The figures of a chaos run made elsewhere (the test suite), for --chaos-result."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({
        "source": source, "commit": commit(),
        "finished": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
        "plan": plan, "summary": summary,
    }, indent=2))


def reported_chaos(path: Path) -> list[Check]:
    """The chaos checks on the figures another run wrote (write_chaos_result), not a run."""
    name = "chaos run (figures from the test suite)"
    try:
        result = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        return [failed("reliability", name, "0 lost, 0 duplicated",
                       RuntimeError(f"no chaos result in {path}: {exc}"))]
    if result.get("commit") != commit():
        return [failed("reliability", name, "0 lost, 0 duplicated", RuntimeError(
            f"{path} is from commit {result.get('commit')}, not {commit()}"))]
    where = f"from {result['source']}, {result['finished']}"
    return chaos_checks(result["summary"], result["plan"], where=where)


def chaos_checks(summary: dict, plan: dict, where: str = "") -> list[Check]:
    part = "reliability"
    title = (f"chaos run ({plan['referrals']} referrals, {summary['worker_kills']} worker kills, "
             f"{summary['redis_restarts']} Redis restarts, {summary['pg_restarts']} PostgreSQL "
             "restarts" + (f"; {where}" if where else "") + ")")
    p95 = summary["latency_outside_ms"]["p95"]
    events_done = (summary["worker_kills"] == plan["worker_kills"]
                   and summary["redis_restarts"] == plan["redis_restarts"]
                   and summary["pg_restarts"] == plan["pg_restarts"])
    return [
        Check(part, f"{title}: events carried out",
              f"{summary['worker_kills']} / {summary['redis_restarts']} / "
              f"{summary['pg_restarts']}",
              f"{plan['worker_kills']} / {plan['redis_restarts']} / {plan['pg_restarts']}",
              events_done, [json.dumps(event) for event in summary["events"]]),
        Check(part, "chaos: referrals lost", str(summary["lost"]), "0", summary["lost"] == 0),
        Check(part, "chaos: referrals duplicated", str(summary["duplicated"]), "0",
              summary["duplicated"] == 0),
        Check(part, "chaos: submissions finally answered 200",
              f"{summary['answered_200']} of {summary['referrals_submitted']} "
              f"({summary['retried']} sent again after a 503 or a cut connection)",
              "all", summary["answered_200"] == summary["referrals_submitted"],
              [f"not 200: {summary['not_200']}"] if summary["not_200"] else []),
        Check(part, "chaos: every delivery done, signatures valid",
              f"{summary['deliveries']}, {summary['undelivered']} undelivered, "
              f"{summary['invalid_signatures']} invalid signatures",
              "0 undelivered, 0 invalid",
              summary["undelivered"] == 0 and summary["invalid_signatures"] == 0
              and summary["drained_in_s"] is not None),
        Check(part, "chaos: submit -> provider notified, p95 outside outage windows",
              "-" if p95 is None else f"{p95 / 1000:.3f} s "
              f"(p50 {summary['latency_outside_ms']['p50'] / 1000:.3f} s; over all: p95 "
              f"{summary['latency_all_ms']['p95'] / 1000:.3f} s)",
              f"<= {P95_GOAL_SECONDS:.0f} s", p95 is not None and p95 <= P95_GOAL_SECONDS * 1000),
    ]


def outage_checks(summary: dict) -> list[Check]:
    part = "reliability"
    title = f"Redis down {summary['redis_down_for_s']} s"
    return [
        Check(part, f"{title}: public pages not answering 200",
              f"{summary['pages_not_200']} of {summary['pages_requested']} "
              f"({len(summary['paths'])} pages; p95 "
              f"{(summary['page_latency_ms']['p95'] or 0) / 1000:.3f} s)",
              "0 (of > 0)",
              summary["pages_requested"] > 0 and summary["pages_not_200"] == 0,
              [f"statuses: {summary['page_statuses']}",
               f"not 200 by page: {summary['pages_not_200_by_path']}"]),
        Check(part, f"{title}: referrals sent meanwhile, delivered after it returned",
              f"{summary['delivered_after_return']} of {summary['referrals_submitted']}"
              + ("" if summary["deliver_seconds_after_return"] is None
                 else f", the last {summary['deliver_seconds_after_return']} s after Redis "
                      "answered"),
              "all",
              summary["referrals_submitted"] > 0
              and summary["delivered_after_return"] == summary["referrals_submitted"]
              and summary["answered_200"] == summary["referrals_submitted"]
              and summary["lost"] == 0 and summary["duplicated"] == 0),
    ]


def run(out: Path, *, short: bool, log: Callable[[str], None],
        chaos_result: Path | None = None) -> list[Check]:
    """The chaos run (or, with chaos_result, the figures of the one the test suite ran) and
    the Redis outage."""
    plan = SHORT if short else FULL
    checks: list[Check] = []
    chaos_dir, outage_dir = out / "chaos", out / "outage"
    for directory in (chaos_dir, outage_dir):
        shutil.rmtree(directory, ignore_errors=True)
        directory.mkdir(parents=True)

    if chaos_result is not None:
        log(f"reliability: the chaos run's figures from {chaos_result} (not run again)")
        checks += reported_chaos(chaos_result)
    else:
        log(f"reliability: chaos run, {plan['referrals']} referrals")
        checks += _chaos(plan, chaos_dir, log)
    checks += _outage(plan, outage_dir, log)
    return checks


def _chaos(plan: dict, chaos_dir: Path, log: Callable[[str], None]) -> list[Check]:
    checks: list[Check] = []
    try:
        report = run_chaos(ChaosConfig(
            referrals=plan["referrals"], rate=plan["rate"], worker_kills=plan["worker_kills"],
            redis_restarts=plan["redis_restarts"], pg_restarts=plan["pg_restarts"],
            drain_timeout=300.0, workdir=chaos_dir, log=log,
        ))
        summary = report.summary()
        (chaos_dir / "result.json").write_text(json.dumps(summary, indent=2))
        checks += chaos_checks(summary, plan)
    except Exception as exc:  # noqa: BLE001
        checks.append(failed("reliability", "chaos run", "0 lost, 0 duplicated", exc))
    return checks


def _outage(plan: dict, outage_dir: Path, log: Callable[[str], None]) -> list[Check]:
    checks: list[Check] = []
    log(f"reliability: Redis down for {plan['outage_seconds']:.0f} s")
    try:
        outage = run_redis_outage(
            ChaosConfig(workdir=outage_dir, log=log), down_seconds=plan["outage_seconds"],
            referrals=plan["outage_referrals"],
        )
        summary = outage.summary()
        (outage_dir / "result.json").write_text(json.dumps(summary, indent=2))
        checks += outage_checks(summary)
    except Exception as exc:  # noqa: BLE001
        checks.append(failed("reliability", "Redis outage", "pages 200, all delivered", exc))
    return checks
