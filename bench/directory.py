"""Directory bench: the find-help search with 10,000 services, on PostgreSQL, through gunicorn.

    .venv/bin/python bench/directory.py [--services 10000] [--countries 50] [--duration 10]
                                        [--connections 16] [--rounds 3] [--workers N]

Run from the project root with the project's virtual environment, with PostgreSQL and Redis
on loopback (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/
helpportal_bench_directory, dropped and made afresh; BENCH_REDIS_URL, default
redis://127.0.0.1:6379/13, emptied). What it writes lives in var/bench-directory/.

1. Generates an HSDS 3.0 document of --services services of --services/5 organisations in
   --countries countries (each service: one or two countries, one to three languages of
   sixteen, ways of meeting, audiences with ages, cost, intake; the organisation of every third
   has a key, so that "anonymous contact" finds some) with the exporter's own functions, and
   times `manage.py hsds_import` of it (goal: <= 60 s).
2. Measures with wrk, in interleaved rounds, the bare Django view and three runs of the search
   over random filter combinations (country, language, way of meeting, cost, audience,
   anonymous, accepting, and a second page for some), every combination new to its round:
   - mix: visitors' searches, which repeat with a long tail: drawn from --mix combinations,
     the k-th in proportion to 1/k (Zipf), so that each is rendered at its first request,
     all through the run, and reused after. Goals (issue 15): at least 200 distinct
     combinations asked for per round, req/s >= 0.5 x the bare view's, p99 <= 3 x the bare
     view's.
   - burst: --burst combinations requested in turn, all new at the round's start (as right
     after a change of the directory makes every rendered page stale).
   - cold: a new combination for every request (--per-round of them, more than a round
     requests), so that no rendered page is reused and every request runs the search and
     renders.
   - api: the HSDS API's list of services, one page of 50 after another (one run, after the
     rounds).
   burst, cold and api are reported with their ratios, without goals: a page that searches
   and renders cannot answer half as fast as a view that returns "ok".
3. In one process: times the build of the search index (directory.selectors.SearchIndex) and
   a sample of new searches with their queries captured, names the slowest, and prints
   PostgreSQL's EXPLAIN (ANALYZE, BUFFERS) of the build's queries and the slowest search's.

Prints a table and writes var/bench-directory/result.json. See bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: bench/directory.py
    sys.path.insert(0, str(ROOT))

from bench.web import BenchError, fetch, production_env, say, wait_until_up  # noqa: E402
from proof.stack import (  # noqa: E402
    LOOPBACK,
    PYTHON,
    StackError,
    find_program,
    free_port,
    gunicorn_process,
    run_manage,
)
from proof.wrk import interleaved, median_run, parse_wrk, ratio  # noqa: E402

BENCH_DIR = ROOT / "var" / "bench-directory"
DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/helpportal_bench_directory"
)
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
IMPORT_GOAL_SECONDS = 60
THROUGHPUT_GOAL = 0.5  # search req/s over bare req/s, at least
MIX_MINIMUM = 200  # distinct combinations a round of the mix must ask for (issue 15)
MIX_SEQUENCE = 100_000  # requests drawn for each round of the mix, more than a round asks
P99_GOAL = 3.0  # search p99 over bare p99, at most

# Fifty countries (ISO 3166-1) and sixteen languages (ISO 639-1) of the generated directory.
COUNTRIES = [
    "FI",
    "SE",
    "NO",
    "DK",
    "IS",
    "EE",
    "LV",
    "LT",
    "PL",
    "DE",
    "NL",
    "BE",
    "LU",
    "FR",
    "ES",
    "PT",
    "IT",
    "MT",
    "GR",
    "CY",
    "AT",
    "CH",
    "CZ",
    "SK",
    "HU",
    "SI",
    "HR",
    "RO",
    "BG",
    "IE",
    "GB",
    "US",
    "CA",
    "AU",
    "NZ",
    "JP",
    "KR",
    "IN",
    "BR",
    "MX",
    "AR",
    "CL",
    "CO",
    "ZA",
    "KE",
    "NG",
    "EG",
    "MA",
    "TR",
    "IL",
]
LANGUAGES = [
    "en",
    "fi",
    "sv",
    "no",
    "da",
    "de",
    "nl",
    "fr",
    "es",
    "pt",
    "it",
    "pl",
    "cs",
    "hu",
    "el",
    "tr",
]
MODES = ("online", "phone", "video", "in_person")
COSTS = ("free", "low", "paid")
AUDIENCES = ("self", "someone-else", "parents", "young-people")
INTAKES = ("accepting", "accepting", "waitlist", "closed")

# wrk's script: every thread requests its own share of the list of paths, in order.
WRK_SCRIPT = """
local counter = 0
function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end
function init(args)
  paths = {}
  for line in io.lines(args[1]) do paths[#paths + 1] = line end
  step = tonumber(args[2])
  index = id
end
function request()
  local path = paths[(index % #paths) + 1]
  index = index + step
  return wrk.format("GET", path)
end
"""


# --------------------------------------------------------------------------------------------
# The generated directory (run in Django: `bench/directory.py --generate FILE`)


def generate(path: Path, services: int, countries: int, seed: int) -> dict:
    """Write an HSDS document as hsds_export writes one, from unsaved rows made up here."""
    import django

    django.setup()
    from directory.hsds import document_dumps, organization_to_hsds, service_to_hsds
    from directory.models import Organization, Service

    rng = random.Random(seed)  # noqa: S311 (made-up data, repeatable)
    chosen = COUNTRIES[:countries]
    organizations = []
    per_organization = 5
    for number in range((services + per_organization - 1) // per_organization):
        country = chosen[number % len(chosen)]
        organization = Organization(
            id=uuid.UUID(int=rng.getrandbits(128), version=4),
            name=f"Bench organisation {number:05d} ({country})",
            description="A generated organisation of the directory bench.",
            country=country,
            demo=True,
        )
        rows = []
        for index in range(min(per_organization, services - number * per_organization)):
            areas = {country} | ({rng.choice(chosen)} if rng.random() < 0.2 else set())
            audiences = rng.sample(AUDIENCES, rng.randint(1, 3))
            minimum, maximum = None, None
            if "young-people" in audiences and rng.random() < 0.5:
                minimum, maximum = rng.choice([(12, 17), (13, 25), (None, 17)])
            elif rng.random() < 0.4:
                minimum = 18
            service = Service(
                id=uuid.UUID(int=rng.getrandbits(128), version=4),
                organization=organization,
                name=f"Bench service {number:05d}-{index} ({country})",
                description="A generated service of the directory bench. " * 3,
                status="active" if rng.random() < 0.9 else "temporarily closed",
                intake=rng.choice(INTAKES),
                reply_days=rng.choice([None, 2, 3, 5, 10]),
                delivery_modes=rng.sample(MODES, rng.randint(1, 3)),
                languages=sorted({"en"} | set(rng.sample(LANGUAGES, rng.randint(0, 2)))),
                service_areas=sorted(areas),
                cost=rng.choice(COSTS),
                eligibility_description="Anyone who asks.",
                minimum_age=minimum,
                maximum_age=maximum,
                audiences=audiences,
                accepts_anonymous_referrals=rng.random() < 0.7,
            )
            # An unsaved service has no texts or locations to read: say so, not query.
            service._prefetched_objects_cache = {"texts": [], "locations": []}
            rows.append(service_to_hsds(service, locations=[]))
        data = organization_to_hsds(organization)
        data["services"] = rows
        organizations.append(data)
    path.write_text(document_dumps({"organizations": organizations}), encoding="utf-8")
    return {
        "organizations": len(organizations),
        "services": services,
        "countries": len(chosen),
        "bytes": path.stat().st_size,
    }


def give_keys() -> dict:
    """Every third organisation gets a key (placeholder bytes: nothing is sealed in the bench),
    so that the anonymous-contact filter finds services."""
    import django

    django.setup()
    from accounts.models import OrganizationKey
    from directory.models import Organization

    ids = list(Organization.objects.order_by("name").values_list("id", flat=True))[::3]
    OrganizationKey.objects.bulk_create(
        [
            OrganizationKey(organization_id=pk, public_key=bytes(32), private_by_recovery=bytes(48))
            for pk in ids
        ]
    )
    return {"organisations with a key": len(ids)}


def search_paths(countries: list[str], count: int, seed: int) -> list[str]:
    """`count` distinct search URLs: random combinations of the filters (each left out about
    half the time), a tenth of them asking for the second page."""
    rng = random.Random(seed)  # noqa: S311 (made-up data, repeatable)
    found: dict[str, None] = {}
    languages = ("fi", "sv", "en")
    while len(found) < count:
        params = {}
        for name, values in (
            ("country", countries),
            ("language", LANGUAGES),
            ("mode", MODES),
            ("cost", COSTS),
            ("audience", AUDIENCES),
        ):
            if rng.random() < 0.6:
                params[name] = rng.choice(values)
        for name in ("anonymous", "accepting"):
            if rng.random() < 0.3:
                params[name] = "1"
        if rng.random() < 0.1:
            params["page"] = "2"
        found[f"/{rng.choice(languages)}/find-help/?{urlencode(params)}"] = None
    return list(found)


# --------------------------------------------------------------------------------------------
# The slowest search and its plans (run in Django: `bench/directory.py --plans FILE`)


def plans(paths_file: Path, sample: int) -> dict:
    """Time the search index's build, then request `sample` of the searches through Django's
    test client, each with its queries captured; return the slowest, with PostgreSQL's
    EXPLAIN (ANALYZE, BUFFERS) of each query of the build and of that search."""
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from directory.selectors import SearchIndex, directory_version

    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        index = SearchIndex(directory_version())
        build_seconds = time.perf_counter() - started
    build_queries = [query["sql"] for query in captured.captured_queries]
    paths = paths_file.read_text().split()[:sample]
    client = Client(HTTP_HOST="127.0.0.1")
    client.get(paths[0])  # this process's index, as a worker has it after its first search
    timed = []
    for path in paths[1:]:
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(path)
            elapsed = time.perf_counter() - started
        if response.status_code != 200:
            raise BenchError(f"{path} answered {response.status_code}")
        queries = [query["sql"] for query in captured.captured_queries]
        timed.append((elapsed, path, queries))
    timed.sort(reverse=True)
    elapsed, path, queries = timed[0]

    def explain(sqls: list[str]) -> list[dict]:
        explained = []
        with connection.cursor() as cursor:
            for sql in sqls:
                # A read through .iterator() is a server-side cursor: explain its query.
                sql = re.sub(r"^DECLARE .*? CURSOR WITH HOLD FOR ", "", sql)
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
                explained.append({"sql": sql, "plan": [row[0] for row in cursor.fetchall()]})
        return explained

    times = sorted(item[0] * 1000 for item in timed)
    return {
        "index_services": len(index.ids),
        "index_terms": len(index.sets),
        "index_build_ms": build_seconds * 1000,
        "index_plans": explain(build_queries),
        "sampled": len(timed),
        "median_ms": times[len(times) // 2],
        "p99_ms": times[min(len(times) - 1, int(len(times) * 0.99))],
        "slowest_ms": elapsed * 1000,
        "slowest_path": path,
        "slowest_queries": len(queries),
        "plans": explain(queries),
    }


# --------------------------------------------------------------------------------------------
# Running it


def in_django(env: dict[str, str], *args: str, timeout: float = 600) -> dict:
    """This script in a process of its own with the site's settings; its JSON answer."""
    result = subprocess.run(
        [PYTHON, str(Path(__file__)), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if result.returncode != 0:
        raise BenchError(f"bench/directory.py {args[0]} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def manage(env: dict[str, str], *args: str, timeout: float = 600) -> tuple[str, float]:
    """manage.py (proof.stack.run_manage): its output and how long it took, in seconds."""
    started = time.perf_counter()
    try:
        output = run_manage(env, *args, timeout=timeout)
    except StackError as exc:
        raise BenchError(str(exc)) from exc
    return output.strip(), time.perf_counter() - started


def fresh_database() -> None:
    import psycopg

    parts = urlsplit(DATABASE_URL)
    name = parts.path.lstrip("/")
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", name) or "bench" not in name:
        raise BenchError(f"{name!r}: the bench drops its database, so its name must say bench")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')


def fresh_statistics() -> None:
    import psycopg

    with psycopg.connect(DATABASE_URL, autocommit=True) as connection:
        connection.execute("ANALYZE")


def empty_redis() -> None:
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()


def run_wrk(
    wrk: str, url: str, args, script: Path | None = None, paths: Path | None = None
) -> dict:
    command = [
        wrk,
        f"-t{min(2, args.connections)}",
        f"-c{args.connections}",
        f"-d{args.duration}s",
        "--latency",
        "--timeout",
        "5s",
    ]
    if script:
        command += ["-s", str(script), url, "--", str(paths), str(min(2, args.connections))]
    else:
        command.append(url)
    result = subprocess.run(
        command, capture_output=True, text=True, check=False, timeout=args.duration + 30
    )
    if result.returncode != 0:
        raise BenchError(f"wrk failed on {url}:\n{result.stderr or result.stdout}")
    figures = parse_wrk(result.stdout)
    total = re.search(r"^\s*(\d+) requests in", result.stdout, re.M)
    figures["requests"] = int(total.group(1)) if total else 0
    return figures


def run(args: argparse.Namespace) -> int:
    wrk = find_program("wrk")
    if BENCH_DIR.exists():
        shutil.rmtree(BENCH_DIR)
    BENCH_DIR.mkdir(parents=True)
    env = production_env(BENCH_DIR / "unused.sqlite3", BENCH_DIR / "static")
    env.update(
        DATABASE_URL=DATABASE_URL,
        REDIS_URL=REDIS_URL,
        VAR_DIR=str(BENCH_DIR),
        CACHE_KEY_PREFIX="bench-directory",
        STATS_REDIS_PREFIX="bench-directory-stats:",
    )
    if args.workers:
        env["WEB_CONCURRENCY"] = str(args.workers)
    say(f"fresh database {urlsplit(DATABASE_URL).path.lstrip('/')}, empty {REDIS_URL}")
    fresh_database()
    empty_redis()
    manage(env, "migrate", "--noinput", "-v", "0")
    manage(env, "collectstatic", "--noinput", "-v", "0")

    document = BENCH_DIR / "directory.json"
    say(f"generating {args.services} services in {args.countries} countries")
    generated = in_django(
        env,
        "--generate",
        str(document),
        "--services",
        str(args.services),
        "--countries",
        str(args.countries),
    )
    say(f"importing {document.name} ({generated['bytes'] / 1e6:.1f} MB) with hsds_import")
    imported, import_seconds = manage(env, "hsds_import", str(document))
    keys = in_django(env, "--keys")
    # As autovacuum would soon after a large import: the planner's statistics of the tables.
    fresh_statistics()

    # Each round has combinations of its own, new to the processes, for each search run.
    countries = COUNTRIES[: args.countries]
    per_round = args.mix + args.burst + args.per_round
    distinct = search_paths(countries, args.rounds * per_round, args.seed)
    lists: dict[str, list[Path]] = {"mix": [], "burst": [], "cold": []}
    sequences: dict[str, list[list[str]]] = {"mix": [], "burst": [], "cold": []}
    rng = random.Random(args.seed)  # noqa: S311 (made-up traffic, repeatable)
    for number in range(args.rounds):
        start = number * per_round
        mix = distinct[start : start + args.mix]
        burst = distinct[start + args.mix : start + args.mix + args.burst]
        cold = distinct[start + args.mix + args.burst : start + per_round]
        # Visitors' searches repeat with a long tail: the k-th most asked for combination
        # comes up in proportion to 1/k (Zipf), so first renderings happen all through the run.
        weights = [1 / rank for rank in range(1, len(mix) + 1)]
        for key, sequence in (
            ("mix", rng.choices(mix, weights=weights, k=MIX_SEQUENCE)),
            ("burst", burst),
            ("cold", cold),
        ):
            chunk = BENCH_DIR / f"{key}-paths-{number + 1}.txt"
            chunk.write_text("\n".join(sequence) + "\n")
            lists[key].append(chunk)
            sequences[key].append(sequence)
    # The HSDS API's list, a page after another (the API keeps nothing rendered).
    pages = (args.services + 49) // 50
    api = BENCH_DIR / "api-paths.txt"
    api.write_text("\n".join(f"/api/hsds/services?page={n}" for n in range(1, pages + 1)) + "\n")
    lists["api"] = [api] * args.rounds
    sample = BENCH_DIR / "sample-paths.txt"
    sample.write_text("\n".join(search_paths(countries, args.sample, args.seed + 1)) + "\n")
    script = BENCH_DIR / "search.lua"
    script.write_text(WRK_SCRIPT)

    port = free_port()
    log = BENCH_DIR / "gunicorn.log"
    gunicorn = gunicorn_process({**env, "GUNICORN_BIND": f"{LOOPBACK}:{port}"}, log)
    gunicorn.start()
    try:
        wait_until_up("gunicorn", gunicorn, port, log)
        for path in ("/bench/bare", distinct[0]):
            status, _, body = fetch(port, path)
            if status != 200:
                raise BenchError(f"{path} answered {status}")
        base = f"http://{LOOPBACK}:{port}"
        say(f"warming up ({args.warmup} s each)")
        run_wrk(
            wrk, f"{base}/bench/bare", argparse.Namespace(**{**vars(args), "duration": args.warmup})
        )
        warm = BENCH_DIR / "warm-paths.txt"
        warm.write_text("\n".join(search_paths(countries, 2000, args.seed + 2)) + "\n")
        run_wrk(
            wrk,
            f"{base}/en/find-help/",
            argparse.Namespace(**{**vars(args), "duration": args.warmup}),
            script,
            warm,
        )

        def measure(key: str, number: int) -> dict:
            say(
                f"round {number + 1}/{args.rounds}: {key} ({args.duration} s, "
                f"{args.connections} connections)"
            )
            if key == "bare":
                return run_wrk(wrk, f"{base}/bench/bare", args)
            first = "/api/hsds/services" if key == "api" else "/en/find-help/"
            return run_wrk(wrk, f"{base}{first}", args, script, lists[key][number])

        runs = interleaved(["bare", "mix", "burst", "cold"], args.rounds, measure)
        # The API last, once the rounds are over: its pages take ~0.1 s of CPU each, and the
        # backlog a run leaves in the workers would slow the bare view's next run.
        runs["api"] = [measure("api", 0)]
    finally:
        gunicorn.stop()

    say(f"timing {args.sample} searches in one process, and the plans of the slowest")
    # With a cache of its own: nothing the runs rendered is reused, so its searches read.
    slowest = in_django(
        {**env, "CACHE_KEY_PREFIX": "bench-directory-plans"},
        "--plans",
        str(sample),
        "--sample",
        str(args.sample),
    )

    figures = {key: median_run(runs[key]) for key in ("bare", "mix", "burst", "cold", "api")}
    bare_p99 = figures["bare"]["p99_ms"]
    result = {
        "generated": generated,
        "imported": imported,
        "import_seconds": import_seconds,
        "keys": keys,
        **figures,
        **{
            f"{key}_throughput": ratio(runs[key], runs["bare"])
            for key in ("mix", "burst", "cold", "api")
        },
        **{
            f"{key}_p99_ratio": figures[key]["p99_ms"] / bare_p99 if bare_p99 else 0.0
            for key in ("mix", "burst", "cold", "api")
        },
        # The sequence is read in order (the threads take turns), so a run of n requests asked
        # for the first n entries of it: how many distinct combinations that is.
        "mix_distinct_requested": [
            len(set(sequence[: run["requests"]]))
            for sequence, run in zip(sequences["mix"], runs["mix"], strict=True)
        ],
        "cold_requests_per_round": [run["requests"] for run in runs["cold"]],
        "cold_reused": any(run["requests"] > args.per_round for run in runs["cold"]),
        "slowest": slowest,
    }
    (BENCH_DIR / "result.json").write_text(json.dumps(result, indent=2))
    report(result, args)
    passed = (
        import_seconds <= IMPORT_GOAL_SECONDS
        and result["mix_throughput"]["value"] >= THROUGHPUT_GOAL
        and result["mix_p99_ratio"] <= P99_GOAL
        and min(result["mix_distinct_requested"]) >= MIX_MINIMUM
        and not any(
            figures[key]["non_2xx"] or figures[key]["socket_errors"]
            for key in ("mix", "burst", "cold", "api")
        )
    )
    return 0 if passed or not args.check else 1


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def report(result: dict, args) -> None:
    generated, slowest = result["generated"], result["slowest"]
    out = [
        "",
        f"Helpportal directory bench: {generated['services']:,} services of "
        f"{generated['organizations']:,} organisations in {generated['countries']} countries, "
        f"PostgreSQL, gunicorn ({os.environ.get('WEB_CONCURRENCY') or args.workers or 'default'}"
        f" workers), wrk {args.connections} connections, {args.rounds} rounds of "
        f"{args.duration} s",
        "",
        f"import: {result['imported']}",
        f"  {result['import_seconds']:.1f} s, goal <= {IMPORT_GOAL_SECONDS} s: "
        f"{_verdict(result['import_seconds'] <= IMPORT_GOAL_SECONDS)}",
        "",
        f"{'target':<52} {'req/s':>8} {'runs min-max':>13} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'errors':>6}",
    ]
    labels = {
        "bare": "bare view /bench/bare",
        "mix": f"search, visitors' mix of {args.mix:,} combinations",
        "burst": f"search, {args.burst:,} new combinations in turn",
        "cold": "search, a new combination every request",
        "api": "HSDS API /api/hsds/services, pages in turn",
    }
    for key, label in labels.items():
        figures = result[key]
        spread = f"{figures['rps_min']:.0f}-{figures['rps_max']:.0f}"
        out.append(
            f"{label:<52} {figures['requests_per_second']:>8.1f} {spread:>13} "
            f"{figures['p50_ms']:>8.2f} {figures['p99_ms']:>8.2f} "
            f"{figures['non_2xx'] + figures['socket_errors']:>6}"
        )
    mix = result["mix_throughput"]
    distinct = result["mix_distinct_requested"]
    out += [
        "",
        f"mix: {distinct} distinct combinations asked for per round (each rendered once, at "
        f"its first request), goal >= {MIX_MINIMUM}: {_verdict(min(distinct) >= MIX_MINIMUM)}",
        f"mix / bare req/s: {mix['value']:.2f} (rounds {mix['low']:.2f}-{mix['high']:.2f}), "
        f"goal >= {THROUGHPUT_GOAL}: {_verdict(mix['value'] >= THROUGHPUT_GOAL)}",
        f"mix / bare p99: {result['mix_p99_ratio']:.2f}, goal <= {P99_GOAL}: "
        f"{_verdict(result['mix_p99_ratio'] <= P99_GOAL)}",
    ]
    for key in ("burst", "cold", "api"):
        ratio_ = result[f"{key}_throughput"]
        out.append(
            f"{key} / bare req/s: {ratio_['value']:.2f} (rounds {ratio_['low']:.2f}-"
            f"{ratio_['high']:.2f}); p99: {result[f'{key}_p99_ratio']:.2f} (no goal)"
        )
    out += [
        f"cold requests per round: {result['cold_requests_per_round']} of "
        f"{args.per_round:,} distinct URLs: "
        + (
            "some were requested twice (raise --per-round)"
            if result["cold_reused"]
            else "none requested twice, no rendered page reused"
        ),
        "",
        f"search index of one process: {slowest['index_services']:,} services, "
        f"{slowest['index_terms']} terms, built in {slowest['index_build_ms']:.0f} ms "
        f"(once per process after each change of the directory), its queries:",
    ]
    for item in slowest["index_plans"]:
        out += ["", f"  {item['sql'][:700]}", *(f"    {line}" for line in item["plan"])]
    out += [
        "",
        f"{slowest['sampled']} new searches in one process (Django test client): median "
        f"{slowest['median_ms']:.1f} ms, p99 {slowest['p99_ms']:.1f} ms, slowest "
        f"{slowest['slowest_ms']:.1f} ms ({slowest['slowest_queries']} queries): "
        f"{slowest['slowest_path']}; its queries:",
    ]
    for item in slowest["plans"]:
        out += ["", f"  {item['sql'][:700]}", *(f"    {line}" for line in item["plan"])]
    print("\n".join(out), flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=10_000)
    parser.add_argument("--countries", type=int, default=50, choices=range(1, 51), metavar="1-50")
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=0)
    parser.add_argument(
        "--mix",
        type=int,
        default=500,
        help="distinct search URLs of each round's visitors' mix (Zipf: the k-th asked for "
        "in proportion to 1/k)",
    )
    parser.add_argument(
        "--burst",
        type=int,
        default=250,
        help="distinct search URLs of each round's burst, all new at once, requested in turn",
    )
    parser.add_argument(
        "--per-round",
        type=int,
        default=8000,
        help="distinct search URLs of each round's cold run (more than a round "
        "requests, so that none is requested twice)",
    )
    parser.add_argument(
        "--sample",
        type=int,
        default=300,
        help="searches timed in one process for the slowest and its plans",
    )
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--check", action="store_true", help="exit 1 if a goal is missed")
    parser.add_argument("--generate", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--keys", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--plans", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.generate:
        print(json.dumps(generate(args.generate, args.services, args.countries, args.seed)))
        return 0
    if args.keys:
        print(json.dumps(give_keys()))
        return 0
    if args.plans:
        print(json.dumps(plans(args.plans, args.sample)))
        return 0
    if args.mix < MIX_MINIMUM:
        parser.error(f"--mix must be at least {MIX_MINIMUM} (issue 15)")
    try:
        return run(args)
    except BenchError as exc:
        say(f"FAILED: {exc}")
        return 2


if __name__ == "__main__":
    sys.exit(main())
