"""Web benchmark: gunicorn and nginx in production mode on loopback, measured with wrk.

    .venv/bin/python bench/web.py [--duration 10] [--connections 16] [--warmup 2]
                                  [--rounds 3] [--workers N] [--check]

Run from the project root with the project's virtual environment. Everything it makes lives
in var/bench/ (recreated on every run): an SQLite database, collected static files, a rendered
nginx configuration, a throwaway self-signed certificate, logs and result.json.

It measures the targets in TARGETS (edit that list to add pages) in interleaved rounds, prints
each one's median req/s with its lowest and highest run, and latency, the ratios of medians in
RATIOS against their goals (DESIGN.md, "Quality bars"), a few checks of the
nginx cache and headers, and the page weight of PAGE_WEIGHT_PATHS. See bench/README.md.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urljoin, urlsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: bench/web.py
    sys.path.insert(0, str(ROOT))

from proof.assets import AssetParser  # noqa: E402
from proof.stack import (  # noqa: E402
    LOOPBACK,
    PYTHON,
    Process,
    StackError,
    find_program,
    free_port,
    gunicorn_process,
    nginx_command,
    nginx_test,
    random_text,
    render_nginx,
    tail,
)
from proof.wrk import WrkError, interleaved, median_run, parse_wrk, ratio  # noqa: E402

BENCH_DIR = ROOT / "var" / "bench"
HOST = LOOPBACK


# --------------------------------------------------------------------------------------------
# What is measured. To add a page, add a Target; `path` is either a string (in which
# "{static:css/site.css}" becomes the hashed name from the staticfiles manifest) or a function
# of the running Bench returning a path (e.g. to look up the first pathway step after
# seed_content). server is "gunicorn" (direct, no cache) or "nginx" (through the proxy/cache).


@dataclass(frozen=True)
class Target:
    key: str  # short name, used by RATIOS and result.json
    label: str  # shown in the table
    server: str  # "gunicorn" or "nginx"
    path: str | Callable[[Bench], str]
    expect_cache_hit: bool = False  # check X-Cache-Status is HIT on the second request
    expect_status: int = 200  # other answers count as errors


@dataclass(frozen=True)
class Ratio:
    label: str
    numerator: str  # Target.key
    denominator: str  # Target.key
    goal: float  # numerator req/s / denominator req/s must be at least this


TARGETS = [
    Target("bare", "bare view /bench/bare, gunicorn", "gunicorn", "/bench/bare"),
    Target("home", "home /en/, gunicorn", "gunicorn", "/en/"),
    Target("home_cached", "home /en/, nginx cache", "nginx", "/en/", expect_cache_hit=True),
    Target("step", "step /en/pathways/self/3/, gunicorn", "gunicorn", "/en/pathways/self/3/"),
    Target(
        "step_cached",
        "step /en/pathways/self/3/, nginx",
        "nginx",
        "/en/pathways/self/3/",
        expect_cache_hit=True,
    ),
    Target("static", "site.css, nginx static", "nginx", "{static:css/site.css}"),
    # Not in a ratio: a URL whose answer is not cacheable goes to gunicorn every time.
    Target(
        "uncacheable", "404 /en/bench-404/, nginx", "nginx", "/en/bench-404/", expect_status=404
    ),
]

RATIOS = [
    Ratio("home / bare (server time vs framework floor)", "home", "bare", 0.70),
    Ratio("cached home / static (proxy cache vs file)", "home_cached", "static", 0.50),
    Ratio("step / bare (server time vs framework floor)", "step", "bare", 0.70),
    Ratio("cached step / static (proxy cache vs file)", "step_cached", "static", 0.50),
]

# Pages weighed as nginx serves them; goals from the content issue: <= 30 KB, <= 3 requests.
PAGE_WEIGHT_PATHS = ["/en/", "/en/pathways/self/3/", "/fi/pathways/self/3/"]
PAGE_WEIGHT_GOAL_BYTES = 30 * 1024
PAGE_WEIGHT_GOAL_REQUESTS = 3


# --------------------------------------------------------------------------------------------


class BenchError(Exception):
    """Something the bench needs is missing or did not start."""


class Deadline(Exception):
    """The whole run took longer than its time budget."""


@dataclass
class Result:
    key: str
    label: str
    url: str
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int  # unexpected statuses and socket errors, over every run
    rps_min: float = 0.0  # the lowest and highest run (requests_per_second is the median)
    rps_max: float = 0.0
    rps_runs: list[float] = field(default_factory=list)


@dataclass
class Bench:
    """The running servers, for Target.path functions and the checks."""

    env: dict[str, str]
    ports: dict[str, int]
    manifest: dict[str, str] = field(default_factory=dict)

    def url(self, server: str, path: str) -> str:
        return f"http://{HOST}:{self.ports[server]}{path}"

    def resolve(self, path: str | Callable[[Bench], str]) -> str:
        if callable(path):
            return path(self)

        def static(match: re.Match) -> str:
            name = match.group(1)
            if name not in self.manifest:
                raise BenchError(f"{name} is not in staticfiles.json")
            return "/static/" + self.manifest[name]

        return re.sub(r"\{static:([^}]+)\}", static, path)


def say(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def fetch(port: int, path: str, headers: dict[str, str] | None = None, timeout: float = 10):
    """GET; returns (status, headers with lower-case names, raw body). Never decompresses."""
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"Accept-Encoding": "identity", **(headers or {})})
        response = conn.getresponse()
        body = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, body
    finally:
        conn.close()


# --------------------------------------------------------------------------------------------
# Set-up


def production_env(database: Path, static_root: Path) -> dict[str, str]:
    """The environment of a production deployment, minus PostgreSQL and Redis."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DATABASE_", "REDIS_", "CELERY_", "GUNICORN_", "DJANGO_"))
        and key not in ("WEB_CONCURRENCY", "CACHE_KEY_PREFIX", "SECRET_KEY_FILE")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="helpportal.settings",
        DEBUG="0",
        SECRET_KEY=random_text(50),
        REFERRAL_KEYS=base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        CODENAME_KEY=secrets.token_hex(32),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="0",  # plain HTTP on loopback
        STATIC_ROOT=str(static_root),
        ROOT_URLCONF="proof.urls",
        CLIENT_ADDRESS_HEADER="HTTP_X_REAL_IP",
        DATABASE_URL=f"sqlite:///{database}",
        # Production counts, caches and queues in Redis; without it every page view would be a
        # database write (the embedded mode's way of counting).
        REDIS_URL=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14"),
        STATS_REDIS_PREFIX="bench-stats:",
        CACHE_KEY_PREFIX="bench",
        VAR_DIR=str(BENCH_DIR),
        PYTHONDONTWRITEBYTECODE="1",
    )
    return env


def manage(env: dict[str, str], *args: str, capture: bool = False) -> str:
    result = subprocess.run(
        [PYTHON, str(ROOT / "manage.py"), *args],
        cwd=ROOT,
        env=env,
        check=False,
        timeout=300,
        text=True,
        capture_output=True,
    )
    if result.returncode != 0:
        raise BenchError(f"manage.py {' '.join(args)} failed:\n{result.stderr.strip()}")
    return result.stdout if capture else ""


def prepare_site(env: dict[str, str]) -> list[str]:
    notes = []
    say("migrating a fresh SQLite database in var/bench/")
    manage(env, "migrate", "--noinput", "-v", "0")
    say("collecting static files into var/bench/static/")
    manage(env, "collectstatic", "--noinput", "-v", "0")
    commands = manage(env, "help", "--commands", capture=True).split()
    if "seed_content" in commands:
        say("seeding content (manage.py seed_content)")
        try:
            manage(env, "seed_content")
            notes.append("content: seeded with manage.py seed_content")
        except BenchError as exc:
            # Reported, not fatal: the framework numbers still mean something without it.
            last = str(exc).strip().splitlines()[-1]
            say(f"WARNING: {exc}")
            notes.append(f"content: manage.py seed_content FAILED ({last}); pages unseeded")
    else:
        notes.append("content: no seed_content command yet, pages are the built-in ones")
    return notes


def make_certificate(directory: Path) -> tuple[Path, Path]:
    """A throwaway self-signed pair, so the rendered config loads like production's."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    options = "req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1"
    subprocess.run(
        [
            find_program("openssl"),
            *options.split(),
            "-subj",
            "/CN=localhost",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        timeout=60,
        capture_output=True,
    )
    return cert, key


def wait_until_up(name: str, process: Process, port: int, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if not process.alive():
            raise BenchError(f"{name} exited ({process.process.returncode}):\n{tail(log)}")
        try:
            status, _, _ = fetch(port, "/healthz", timeout=2)
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise BenchError(f"{name} did not answer on port {port} within 60 s:\n{tail(log)}")


# --------------------------------------------------------------------------------------------
# Measuring

def run_wrk(wrk: str, url: str, duration: int, connections: int) -> dict[str, float]:
    threads = max(1, min(2, connections))
    result = subprocess.run(
        [
            wrk,
            f"-t{threads}",
            f"-c{connections}",
            f"-d{duration}s",
            "--latency",
            "--timeout",
            "5s",
            url,
        ],
        check=False,
        capture_output=True,
        text=True,
        timeout=duration + 30,
    )
    if result.returncode != 0:
        raise BenchError(f"wrk failed on {url}:\n{result.stderr or result.stdout}")
    return parse_wrk(result.stdout)


def cache_sequence(bench: Bench, path: str) -> list[str]:
    """X-Cache-Status of two requests through nginx, the second a moment after the first
    (nginx stores a response once it has been passed on in full)."""
    statuses = []
    for attempt in range(2):
        if attempt:
            time.sleep(0.3)
        status, headers, _ = fetch(bench.ports["nginx"], path)
        statuses.append(f"{headers.get('x-cache-status', '-')}({status})")
    return statuses


# --------------------------------------------------------------------------------------------
# Checks of the nginx configuration (reported, not timed)


def check_nginx(bench: Bench, redirect_port: int, static_path: str) -> list[tuple[str, bool]]:
    checks = []
    nginx = bench.ports["nginx"]

    _, headers, _ = fetch(nginx, "/en/", headers={"Cookie": "a=b"})
    status = headers.get("x-cache-status", "-")
    checks.append(
        (f"/en/ with a Cookie header is not served from the cache: {status}", status == "BYPASS")
    )

    _, headers, _ = fetch(nginx, "/en/")
    cache_control = headers.get("cache-control", "")
    checks.append(
        (
            f"/en/ tells browsers not to keep it: Cache-Control {cache_control!r}",
            "max-age=0" in cache_control and "expires" not in headers,
        )
    )
    checks.append(("/en/ sets no cookie", "set-cookie" not in headers))

    for path in ("/healthz", "/"):
        statuses = [fetch(nginx, path)[1].get("x-cache-status", "-") for _ in range(2)]
        checks.append(
            (
                f"{path} never goes through the cache: {' then '.join(statuses)}",
                statuses == ["-", "-"],
            )
        )

    _, headers, _ = fetch(nginx, static_path)
    wanted = (
        "content-security-policy",
        "referrer-policy",
        "x-content-type-options",
        "cross-origin-resource-policy",
    )
    missing = [name for name in wanted if name not in headers]
    checks.append(
        (
            f"static file: immutable, security headers "
            f"({'missing ' + ', '.join(missing) if missing else 'all present'})",
            "immutable" in headers.get("cache-control", "") and not missing,
        )
    )

    status, headers, _ = fetch(redirect_port, "/en/?x=1")
    location = headers.get("location", "")
    checks.append(
        (
            f"port-80 server redirects: {status} -> {location}",
            status == 301 and location.startswith("https://"),
        )
    )

    conn = http.client.HTTPConnection(HOST, nginx, timeout=10)
    try:
        conn.request(
            "POST", "/en/", body=b"x" * (1024 * 1024 + 1), headers={"Content-Type": "text/plain"}
        )
        response = conn.getresponse()
        body = response.read()
    except OSError:
        response, body = None, b""
    finally:
        conn.close()
    checks.append(
        (
            f"body over 1 MB: {response.status if response else 'closed'}, "
            f"{len(body)}-byte plain answer",
            response is not None and response.status == 413 and len(body) < 200,
        )
    )
    return checks


def check_logs(nginx_dir: Path, access_log: Path, keep_lines: int = 1000) -> tuple[str, bool]:
    """No client address (127.0.0.1 in the bench) in nginx's logs.

    The access log of a run is large (a line per request); after the scan only its first
    keep_lines lines are kept, for reading.
    """
    hits = lines = 0
    for path in (access_log, nginx_dir / "error.log"):
        with open(path, "rb") as log:
            for line in log:
                lines += 1
                if HOST.encode() in line or b"client:" in line:
                    hits += 1
    with open(access_log, "rb") as log:
        head = [line for _, line in zip(range(keep_lines), log, strict=False)]
    access_log.write_bytes(b"".join(head))
    return (f"nginx logs hold no client address ({lines:,} lines, {hits} with one)", hits == 0)


# --------------------------------------------------------------------------------------------
# Page weight


def page_weight(bench: Bench, path: str) -> dict:
    port = bench.ports["nginx"]
    base = bench.url("nginx", path)

    def sizes(url_path: str) -> tuple[int, int, bytes]:
        status, _, body = fetch(port, url_path)
        if status != 200:
            raise BenchError(f"page weight: {url_path} answered {status}")
        _, headers, gzipped = fetch(port, url_path, headers={"Accept-Encoding": "gzip"})
        packed = len(gzipped) if headers.get("content-encoding") == "gzip" else len(body)
        return len(body), packed, body

    rows = []
    html_bytes, html_gzip, html = sizes(path)
    rows.append({"resource": path, "kind": "html", "bytes": html_bytes, "gzip": html_gzip})
    parser = AssetParser()
    parser.feed(html.decode("utf-8", "replace"))
    external = []
    queue = [(kind, urljoin(base, ref)) for kind, ref in parser.assets if ref]
    seen = set()
    while queue:
        kind, url = queue.pop(0)
        if url.startswith("data:") or url in seen:
            continue
        seen.add(url)
        parts = urlsplit(url)
        if (parts.hostname, parts.port) != (HOST, port):
            external.append(url)
            continue
        local = parts.path + (f"?{parts.query}" if parts.query else "")
        size, packed, body = sizes(local)
        rows.append({"resource": local, "kind": kind, "bytes": size, "gzip": packed})
        if local.endswith(".css"):  # url(...) and @import in CSS are requests too
            css = body.decode("utf-8", "replace")
            for ref in re.findall(r"url\(\s*['\"]?([^'\")]+)['\"]?\s*\)", css) + re.findall(
                r"@import\s+['\"]([^'\"]+)['\"]", css
            ):
                if not ref.startswith("data:"):
                    queue.append(("css-url", urljoin(url, ref)))
    return {
        "rows": rows,
        "bytes": sum(row["bytes"] for row in rows),
        "gzip": sum(row["gzip"] for row in rows),
        "requests": len(rows) + len(external),
        "external": external,
        "declares_icon": parser.declares_icon,
    }


# --------------------------------------------------------------------------------------------
# Report


def report(meta: dict, results: list[Result], ratios: list[dict], checks, weights: dict) -> None:
    out = []
    out.append("")
    out.append(f"Helpportal web bench: {meta['summary']}")
    out.append("")
    out.append(
        f"{'target':<36} {'req/s':>10} {'runs min-max':>17} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'errors':>7}"
    )
    for r in results:
        spread = f"{r.rps_min:.0f}-{r.rps_max:.0f}"
        out.append(
            f"{r.label:<36} {r.requests_per_second:>10.1f} {spread:>17} {r.p50_ms:>8.2f} "
            f"{r.p99_ms:>8.2f} {r.errors:>7}"
        )
    out.append("")
    out.append(f"{'ratio of median req/s':<47} {'value':>6} {'rounds':>11} {'goal':>8}  result")
    for row in ratios:
        rounds = f"{row['low']:.2f}-{row['high']:.2f}"
        out.append(
            f"{row['label']:<47} {row['value']:>6.2f} {rounds:>11} "
            f"{'>= ' + str(row['goal']):>8}  {'PASS' if row['pass'] else 'FAIL'}"
        )
    out.append("")
    out.append("checks")
    for text, ok in checks:
        out.append(f"  {'PASS' if ok else 'FAIL'}  {text}")
    out.append("")
    for path, weight in weights.items():
        ok = (
            weight["bytes"] <= PAGE_WEIGHT_GOAL_BYTES
            and weight["requests"] <= PAGE_WEIGHT_GOAL_REQUESTS
            and not weight["external"]
        )
        out.append(
            f"page weight of {path} (as nginx serves it): goal <= "
            f"{PAGE_WEIGHT_GOAL_BYTES // 1024} KB and <= {PAGE_WEIGHT_GOAL_REQUESTS} requests: "
            f"{'PASS' if ok else 'FAIL'}"
        )
        out.append(f"  {'resource':<44} {'bytes':>8} {'gzip':>8}")
        for row in weight["rows"]:
            out.append(f"  {row['resource']:<44} {row['bytes']:>8,} {row['gzip']:>8,}")
        total = "total (HTML + CSS + JS)"
        out.append(f"  {total:<44} {weight['bytes']:>8,} {weight['gzip']:>8,}")
        out.append(
            f"  requests: {weight['requests']} (1 page + {weight['requests'] - 1} linked)"
            + (
                f"; from other sites: {', '.join(weight['external'])}"
                if weight["external"]
                else "; none to other sites"
            )
        )
        out.append("")
    print("\n".join(out), flush=True)


# --------------------------------------------------------------------------------------------


def run(args: argparse.Namespace) -> int:
    wrk = find_program("wrk")
    nginx = find_program("nginx")
    load_before = os.getloadavg()[0]

    if BENCH_DIR.exists():
        shutil.rmtree(BENCH_DIR)
    nginx_dir = BENCH_DIR / "nginx"
    static_root = BENCH_DIR / "static"
    nginx_dir.mkdir(parents=True)

    env = production_env(BENCH_DIR / "bench.sqlite3", static_root)
    if args.workers:
        env["WEB_CONCURRENCY"] = str(args.workers)
    notes = prepare_site(env)
    manifest = json.loads((static_root / "staticfiles.json").read_text())["paths"]

    ports = {"gunicorn": free_port(), "nginx": free_port()}
    redirect_port = free_port()
    cert, key = make_certificate(nginx_dir)
    # The outer nginx.conf keeps the official image's address-logging "main" access log, so
    # the log check below shows that the template overrides it.
    conf = render_nginx(
        nginx_dir,
        {
            "UPSTREAM": f"{HOST}:{ports['gunicorn']}",
            "HTTP_LISTEN": f"{HOST}:{redirect_port}",
            "SITE_LISTEN": f"{HOST}:{ports['nginx']}",
            "SERVER_NAME": "localhost",
            "TLS_CERT": str(cert),
            "TLS_KEY": str(key),
            # Self-signed, no OCSP responder: nothing is stapled, the resolver never asked.
            "TLS_TRUSTED": str(cert),
            "RESOLVER": HOST,
            "CACHE_DIR": str(nginx_dir / "cache"),
            "STATIC_ROOT": str(static_root),
        },
        image_access_log=True,
        header=" for bench/web.py",
    )
    nginx_test(nginx, nginx_dir, conf)
    say(f"nginx -t: {conf} is valid")

    gunicorn_log = BENCH_DIR / "gunicorn.log"
    nginx_log = nginx_dir / "stdout.log"  # the access log (/dev/stdout)
    gunicorn = nginx_proc = None
    try:
        gunicorn_env = {**env, "GUNICORN_BIND": f"{HOST}:{ports['gunicorn']}"}
        gunicorn = gunicorn_process(gunicorn_env, gunicorn_log)
        gunicorn.start()
        wait_until_up("gunicorn", gunicorn, ports["gunicorn"], gunicorn_log)
        nginx_proc = Process(
            "nginx", nginx_command(nginx, nginx_dir, conf, "-g", "daemon off;"), None, nginx_log
        )
        nginx_proc.start()
        wait_until_up("nginx", nginx_proc, ports["nginx"], nginx_dir / "error.log")
        say(f"gunicorn on {HOST}:{ports['gunicorn']}, nginx on {HOST}:{ports['nginx']}")

        bench = Bench(env=env, ports=ports, manifest=manifest)
        checks: list[tuple[str, bool]] = []
        results: list[Result] = []
        urls = {}
        for target in TARGETS:  # check every target's answer, then warm it up
            path = bench.resolve(target.path)
            url = urls[target.key] = bench.url(target.server, path)
            if target.expect_cache_hit:  # before any other request through nginx
                sequence = cache_sequence(bench, path)
                checks.append(
                    (
                        f"X-Cache-Status of {path} via nginx: {' then '.join(sequence)}",
                        sequence[-1] == "HIT(200)",
                    )
                )
            status, _, _ = fetch(ports[target.server], path)
            if status != target.expect_status:
                raise BenchError(f"{url} answered {status}, not {target.expect_status}")
            if args.warmup:
                say(f"warming up {url} ({args.warmup} s)")
                run_wrk(wrk, url, args.warmup, args.connections)

        # Interleaved rounds (every target in turn, then again), the median of each target's
        # runs, ratios of medians: one busy moment cannot make a ratio (proof/wrk.py).
        def measure(key: str, number: int) -> dict[str, float]:
            say(
                f"round {number + 1}/{args.rounds}: {urls[key]} "
                f"({args.duration} s, {args.connections} connections)"
            )
            return run_wrk(wrk, urls[key], args.duration, args.connections)

        runs = interleaved([target.key for target in TARGETS], args.rounds, measure)
        for target in TARGETS:
            numbers = median_run(runs[target.key])
            unexpected = numbers["non_2xx"] if target.expect_status < 400 else 0
            results.append(
                Result(
                    key=target.key,
                    label=target.label,
                    url=urls[target.key],
                    errors=unexpected + numbers["socket_errors"],
                    requests_per_second=numbers["requests_per_second"],
                    p50_ms=numbers["p50_ms"],
                    p99_ms=numbers["p99_ms"],
                    rps_min=numbers["rps_min"],
                    rps_max=numbers["rps_max"],
                    rps_runs=numbers["rps_runs"],
                )
            )

        ratios = []
        for goal in RATIOS:
            value = ratio(runs[goal.numerator], runs[goal.denominator])
            ratios.append(
                {
                    "label": goal.label,
                    "value": value["value"],
                    "low": value["low"],
                    "high": value["high"],
                    "per_round": value["per_round"],
                    "goal": goal.goal,
                    "pass": value["value"] >= goal.goal,
                }
            )

        static_path = bench.resolve("{static:css/site.css}")
        checks += check_nginx(bench, redirect_port, static_path)
        weights = {path: page_weight(bench, path) for path in PAGE_WEIGHT_PATHS}
    finally:
        if nginx_proc is not None:
            nginx_proc.stop(signal.SIGQUIT)  # nginx: SIGQUIT is the graceful stop
        if gunicorn is not None:
            gunicorn.stop(signal.SIGTERM)  # gunicorn: SIGTERM is the graceful stop
    checks.append(check_logs(nginx_dir, nginx_log))

    nginx_version = (
        subprocess.run([nginx, "-v"], capture_output=True, text=True, check=False)
        .stderr.strip()
        .split("/")[-1]
    )
    workers = gunicorn_log.read_text(errors="replace").count("Booting worker with pid")
    rounds = f", median of {args.rounds} interleaved rounds" if args.rounds > 1 else ""
    meta = {
        "summary": (
            f"{os.cpu_count()} CPUs (load average {load_before:.1f} before the run), "
            f"gunicorn {workers} sync workers, nginx {nginx_version}, "
            f"wrk -c{args.connections} -d{args.duration}s{rounds}, {args.warmup}s warm-up"
        ),
        "notes": notes,
        "args": vars(args),
    }
    report(meta, results, ratios, checks, weights)
    for note in notes:
        print(f"  {note}")
    (BENCH_DIR / "result.json").write_text(
        json.dumps(
            {
                "meta": meta,
                "results": [asdict(r) for r in results],
                "ratios": ratios,
                "checks": [{"check": text, "pass": ok} for text, ok in checks],
                "page_weight": weights,
            },
            indent=2,
        )
    )
    print(f"  full results: {(BENCH_DIR / 'result.json').relative_to(ROOT)}")
    failed = not all(r["pass"] for r in ratios) or not all(ok for _, ok in checks)
    return 1 if failed and args.check else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per target (10)")
    parser.add_argument("--connections", type=int, default=16, help="open connections (16)")
    parser.add_argument("--warmup", type=int, default=2, help="warm-up seconds per target (2)")
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="measure every target this many times, interleaved, and keep the median (3)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=0,
        help="gunicorn workers (default: deploy/gunicorn.conf.py's choice)",
    )
    parser.add_argument(
        "--check", action="store_true", help="exit 1 when a ratio misses its goal or a check fails"
    )
    args = parser.parse_args()
    if not 1 <= args.duration <= 600 or not 0 <= args.warmup <= 60:
        parser.error("--duration must be 1..600 and --warmup 0..60")
    if not 1 <= args.connections <= 1000:
        parser.error("--connections must be 1..1000")
    if not 1 <= args.rounds <= 10:
        parser.error("--rounds must be 1..10")

    # Bounded: set-up, plus warm-up and measurement of every target, plus slack.
    budget = 420 + len(TARGETS) * (args.warmup + args.rounds * (args.duration + 30))

    def on_signal(signum, frame):
        if signum == signal.SIGALRM:
            raise Deadline(f"the bench took longer than its {budget} s budget")
        raise KeyboardInterrupt

    signal.signal(signal.SIGALRM, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)  # also when started with SIGINT ignored (&)
    signal.alarm(budget)
    try:
        return run(args)
    except (BenchError, StackError, WrkError, Deadline) as exc:
        say(f"FAILED: {exc}")
        return 2
    except subprocess.TimeoutExpired as exc:
        say(f"FAILED: {exc}")
        return 2
    except KeyboardInterrupt:
        say("interrupted; servers stopped")
        return 130
    finally:
        signal.alarm(0)


if __name__ == "__main__":
    sys.exit(main())
