"""Statistics benchmark: what counting costs a page, and how long the roll-up takes.

    .venv/bin/python bench/stats.py [--requests 2000] [--rounds 7] [--increments 10000000]
                                    [--redis-url redis://127.0.0.1:6379/1] [--check]

Run from the project root with the project's virtual environment and a Redis server (the
production counting path is measured). Everything it makes lives in var/bench-stats/ (an
SQLite database and collected static files, recreated on every run) and under Redis keys
starting "bench-stats-" (deleted at the end). See docs/statistics.md, "Benchmark".

1. record() on a page: the same page is requested in-process through Django's full WSGI
   handler and middleware (DEBUG off, Redis cache and Redis counters), in alternating rounds
   with the page's record() call on and replaced by a no-op; the ratio of the median time per
   request, on / off, must be <= 1.05. The pathway step page is the worst case: it is served
   from the render cache, so the count is a large share of its work.
2. Roll-up: N increments (HINCRBY by 1, in pipelines) spread over realistic fields of one
   day's hash, then the roll-up task's function is timed; goal <= 60 s for 10 million. The
   daily rows are checked to add up to N. Its cost follows the number of fields, so the same
   N is then rolled up from a week of hashes with every country in every breakdown.
"""

from __future__ import annotations

import argparse
import base64
import io
import os
import random
import secrets
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "var" / "bench-stats"
RECORD_GOAL = 1.05
ROLLUP_GOAL_SECONDS = 60.0
PIPELINE = 10_000


def configure(redis_url: str, prefix: str) -> None:
    """Production-mode settings, with a database of the bench's own."""
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    database = BENCH_DIR / "bench.sqlite3"
    for stale in BENCH_DIR.glob("bench.sqlite3*"):
        stale.unlink()
    for key in [k for k in os.environ if k.startswith(("DATABASE_", "CELERY_", "STATS_"))]:
        del os.environ[key]
    os.environ.update(
        DJANGO_SETTINGS_MODULE="helpportal.settings",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        REFERRAL_KEYS=base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        CODENAME_KEY=secrets.token_hex(32),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="0",
        DATABASE_URL=f"sqlite:///{database}",
        VAR_DIR=str(BENCH_DIR),
        STATIC_ROOT=str(BENCH_DIR / "static"),
        REDIS_URL=redis_url,
        CACHE_KEY_PREFIX=prefix.rstrip(":"),
        STATS_REDIS_PREFIX=prefix,
        CELERY_TASK_ALWAYS_EAGER="1",
        LOG_LEVEL="WARNING",
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    call_command("seed_content", verbosity=0)


# --------------------------------------------------------------------------------------------
# 1. The cost of record() on a page


def wsgi_get(handler, path: str) -> int:
    path, _sep, query = path.partition("?")
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "127.0.0.1",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    status = []
    body = handler(environ, lambda s, headers, exc_info=None: status.append(s))
    for _chunk in body:
        pass
    if hasattr(body, "close"):
        body.close()
    return int(status[0].split()[0])


def per_request(handler, path: str, requests: int) -> float:
    started = time.perf_counter()
    for _ in range(requests):
        wsgi_get(handler, path)
    return (time.perf_counter() - started) / requests


def measure_record(path: str, module, requests: int, rounds: int) -> dict:
    """Seconds per request with `module.record` real and replaced by a no-op, in pairs of
    adjacent rounds (alternating which goes first); the ratio is the median of the pairs'
    ratios, which cancels most of the drift of a busy machine."""
    from django.core.wsgi import get_wsgi_application

    handler = get_wsgi_application()
    real = module.record
    spent = [0.0]

    def timed_record(*args, **kwargs):
        started = time.perf_counter()
        real(*args, **kwargs)
        spent[0] += time.perf_counter() - started

    assert wsgi_get(handler, path) == 200, f"{path} does not answer 200"
    per_request(handler, path, requests)  # warm the render cache, connections, templates
    on, off, ratios = [], [], []
    try:
        for round_number in range(rounds):
            timed = {}
            for mode in (("on", "off") if round_number % 2 == 0 else ("off", "on")):
                module.record = timed_record if mode == "on" else (lambda *args, **kwargs: None)
                timed[mode] = per_request(handler, path, requests)
            on.append(timed["on"])
            off.append(timed["off"])
            ratios.append(timed["on"] / timed["off"])
    finally:
        module.record = real
    inside = spent[0] / (rounds * requests)  # seconds of record() per request, measured inside
    return {
        "path": path,
        "on_ms": statistics.median(on) * 1000,
        "off_ms": statistics.median(off) * 1000,
        "ratio": statistics.median(ratios),
        "record_us": inside * 1e6,
        "share_ratio": statistics.median(on) / (statistics.median(on) - inside),
    }


def measure_record_call(calls: int) -> float:
    from stats.services import record

    started = time.perf_counter()
    for _ in range(calls):
        record("pathway_step_reached", pathway="self", step=3, language="en")
    return (time.perf_counter() - started) / calls


# --------------------------------------------------------------------------------------------
# 2. The roll-up of N increments


def realistic_fields(rng: random.Random) -> tuple[list[str], list[float]]:
    """The fields a busy day has, each with a weight: pages and steps far more than referrals."""
    from stats import metrics

    languages = list(metrics.LANGUAGE.listed())
    countries = ["FI", "SE", "NO", "DK", "EE", "DE", "GB", "IE", "NL", "BE", "FR", "ES", "IT",
                 "PL", "US", "CA", "AU", "NZ", "AT", "CH"]
    fields: list[tuple[str, dict, float]] = []
    for kind in metrics.KIND.listed():
        for language in languages:
            fields.append(("page_view", {"kind": kind, "language": language}, 40))
    for pathway, steps in (("self", 10), ("someone-else", 6), ("parents", 6),
                           ("young-people", 6)):
        for step in range(1, steps + 1):
            for language in languages:
                fields.append(("pathway_step_reached",
                               {"pathway": pathway, "step": step, "language": language},
                               20 / step))
    for pathway in metrics.SELFCHECK_PATHWAY.listed():
        for urgent in ("yes", "no"):
            for language in languages:
                fields.append(("selfcheck_completed",
                               {"pathway": pathway, "urgent": urgent, "language": language}, 4))
    for country in [*countries, "any"]:
        for language in languages:
            fields.append(("directory_search", {"country": country, "language": language}, 2))
    for country in countries:
        fields.append(("referral_created", {"country": country}, 0.3))
        fields.append(("referral_acknowledged", {"country": country}, 0.25))
    for campaign in ("search-warning", "platform-a", "platform-b"):
        for language in languages:
            fields.append(("landing", {"campaign": campaign, "language": language}, 6))
    fields.append(("mailbox_opened", {}, 1))
    keys, weights = [], []
    for metric, dims, weight in fields:
        key = metrics.field_for(metric, dims)
        assert key is not None, (metric, dims)
        keys.append(key)
        weights.append(weight * rng.uniform(0.5, 1.5))
    return keys, weights


def fill(client, key: str, increments: int, seed: int = 1) -> tuple[int, float]:
    rng = random.Random(seed)  # noqa: S311 (made-up traffic, not a secret)
    fields, weights = realistic_fields(rng)
    started = time.perf_counter()
    done = 0
    while done < increments:
        batch = min(PIPELINE, increments - done)
        pipe = client.pipeline(transaction=False)
        for field in rng.choices(fields, weights, k=batch):
            pipe.hincrby(key, field, 1)
        pipe.execute()
        done += batch
    return len(fields), time.perf_counter() - started


def measure_rollup(increments: int) -> dict:
    from django.db.models import Sum

    from stats.models import DailyCount
    from stats.services import day_key, redis_client, rollup_run, today

    client = redis_client()
    rollup_run()  # the counts of part 1 go first, so that the day's hash holds only the fill
    DailyCount.objects.all().delete()
    fields, fill_seconds = fill(client, day_key(today()), increments)
    started = time.perf_counter()
    report = rollup_run()
    seconds = time.perf_counter() - started
    stored = DailyCount.objects.aggregate(total=Sum("count"))["total"] or 0
    return {
        "increments": increments,
        "fields": fields,
        "fill_seconds": fill_seconds,
        "rollup_seconds": seconds,
        "moved": report.counts_moved,
        "stored": stored,
    }


def measure_wide_rollup(total: int, days: int = 7) -> dict:
    """The roll-up's cost follows the number of fields, not of increments: a week's hashes
    (the roll-up stopped for a week) with every country in every country breakdown, filled
    with HINCRBY by larger amounts so that the filling is quick."""
    import pycountry
    from django.db.models import Sum

    from stats import metrics
    from stats.models import DailyCount
    from stats.services import day_key, redis_client, rollup_run, today

    client = redis_client()
    rollup_run()
    DailyCount.objects.all().delete()
    rng = random.Random(2)  # noqa: S311 (made-up traffic, not a secret)
    fields, _weights = realistic_fields(rng)
    for country in sorted(c.alpha_2 for c in pycountry.countries):
        for language in metrics.LANGUAGE.listed():
            fields.append(metrics.field_for("directory_search",
                                            {"country": country, "language": language}))
        fields.append(metrics.field_for("referral_created", {"country": country}))
        fields.append(metrics.field_for("referral_acknowledged", {"country": country}))
    fields = list(dict.fromkeys(fields))
    per_field, rest = divmod(total, days * len(fields))
    pipe = client.pipeline(transaction=False)
    for offset in range(days):
        key = day_key(today() - timedelta(days=offset))
        for index, field in enumerate(fields):
            extra = 1 if offset * len(fields) + index < rest else 0
            pipe.hincrby(key, field, per_field + extra)
    pipe.execute()
    started = time.perf_counter()
    report = rollup_run()
    seconds = time.perf_counter() - started
    stored = DailyCount.objects.aggregate(total=Sum("count"))["total"] or 0
    return {"total": total, "days": days, "fields": len(fields), "rollup_seconds": seconds,
            "moved": report.counts_moved, "stored": stored}


def cleanup(redis_url: str, prefix: str) -> None:
    import redis

    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter(match=f"{prefix.rstrip(':')}*", count=1000):
        client.delete(key)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=500, help="requests per round (500)")
    parser.add_argument("--rounds", type=int, default=21, help="pairs of rounds (21)")
    parser.add_argument("--increments", type=int, default=10_000_000,
                        help="increments to roll up (10000000)")
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL")
                        or "redis://127.0.0.1:6379/1")
    parser.add_argument("--check", action="store_true", help="exit 1 if a goal is missed")
    args = parser.parse_args()

    prefix = f"bench-stats-{secrets.token_hex(4)}:"
    os.chdir(ROOT)
    try:
        configure(args.redis_url, prefix)
        from content import views as content_views
        from referrals import views as referral_views

        print(f"stats bench: {os.cpu_count()} CPUs, load average "
              f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}, Redis {args.redis_url}")
        print(f"record(): {args.rounds} pairs of rounds of {args.requests} requests with and "
              "without the call, in-process WSGI, DEBUG off, Redis cache and counters")
        from django.conf import settings

        failed = False
        default_flush = settings.STATS_FLUSH_SECONDS
        for flush, mode in ((default_flush, "the default: buffered, one pipeline per interval"),
                            (0.0, "one HINCRBY round trip per call")):
            settings.STATS_FLUSH_SECONDS = flush
            call = measure_record_call(20_000)
            print(f"  STATS_FLUSH_SECONDS={flush:g} ({mode}): one record() call in a tight "
                  f"loop {call * 1e6:.1f} us")
            results = [
                measure_record("/en/pathways/self/3/", content_views, args.requests,
                               args.rounds),
                measure_record("/en/find-help/?country=FI", referral_views,
                               max(args.requests // 4, 50), args.rounds),
            ]
            print(f"    {'page':28} {'with ms':>8} {'without ms':>10} {'ratio':>6} "
                  f"{'record us':>9} {'by share':>8}  goal")
            for result in results:
                ok = result["ratio"] <= RECORD_GOAL
                if flush == default_flush:  # the goal applies to the configured mode
                    failed |= not ok
                # "by share": the time spent inside the page's record() calls, timed during the
                # requests, as a ratio: the same figure without the noise of a busy machine.
                print(f"    {result['path']:28} {result['on_ms']:8.3f} {result['off_ms']:10.3f} "
                      f"{result['ratio']:6.3f} {result['record_us']:9.1f} "
                      f"{result['share_ratio']:8.3f}  <= {RECORD_GOAL}  "
                      f"{'PASS' if ok else 'FAIL'}")
        settings.STATS_FLUSH_SECONDS = default_flush

        rollup = measure_rollup(args.increments)
        ok = rollup["rollup_seconds"] <= ROLLUP_GOAL_SECONDS and rollup["stored"] == (
            rollup["increments"]
        )
        failed |= not ok
        print(f"roll-up: {rollup['increments']:,} increments over {rollup['fields']} fields "
              f"(filled in {rollup['fill_seconds']:.1f} s with pipelines of {PIPELINE:,})")
        print(f"  roll-up time {rollup['rollup_seconds']:.3f} s  (goal <= "
              f"{ROLLUP_GOAL_SECONDS:.0f} s)  moved {rollup['moved']:,}, daily rows add up to "
              f"{rollup['stored']:,}  {'PASS' if ok else 'FAIL'}")
        wide = measure_wide_rollup(args.increments)
        ok = wide["rollup_seconds"] <= ROLLUP_GOAL_SECONDS and wide["stored"] == wide["total"]
        failed |= not ok
        print(f"  the same {wide['total']:,} counts over {wide['days']} days x {wide['fields']:,} "
              f"fields (every country): roll-up time {wide['rollup_seconds']:.3f} s, daily rows "
              f"add up to {wide['stored']:,}  {'PASS' if ok else 'FAIL'}")
        return 1 if failed and args.check else 0
    finally:
        cleanup(args.redis_url, prefix)


if __name__ == "__main__":
    sys.exit(main())
