"""Referral bench: submit-to-notified time, and nothing lost or duplicated under chaos.

    .venv/bin/python bench/referrals.py [--referrals 1000] [--worker-kills 20]
                                        [--redis-restarts 3] [--rate 4] [--check]

Run from the project root with the project's virtual environment; needs PostgreSQL (a server
where the postgres user may create databases: DATABASE_URL's server, else 127.0.0.1:5432) and
redis-server on PATH. It starts the whole production stack on loopback with
tests/integration/chaos.py (its own database and redis-server, gunicorn with DEBUG off, a Celery
worker and beat, a webhook receiver for the provider), submits referrals through the real form
while it SIGKILLs the worker and restarts Redis, waits until every delivery is done, and prints
lost, duplicated, re-sends and submit-to-notified p50/p95. Logs and result.json go to
var/chaos/ (recreated on every run). See bench/README.md, "Referral bench".
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

from tests.integration.chaos import ChaosConfig, ChaosError, run_chaos  # noqa: E402

WORKDIR = ROOT / "var" / "chaos"
P95_GOAL_SECONDS = 1.0


class Deadline(Exception):
    """The whole run took longer than its time budget."""


def say(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def goals(summary: dict) -> list[tuple[str, bool]]:
    p95 = summary["latency_outside_ms"]["p95"]
    return [
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--referrals", type=int, default=1000, help="how many to submit (1000)")
    parser.add_argument("--worker-kills", type=int, default=20,
                        help="SIGKILLs of the Celery worker, each followed by a restart (20)")
    parser.add_argument("--redis-restarts", type=int, default=3,
                        help="stops of redis-server for 2-5 s, then a start on its port (3)")
    parser.add_argument("--web-kills", type=int, default=0,
                        help="SIGKILLs of a gunicorn worker process (0)")
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
    if min(args.worker_kills, args.redis_restarts, args.web_kills) < 0:
        parser.error("kills and restarts cannot be negative")
    if not 0 <= args.rate <= 200 or not 1 <= args.threads <= 64:
        parser.error("--rate must be 0..200 and --threads 1..64")
    if not 10 <= args.drain_timeout <= 3600:
        parser.error("--drain-timeout must be 10..3600")

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
    events = args.worker_kills + args.redis_restarts + args.web_kills
    load = args.referrals / args.rate if args.rate else args.referrals / 5
    budget = int(300 + 2 * load + 30 * events + args.drain_timeout + 120)
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
             + f", {args.rate}/s from {args.threads} visitors", "", report.text(), "", "goals"]
    results = goals(summary)
    lines += [f"  {'PASS' if ok else 'FAIL'}  {text}" for text, ok in results]
    print("\n".join(lines), flush=True)
    return 1 if args.check and not all(ok for _, ok in results) else 0


if __name__ == "__main__":
    sys.exit(main())
