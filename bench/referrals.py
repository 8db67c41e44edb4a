"""Referral bench: submit-to-notified time, and nothing lost or duplicated under chaos.

    .venv/bin/python bench/referrals.py [--referrals 1000] [--worker-kills 20]
                                        [--redis-restarts 3] [--pg-restarts 1] [--rate 4]
                                        [--check]
    .venv/bin/python bench/referrals.py --redis-outage 60 [--outage-referrals 20] [--check]

Run from the project root with the project's virtual environment; needs PostgreSQL (a server
where the postgres user may create databases: DATABASE_URL's server, else 127.0.0.1:5432) and
redis-server on PATH; with --pg-restarts (default 1) or --own-postgres, PostgreSQL's server
binaries instead (a private cluster is initdb'ed for the run). It starts the whole production
stack on loopback with proof/chaos.py (its own database and redis-server, gunicorn
with DEBUG off, a Celery worker and beat, a webhook receiver for the provider), submits
referrals through the real form while it SIGKILLs the worker, restarts Redis and restarts
PostgreSQL, waits until every delivery is done, and prints lost, duplicated, re-sends and
submit-to-notified p50/p95. With --redis-outage SECONDS it instead stops Redis that long,
requests public pages and submits referrals meanwhile, and checks that every page answered 200
and every referral was delivered after Redis returned. Logs and result.json go to var/chaos/
(recreated on every run). See bench/README.md, "Referral bench".
"""

from __future__ import annotations

import argparse
import json
import shutil
import signal
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from proof.chaos import (  # noqa: E402
    ChaosConfig,
    ChaosError,
    run_chaos,
    run_redis_outage,
)

WORKDIR = ROOT / "var" / "chaos"
P95_GOAL_SECONDS = 1.0


class Deadline(Exception):
    """The whole run took longer than its time budget."""


def say(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def goals(summary: dict, asked: dict | None = None) -> list[tuple[str, bool]]:
    p95 = summary["latency_outside_ms"]["p95"]
    asked = asked or {}
    done = {kind: summary[kind] for kind in ("worker_kills", "redis_restarts", "pg_restarts")}
    return [
        ("chaos as asked: " + ", ".join(f"{n} {kind.replace('_', ' ')}" for kind, n in done.items())
         + (f" (asked {asked})" if any(done[k] < asked.get(k, 0) for k in done) else ""),
         all(done[k] >= asked.get(k, 0) for k in done)),
        (f"lost: {summary['lost']} (goal 0)", summary["lost"] == 0),
        (f"duplicated: {summary['duplicated']} (goal 0)", summary["duplicated"] == 0),
        (f"every delivery done, none failed: {summary['deliveries']}",
         summary["undelivered"] == 0 and summary["drained_in_s"] is not None),
        (f"webhook signatures valid: {summary['invalid_signatures']} invalid (goal 0)",
         summary["invalid_signatures"] == 0),
        (f"submits answered 200: {summary['answered_200']} of "
         f"{summary['referrals_submitted']}"
         + (f", other: {summary['not_200']}" if summary["not_200"] else ""),
         summary["answered_200"] == summary["referrals_submitted"]),
        ("submit -> notified p95 outside outage windows: "
         + ("-" if p95 is None else f"{p95 / 1000:.3f} s")
         + f" (goal <= {P95_GOAL_SECONDS:.0f} s)",
         p95 is not None and p95 <= P95_GOAL_SECONDS * 1000),
    ]


def outage_goals(summary: dict) -> list[tuple[str, bool]]:
    n = summary["referrals_submitted"]
    took = summary["deliver_seconds_after_return"]
    return [
        (f"public pages answered 200 while Redis was down: "
         f"{summary['pages_requested'] - summary['pages_not_200']} of "
         f"{summary['pages_requested']}, not 200: {summary['pages_not_200']} (goal 0)"
         + (f" {summary['page_statuses']}" if summary["pages_not_200"] else ""),
         summary["pages_requested"] > 0 and summary["pages_not_200"] == 0),
        (f"referrals submitted during the outage answered 200: {summary['answered_200']} of {n}"
         + (f", other: {summary['not_200']}" if summary["not_200"] else ""),
         summary["answered_200"] == n),
        (f"delivered after Redis returned: {summary['delivered_after_return']} of {n}"
         + ("" if took is None else f", the last {took} s after it answered") + " (goal all)",
         summary["delivered_after_return"] == n and summary["undelivered"] == 0),
        (f"lost: {summary['lost']} (goal 0)", summary["lost"] == 0),
        (f"duplicated: {summary['duplicated']} (goal 0)", summary["duplicated"] == 0),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--referrals", type=int, default=1000, help="how many to submit (1000)")
    parser.add_argument("--worker-kills", type=int, default=20,
                        help="SIGKILLs of the Celery worker, each followed by a restart (20)")
    parser.add_argument("--redis-restarts", type=int, default=3,
                        help="stops of redis-server for 2-5 s, then a start on its port (3)")
    parser.add_argument("--web-kills", type=int, default=0,
                        help="SIGKILLs of a gunicorn worker process (0)")
    parser.add_argument("--pg-restarts", type=int, default=1,
                        help="fast stops of the run's own PostgreSQL cluster for 1-3 s, then a "
                             "start (1); more than 0 means --own-postgres")
    parser.add_argument("--own-postgres", action="store_true",
                        help="initdb a private PostgreSQL cluster for the run instead of a "
                             "database on the shared server")
    parser.add_argument("--redis-outage", type=float, default=None, metavar="SECONDS",
                        help="instead of the chaos run: stop Redis this long, request public "
                             "pages and submit referrals meanwhile, check they are delivered")
    parser.add_argument("--outage-referrals", type=int, default=20,
                        help="referrals submitted during --redis-outage (20)")
    parser.add_argument("--rate", type=float, default=4.0,
                        help="submissions started per second, 0 for as fast as possible (4)")
    parser.add_argument("--threads", type=int, default=4, help="concurrent visitors (4)")
    parser.add_argument("--concurrency", type=int, default=2, help="Celery worker processes (2)")
    parser.add_argument("--web-workers", type=int, default=3, help="gunicorn workers (3)")
    parser.add_argument("--sweep-after", type=int, default=10,
                        help="OUTBOX_SWEEP_AFTER_SECONDS; beat sweeps every 30 s (10)")
    parser.add_argument("--drain-timeout", type=int, default=300,
                        help="seconds to wait for every delivery after the load (300)")
    parser.add_argument("--email", action="store_true",
                        help="also deliver the content-free email notice (console backend)")
    parser.add_argument("--receiver-fail-rate", type=float, default=0.0,
                        help="share of webhooks the provider answers 503, to exercise retries")
    parser.add_argument("--seed", type=int, default=None, help="random seed of the chaos plan")
    parser.add_argument("--check", action="store_true",
                        help="exit 1 when a goal is missed")
    args = parser.parse_args()
    if not 1 <= args.referrals <= 100_000:
        parser.error("--referrals must be 1..100000")
    if min(args.worker_kills, args.redis_restarts, args.web_kills, args.pg_restarts) < 0:
        parser.error("kills and restarts cannot be negative")
    if not 0 <= args.rate <= 200 or not 1 <= args.threads <= 64:
        parser.error("--rate must be 0..200 and --threads 1..64")
    if not 10 <= args.drain_timeout <= 3600:
        parser.error("--drain-timeout must be 10..3600")
    if args.redis_outage is not None and not 1 <= args.redis_outage <= 3600:
        parser.error("--redis-outage must be 1..3600 seconds")
    if not 0 <= args.outage_referrals <= 1000:
        parser.error("--outage-referrals must be 0..1000")

    if WORKDIR.exists():
        shutil.rmtree(WORKDIR)
    WORKDIR.mkdir(parents=True)
    config = ChaosConfig(
        referrals=args.referrals,
        threads=args.threads,
        rate=args.rate,
        worker_kills=args.worker_kills,
        redis_restarts=args.redis_restarts,
        web_kills=args.web_kills,
        pg_restarts=0 if args.redis_outage is not None else args.pg_restarts,
        own_postgres=args.own_postgres,
        worker_concurrency=args.concurrency,
        web_workers=args.web_workers,
        sweep_after=args.sweep_after,
        drain_timeout=args.drain_timeout,
        email=args.email,
        receiver_fail_rate=args.receiver_fail_rate,
        seed=args.seed,
        workdir=WORKDIR,
        log=say,
    )

    # Bounded: set-up, the submissions, every event (a worker restart or Redis outage takes
    # seconds), the drain, and slack. Ctrl-C, SIGTERM and the deadline all tear down.
    events = args.worker_kills + args.redis_restarts + args.web_kills + 2 * args.pg_restarts
    load = args.referrals / args.rate if args.rate else args.referrals / 5
    budget = int(300 + 2 * load + 30 * events + args.drain_timeout + 120)
    if args.redis_outage is not None:
        budget = int(300 + args.redis_outage + 120 + args.drain_timeout + 120)
    interrupted = []

    def on_signal(signum, frame):
        if interrupted:  # once: the teardown that follows must not be cut short
            return
        interrupted.append(signum)
        if signum == signal.SIGALRM:
            raise Deadline(f"the bench took longer than its {budget} s budget")
        raise KeyboardInterrupt

    for signum in (signal.SIGALRM, signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, on_signal)
    signal.alarm(budget)
    try:
        if args.redis_outage is not None:
            return outage(config, args)
        report = run_chaos(config)
    except (ChaosError, Deadline) as exc:
        say(f"FAILED: {exc}")
        return 2
    except KeyboardInterrupt:
        say("interrupted; everything stopped and the database dropped")
        return 130
    finally:
        signal.alarm(0)

    summary = report.summary()
    (WORKDIR / "result.json").write_text(json.dumps(summary, indent=2))
    lines = ["", f"Helpportal referral bench: {args.referrals} referrals, "
             f"{args.worker_kills} worker kills, {args.redis_restarts} Redis restarts"
             + (f", {args.web_kills} web kills" if args.web_kills else "")
             + f", {args.pg_restarts} PostgreSQL restarts"
             + f", {args.rate}/s from {args.threads} visitors", "", report.text(), "", "goals"]
    results = goals(summary, {"worker_kills": args.worker_kills,
                              "redis_restarts": args.redis_restarts,
                              "pg_restarts": args.pg_restarts})
    lines += [f"  {'PASS' if ok else 'FAIL'}  {text}" for text, ok in results]
    print("\n".join(lines), flush=True)
    return 1 if args.check and not all(ok for _, ok in results) else 0


def outage(config: ChaosConfig, args) -> int:
    report = run_redis_outage(config, down_seconds=args.redis_outage,
                              referrals=args.outage_referrals,
                              deliver_timeout=args.drain_timeout)
    summary = report.summary()
    summary["page_hits"] = [
        {"path": h.path, "status": h.status, "ms": round(h.seconds * 1000, 1), "error": h.error}
        for h in report.hits if h.status != 200]
    (WORKDIR / "result.json").write_text(json.dumps(summary, indent=2))
    lines = ["", f"Helpportal Redis outage: Redis down {args.redis_outage:g} s, "
             f"{args.outage_referrals} referrals meanwhile", "", report.text(), "", "goals"]
    results = outage_goals(summary)
    lines += [f"  {'PASS' if ok else 'FAIL'}  {text}" for text, ok in results]
    print("\n".join(lines), flush=True)
    return 1 if args.check and not all(ok for _, ok in results) else 0


if __name__ == "__main__":
    sys.exit(main())
