"""Attack part of the proof, slow and greedy clients (docs/proof.md, "Attack").

Slow headers: Debian's slowhttptest opens thousands of TLS connections to the stack's nginx on
loopback and sends their request headers a line at a time, never finishing (Slowloris). That
used to make the site unreachable (issue 13: 2,600 connections against 1,024
worker_connections). Several slowhttptest processes run side by side, in waves: nginx closes a
connection whose header is not complete 10 s after accepting it, so each wave opens its
connections within a few seconds, holds them until nginx closes them, and the next wave
starts. Full: 5,000 connections at once for 60 s; short (CI): 1,500 for 20 s. Meanwhile the
home page and a step page are fetched about once a second on fresh connections, as a person
from another address (X-Forwarded-For, which the stack's nginx takes from loopback): goal 0
failed, p95 of their time reported. The connection counts are slowhttptest's own (its CSV,
summed over the processes second by second). Every slowhttptest is killed at the end, whatever
happened.

Also: HTTP/2 is negotiated on TLS (ALPN h2); the port-80 redirect goes to the configured name
when sent `Host: evil.example`; a burst from one address at a page nginx does not cache gets
nginx's 429 while a cached page keeps answering 200 to another address; and afterwards
nginx's access and error logs hold no client address (loopback, the probe's, the burst's).
"""

from __future__ import annotations

import contextlib
import csv
import http.client
import os
import resource
import signal
import socket
import statistics
import subprocess
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .checks import Check, failed
from .stack import HOSTNAME, LOOPBACK, Stack, find_program

PART = "attack"
PROBE_ADDRESS = "198.51.100.23"  # the person who must still get through
BURST_ADDRESS = "198.51.100.199"  # the greedy client of the burst
HOME = "/en/"
STEP = "/en/pathways/self/3/"
UNCACHED = "/en/self-check/"  # a form page: it sets its CSRF cookie, so nginx never caches it
PROBE_TIMEOUT_S = 10
# One slowhttptest run: its connections are open within about 5 s; nginx closes them 10 s after
# each was accepted (client_header_timeout), so a wave is over in about 15-20 s.
WAVE_S = 20


@dataclass(frozen=True)
class Plan:
    processes: int  # slowhttptest processes side by side
    connections: int  # connections each opens per wave
    rate: int  # connections per second each opens
    seconds: int  # length of the attack

    @property
    def aimed(self) -> int:
        return self.processes * self.connections


FULL = Plan(processes=10, connections=500, rate=100, seconds=60)
# Short: still more than the 2 x 1,024 worker_connections nginx had before issue 13 (with 2
# workers, as in the proof), which then refused 26 of 42 probes.
SHORT = Plan(processes=5, connections=500, rate=100, seconds=20)


@dataclass
class Wave:
    started: float  # seconds after the attack began
    rows: list[dict[str, int]]  # slowhttptest's CSV, one row a second


@dataclass
class Probe:
    path: str
    seconds: float
    status: int | None
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status == 200


@dataclass
class Attack:
    waves: list[Wave] = field(default_factory=list)
    probes: list[Probe] = field(default_factory=list)
    seconds: float = 0.0

    def connected_by_second(self) -> dict[int, int]:
        """Connections slowhttptest held at each second of the attack, over all processes."""
        total: Counter = Counter()
        for wave in self.waves:
            for row in wave.rows:
                total[round(wave.started + row["Seconds"])] += row["Connected"]
        return dict(total)

    def opened(self) -> int:
        """Connections the waves started (closed, pending or connected at their last second)."""
        return sum(wave.rows[-1]["Closed"] + wave.rows[-1]["Pending"] + wave.rows[-1]["Connected"]
                   for wave in self.waves if wave.rows)


def get(stack: Stack, path: str, address: str,
        conn: http.client.HTTPSConnection | None = None) -> tuple[int, dict[str, str], bytes]:
    """GET through nginx over verified TLS as a client from `address`."""
    own = conn is None
    conn = conn or http.client.HTTPSConnection(HOSTNAME, stack.https_port, timeout=PROBE_TIMEOUT_S,
                                               context=stack.ssl_context())
    try:
        conn.request("GET", path, headers={"X-Forwarded-For": address, "Accept": "text/html"})
        response = conn.getresponse()
        body = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, body
    finally:
        if own:
            conn.close()


def percentile(values: list[float], pct: int) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[pct - 1]


# ---------------------------------------------------------------------------------------------
# Slow headers


def read_wave(path: Path) -> list[dict[str, int]]:
    """slowhttptest's CSV: Seconds, Closed, Pending, Connected, Service Available."""
    if not path.exists():
        return []
    with path.open(newline="") as handle:
        return [{key.strip(): int(value) for key, value in row.items() if key and value}
                for row in csv.DictReader(handle)]


def probe_loop(stack: Stack, attack: Attack, stop: threading.Event) -> None:
    """The home page and a step page, each on a fresh connection, about once a second."""
    while not stop.is_set():
        began = time.monotonic()
        for path in (HOME, STEP):
            started = time.monotonic()
            try:
                status, _headers, _body = get(stack, path, PROBE_ADDRESS)
                attack.probes.append(Probe(path, time.monotonic() - started, status))
            except (OSError, http.client.HTTPException) as exc:
                attack.probes.append(Probe(path, time.monotonic() - started, None,
                                           f"{type(exc).__name__}: {exc}"))
        stop.wait(max(0.0, 1.0 - (time.monotonic() - began)))


def slow_headers(stack: Stack, plan: Plan, log: Callable[[str], None]) -> Attack:
    slowhttptest = find_program("slowhttptest")
    url = f"https://{LOOPBACK}:{stack.https_port}{HOME}"  # loopback only
    attack = Attack()
    running: list[subprocess.Popen] = []
    stop = threading.Event()
    prober = threading.Thread(target=probe_loop, args=(stack, attack, stop), daemon=True)
    # Thousands of sockets: the soft limit up to the hard one, for the children, then back.
    limits = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (limits[1], limits[1]))
    try:
        with tempfile.TemporaryDirectory(prefix="attack-slow-") as workdir:
            began = time.monotonic()
            deadline = began + plan.seconds
            lanes: list[tuple[subprocess.Popen, Path, float] | None] = [None] * plan.processes
            waves = 0
            prober.start()
            while True:
                now = time.monotonic()
                for index, lane in enumerate(lanes):
                    if lane is not None and lane[0].poll() is not None:
                        attack.waves.append(Wave(lane[2], read_wave(lane[1])))
                        lanes[index] = lane = None
                    if lane is None and deadline - now >= 5:
                        waves += 1
                        prefix = Path(workdir) / f"wave{waves}"
                        length = min(WAVE_S, int(deadline - now))
                        command = [slowhttptest, "-H", "-c", str(plan.connections),
                                   "-r", str(plan.rate), "-i", "5", "-l", str(length),
                                   "-p", "5", "-u", url, "-g", "-o", str(prefix)]
                        process = subprocess.Popen(
                            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            stdin=subprocess.DEVNULL, start_new_session=True)
                        running.append(process)
                        lanes[index] = (process, prefix.with_suffix(".csv"), now - began)
                if all(lane is None for lane in lanes):
                    break
                if now > deadline + WAVE_S + 10:  # a wave that does not end by itself
                    raise RuntimeError("slowhttptest did not end within its test length")
                time.sleep(0.2)
            attack.seconds = time.monotonic() - began
            log(f"attack: slow headers: {waves} slowhttptest runs in {attack.seconds:.0f} s")
    finally:
        stop.set()
        for process in running:
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
            with contextlib.suppress(Exception):
                process.wait(timeout=10)
        resource.setrlimit(resource.RLIMIT_NOFILE, limits)
        prober.join(timeout=2 * PROBE_TIMEOUT_S + 5)
    return attack


def nginx_alerts(stack: Stack) -> int:
    """Lines in nginx's logs saying it ran out of connections or descriptors."""
    count = 0
    for path in (stack.dir / "nginx").glob("*.log"):
        text = path.read_text(errors="replace")
        count += text.count("worker_connections are not enough") + text.count(
            "Too many open files")
    return count


def slow_checks(stack: Stack, short: bool, log: Callable[[str], None]) -> list[Check]:
    plan = SHORT if short else FULL
    # The pages answer before the attack (else a failure below would mean nothing).
    for path in (HOME, STEP):
        status, _headers, _body = get(stack, path, PROBE_ADDRESS)
        if status != 200:
            raise RuntimeError(f"{path} answered {status} before the attack")
    log(f"attack: slow headers: {plan.aimed} connections at a time for {plan.seconds} s "
        f"({plan.processes} slowhttptest processes), probes from {PROBE_ADDRESS}")
    attack = slow_headers(stack, plan, log)
    held = attack.connected_by_second()
    peak = max(held.values(), default=0)
    bad = [p for p in attack.probes if not p.ok]
    times = [p.seconds for p in attack.probes if p.ok]
    p95 = percentile(times, 95) * 1000 if times else 0.0
    alerts = nginx_alerts(stack)
    timeline = ", ".join(f"{second} s: {held[second]}" for second in sorted(held)
                         if second % 5 == 0)
    return [
        Check(PART, "slow headers (slowhttptest): connections held at once",
              f"peak {peak:,} of {plan.aimed:,} aimed; {attack.opened():,} opened in "
              f"{attack.seconds:.0f} s", f">= {int(plan.aimed * 0.8):,} at once",
              peak >= plan.aimed * 0.8,
              [f"{len(attack.waves)} slowhttptest runs of up to {plan.connections} connections "
               f"at {plan.rate}/s each, {plan.processes} side by side, against "
               f"https://{LOOPBACK}:{stack.https_port}{HOME}",
               f"held, by second: {timeline}",
               f"nginx log lines about running out of connections: {alerts}"]),
        Check(PART, "slow headers: home and step page probes from another address",
              f"{len(bad)} failed of {len(attack.probes)}; p95 {p95:.0f} ms", "0 failed",
              bool(attack.probes) and not bad and alerts == 0,
              [f"{HOME} and {STEP} about once a second on fresh TLS connections, "
               f"X-Forwarded-For {PROBE_ADDRESS}; failure: no 200 within {PROBE_TIMEOUT_S} s",
               f"max {max(times, default=0) * 1000:.0f} ms",
               *[f"{p.path}: {p.status or p.error} after {p.seconds:.1f} s" for p in bad[:10]]]),
    ]


# ---------------------------------------------------------------------------------------------
# The other checks


def check_http2(stack: Stack) -> Check:
    context = stack.ssl_context()
    context.set_alpn_protocols(["h2", "http/1.1"])
    with socket.create_connection((LOOPBACK, stack.https_port), timeout=10) as raw, \
            context.wrap_socket(raw, server_hostname=HOSTNAME) as tls:
        protocol = tls.selected_alpn_protocol()
    return Check(PART, "HTTP/2 on TLS (ALPN)", str(protocol), "h2", protocol == "h2",
                 ["offered h2 and http/1.1 to nginx on port 443's stand-in"])


def check_redirect(stack: Stack) -> Check:
    conn = http.client.HTTPConnection(LOOPBACK, stack.http_port, timeout=10)
    try:
        conn.request("GET", "/en/?from=redirect", headers={"Host": "evil.example"})
        response = conn.getresponse()
        response.read()
        location = response.getheader("Location", "")
    finally:
        conn.close()
    wanted = f"https://{HOSTNAME}/en/?from=redirect"
    return Check(PART, "port-80 redirect sent Host: evil.example",
                 f"{response.status} {location}", f"301 {wanted}",
                 response.status == 301 and location == wanted,
                 ["the redirect names SERVER_NAME, never the request's Host"])


def check_burst(stack: Stack) -> Check:
    """Many requests at once from one address at a page nginx does not cache: nginx answers 429
    once the address is past its burst; a cached page keeps answering another address."""
    senders, each = 10, 60  # 600: twice the burst of 300 (deploy/nginx.conf.template)
    for _ in range(5):  # the cached page is in nginx's cache
        _status, headers, _body = get(stack, HOME, PROBE_ADDRESS)
        if headers.get("x-cache-status") == "HIT":
            break
    statuses: Counter = Counter()
    refusals: list[bytes] = []
    cached: list[tuple[int, str]] = []
    lock = threading.Lock()
    done = threading.Event()

    def greedy() -> None:
        conn = http.client.HTTPSConnection(HOSTNAME, stack.https_port, timeout=PROBE_TIMEOUT_S,
                                           context=stack.ssl_context())
        try:
            for _ in range(each):
                try:
                    status, _headers, body = get(stack, UNCACHED, BURST_ADDRESS, conn)
                except (OSError, http.client.HTTPException):
                    conn.close()
                    status, body = 0, b""
                with lock:
                    statuses[status] += 1
                    if status == 429:
                        refusals.append(body)
        finally:
            conn.close()

    def person() -> None:
        conn = http.client.HTTPSConnection(HOSTNAME, stack.https_port, timeout=PROBE_TIMEOUT_S,
                                           context=stack.ssl_context())
        try:
            while not done.is_set():
                try:
                    status, headers, _body = get(stack, HOME, PROBE_ADDRESS, conn)
                    cached.append((status, headers.get("x-cache-status", "")))
                except (OSError, http.client.HTTPException) as exc:
                    conn.close()
                    cached.append((0, type(exc).__name__))
                done.wait(0.05)
        finally:
            conn.close()

    threads = [threading.Thread(target=greedy, daemon=True) for _ in range(senders)]
    watcher = threading.Thread(target=person, daemon=True)
    watcher.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    done.set()
    watcher.join(timeout=30)
    # nginx's own answer is plain text (@too_many); the app's 429 pages are HTML.
    from_nginx = sum(body.startswith(b"Too many requests") for body in refusals)
    cached_ok = sum(status == 200 for status, _ in cached)
    hits = sum(cache == "HIT" for _, cache in cached)
    return Check(
        PART, "burst from one address at an uncached page; a cached page for another",
        f"{from_nginx} of {senders * each} answered 429 by nginx; cached page "
        f"{cached_ok} of {len(cached)} 200", "429s; cached page all 200",
        from_nginx > 0 and from_nginx == statuses[429] and bool(cached)
        and cached_ok == len(cached),
        [f"GET {UNCACHED} x{senders * each} from {BURST_ADDRESS} over {senders} connections: "
         + ", ".join(f"{status or 'no answer'}: {n}" for status, n in sorted(statuses.items())),
         f"GET {HOME} from {PROBE_ADDRESS} meanwhile: {len(cached)}, {hits} from nginx's cache",
         *([f"nginx's 429: {refusals[0].decode(errors='replace').strip()}"] if refusals
           else [])])


def check_logs(stack: Stack) -> Check:
    """After everything above: no client address in nginx's access or error log."""
    needles = [LOOPBACK, "::1", PROBE_ADDRESS, BURST_ADDRESS]
    found = []
    files = sorted((stack.dir / "nginx").glob("*.log"))
    for path in files:
        text = path.read_text(errors="replace")
        found += [f"{path.name}: {needle} x{text.count(needle)}" for needle in needles
                  if needle in text]
    return Check(PART, "nginx access and error logs after the attacks: client addresses",
                 str(len(found)), "0", not found and bool(files),
                 [f"searched {', '.join(p.name for p in files)} for {', '.join(needles)}",
                  *found])


def run(stack: Stack, *, short: bool, log: Callable[[str], None]) -> list[Check]:
    checks: list[Check] = []
    steps: list[tuple[str, str, Callable[[], list[Check]]]] = [
        ("HTTP/2 on TLS (ALPN)", "h2", lambda: [check_http2(stack)]),
        ("port-80 redirect sent Host: evil.example", "301 to the configured name",
         lambda: [check_redirect(stack)]),
        ("slow headers (slowhttptest)", "0 failed probes",
         lambda: slow_checks(stack, short, log)),
        ("burst from one address at an uncached page", "429s; cached page all 200",
         lambda: [check_burst(stack)]),
        ("nginx logs after the attacks: client addresses", "0", lambda: [check_logs(stack)]),
    ]
    for name, goal, measure in steps:
        try:
            checks += measure()
        except Exception as exc:  # noqa: BLE001 (one broken measurement fails only its check)
            checks.append(failed(PART, name, goal, exc))
    return checks
