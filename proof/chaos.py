"""Chaos harness for the referral handoff (DESIGN.md, "Referral handoff" and "Quality bars").

Everything runs on loopback and belongs to one run: a fresh PostgreSQL database
(helpportal_chaos_<random>, dropped at the end) on the shared server, or, with
`own_postgres` (forced on by `pg_restarts`), on a private cluster initdb'ed for the run on a
free port and removed at the end; its own redis-server on a free port (so restarting it
disturbs nothing else), gunicorn in production mode, a Celery worker, Celery beat and a webhook
receiver that records every POST. Visitors submit referrals through the real form over HTTP
while the worker is SIGKILLed, Redis is restarted and PostgreSQL is restarted; a visitor
answered 503 (the database is down) or cut off waits a little and sends the same form again,
as a person would. Then the harness waits (bounded) until every delivery is done and counts
what was lost, duplicated and re-sent, and how long each referral took from submit to its
provider's webhook.

    from proof.chaos import ChaosConfig, run_chaos
    report = run_chaos(ChaosConfig(referrals=200, worker_kills=5, redis_restarts=1,
                                   pg_restarts=1, workdir=path, log=print))
    print(report.text())

`run_redis_outage(config, down_seconds=60, referrals=20, ...) -> OutageReport` stops Redis for a
minute under the same stack, requests public pages and submits referrals meanwhile, starts it
again and waits until those referrals are delivered (see its docstring for the report).

Used by tests/integration/test_referral_chaos.py, tests/integration/test_outage.py,
bench/referrals.py and the proof's reliability part. It builds the stack from proof/stack.py's
pieces (Process, redis-server, gunicorn, worker and beat), proof/postgres.py's private cluster
and proof/receiver.py, the provider's webhook receiver; visitors fill the form with
proof/forms.py. The one service of the run is made by proof/inapp/chaos_service.py.

The counts:

- lost: an accepted referral (its POST answered 200, or it exists in the database) whose
  webhook Idempotency-Key never reached the receiver. Must be 0.
- duplicated: a referral that reached its provider under more than one distinct
  Idempotency-Key, or that has more than one Outbox row for a channel, or one submission that
  made more than one referral. Must be 0.
- re-sends: the same Idempotency-Key received more than once. The idempotency contract
  allows it (a worker killed after the provider answered but before the delivery was marked
  done sends it again; the provider drops the repeat by its key), so it is counted apart.
- retried: submissions whose visitor had to send again (a 503 while PostgreSQL was down, or a
  cut connection). A submission is answered only when it finally got 200; one that made two
  referrals is a duplicate.
- latency: first arrival of a referral's key minus the moment its (last) POST was sent;
  p50/p95 over all referrals, and over those submitted outside the outage windows (from a
  little before each kill, Redis stop or PostgreSQL stop until a little after the worker, or
  for PostgreSQL the site, answers again).
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import random
import re
import secrets
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urljoin, urlsplit

from proof.forms import Browser, FormError, codename_in, form_fill
from proof.postgres import PrivatePostgres
from proof.stack import (
    LOOPBACK,
    PYTHON,
    ROOT,
    Process,
    StackError,
    admin_sql,
    admin_url_from_env,
    beat_process,
    free_port,
    gunicorn_process,
    port_open,
    random_text,
    redis_ping,
    redis_process,
    run_inapp,
    run_manage,
    tail,
    worker_process,
)

HOST = LOOPBACK

# One error for "something the harness needs did not start or answer", whichever piece of the
# stack raised it.
ChaosError = StackError


# ---------------------------------------------------------------------------------------------
# Configuration and report


@dataclass
class ChaosConfig:
    referrals: int = 200
    threads: int = 4  # concurrent visitors
    rate: float = 8.0  # submissions started per second, all threads together (0: no pacing)
    worker_kills: int = 5
    redis_restarts: int = 1
    web_kills: int = 0  # SIGKILL a gunicorn worker process (its master starts another)
    pg_restarts: int = 0  # `pg_ctl restart -m fast` of the run's own cluster (own_postgres)
    own_postgres: bool = False  # initdb a private cluster; forced on by pg_restarts > 0
    worker_concurrency: int = 2
    web_workers: int = 3
    sweep_after: int = 10  # OUTBOX_SWEEP_AFTER_SECONDS; beat sweeps every 30 s
    redis_down: tuple[float, float] = (2.0, 5.0)  # seconds Redis stays stopped, uniform
    pg_down: tuple[float, float] = (1.0, 3.0)  # seconds PostgreSQL stays stopped, uniform
    retries: int = 10  # a visitor answered 503 (or cut off) sends the same form again ...
    retry_within: float = 60.0  # ... at most this many times, within this many seconds
    window_before: float = 1.0  # outage window: this long before a kill or Redis stop ...
    window_after: float = 2.0  # ... until this long after the worker answers again
    drain_timeout: float = 180.0  # wait at most this long for every delivery to be done
    quiet: float = 2.0  # after the last delivery, wait this long for late re-sends
    email: bool = False  # also the "email" channel (console backend in the worker's log)
    receiver_fail_rate: float = 0.0  # answer this share of webhooks 503 (after recording)
    language: str = "en"
    refer_path: str = "/{lang}/find-help/{service}/refer/"
    seed: int | None = None
    workdir: Path | None = None  # logs and files; a temporary directory when None
    admin_url: str | None = None  # a postgres:// URL on the server to create the database on
    extra_env: dict[str, str] = field(default_factory=dict)
    log: Callable[[str], None] | None = None

    def __post_init__(self) -> None:
        if self.pg_restarts > 0:
            self.own_postgres = True  # never restart the shared server

    @property
    def private_postgres(self) -> bool:
        return self.own_postgres or self.pg_restarts > 0

    def say(self, message: str) -> None:
        (self.log or _stderr)(message)


def _stderr(message: str) -> None:
    print(f"[chaos] {message}", file=sys.stderr, flush=True)


def percentile(values: list[float], pct: float) -> float | None:
    """Nearest-rank percentile; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, int(-(-pct * len(ordered) // 100)))  # ceil(pct/100 * n)
    return ordered[min(rank, len(ordered)) - 1]


@dataclass
class Event:
    kind: str  # "worker-kill", "redis-restart", "web-kill", "pg-restart", "redis-outage"
    start: float  # wall clock (time.time())
    end: float  # when the system answered again
    note: str = ""


@dataclass
class Submission:
    index: int
    marker: str
    submitted_at: float = 0.0  # wall clock when the POST was sent
    get_status: int | None = None
    post_status: int | None = None
    final_status: int | None = None  # after following redirects
    seconds: float = 0.0  # GET + POST (+ redirects)
    error: str = ""
    codename: str = ""
    attempts: int = 0  # POSTs sent (more than one: the same form sent again)
    retries: int = 0  # GETs and POSTs repeated after a 503 or a broken connection


@dataclass
class ChaosReport:
    config: ChaosConfig
    submissions: list[Submission]
    events: list[Event]
    referrals_in_db: int
    accepted: int  # submissions that made a referral (or answered 200)
    answered_200: int
    not_200: dict[str, int]  # "<status or error>": count
    lost: list[str]  # submission markers / referral ids
    duplicated: list[str]
    resends: int  # arrivals beyond the first of a key
    resent_keys: int
    invalid_signatures: int
    webhook_posts: int
    deliveries: dict[str, int]  # outbox state counts
    undelivered: list[str]  # outbox rows not delivered at the end: "<channel> <state> <error>"
    unmatched_referrals: int  # referrals no submission made
    codenames_shown: int
    codename_mismatches: int
    latencies: list[float]
    latencies_outside: list[float]
    drained_in: float | None  # seconds from the last submission to every delivery done
    elapsed: float
    started_wall: float
    unexpected_exits: list[str]
    seed: int
    webhook_leaks: int  # webhook bodies holding a visitor's words (must be 0: ids only)
    notes: list[str] = field(default_factory=list)
    retried: int = 0  # submissions whose visitor had to send again (a 503 or a cut connection)
    private_postgres: bool = False

    @property
    def ok(self) -> bool:
        return not (self.lost or self.duplicated or self.invalid_signatures
                    or self.undelivered or self.webhook_leaks or self.drained_in is None)

    def summary(self) -> dict:
        def ms(value):
            return None if value is None else round(value * 1000, 1)

        return {
            "referrals_submitted": len(self.submissions),
            "answered_200": self.answered_200,
            "not_200": self.not_200,
            "retried": self.retried,
            "accepted": self.accepted,
            "referrals_in_db": self.referrals_in_db,
            "lost": len(self.lost),
            "duplicated": len(self.duplicated),
            "resends": self.resends,
            "resent_keys": self.resent_keys,
            "webhook_posts": self.webhook_posts,
            "invalid_signatures": self.invalid_signatures,
            "webhook_leaks": self.webhook_leaks,
            "deliveries": self.deliveries,
            "undelivered": len(self.undelivered),
            "unmatched_referrals": self.unmatched_referrals,
            "codenames_shown": self.codenames_shown,
            "codename_mismatches": self.codename_mismatches,
            "worker_kills": sum(e.kind == "worker-kill" for e in self.events),
            "redis_restarts": sum(e.kind == "redis-restart" for e in self.events),
            "web_kills": sum(e.kind == "web-kill" for e in self.events),
            "pg_restarts": sum(e.kind == "pg-restart" for e in self.events),
            "private_postgres": self.private_postgres,
            "latency_all_ms": {"n": len(self.latencies), "p50": ms(percentile(self.latencies, 50)),
                               "p95": ms(percentile(self.latencies, 95)),
                               "max": ms(max(self.latencies, default=None))},
            "latency_outside_ms": {"n": len(self.latencies_outside),
                                   "p50": ms(percentile(self.latencies_outside, 50)),
                                   "p95": ms(percentile(self.latencies_outside, 95)),
                                   "max": ms(max(self.latencies_outside, default=None))},
            "drained_in_s": None if self.drained_in is None else round(self.drained_in, 1),
            "elapsed_s": round(self.elapsed, 1),
            "unexpected_exits": self.unexpected_exits,
            "seed": self.seed,
            "events": [{"kind": e.kind, "at_s": round(e.start - self.started_wall, 1),
                        "lasted_s": round(e.end - e.start, 1), "note": e.note}
                       for e in self.events],
        }

    def text(self) -> str:
        s = self.summary()

        def fmt(value):
            return "-" if value is None else f"{value / 1000:.3f} s"

        la, lo = s["latency_all_ms"], s["latency_outside_ms"]
        lines = [
            f"referrals submitted      {s['referrals_submitted']}  (answered 200: "
            f"{s['answered_200']}"
            + (f"; other: {s['not_200']}" if s["not_200"] else "") + ")",
            f"retried                  {s['retried']}  (submissions sent again after a 503 "
            "or a broken connection, as a person would)",
            f"referrals in database    {s['referrals_in_db']}  (accepted submissions: "
            f"{s['accepted']}, made by no submission: {s['unmatched_referrals']})",
            f"chaos                    {s['worker_kills']} worker SIGKILLs, "
            f"{s['redis_restarts']} Redis restarts"
            + (f", {s['web_kills']} gunicorn worker SIGKILLs" if s["web_kills"] else "")
            + (f", {s['pg_restarts']} PostgreSQL restarts" if s["pg_restarts"] else ""),
            f"lost                     {s['lost']}",
            f"duplicated               {s['duplicated']}",
            f"re-sends (same key)      {s['resends']}  ({s['resent_keys']} keys; allowed by "
            "the Idempotency-Key contract)",
            f"webhook POSTs received   {s['webhook_posts']}  (invalid signatures: "
            f"{s['invalid_signatures']}; bodies with a visitor's words: {s['webhook_leaks']})",
            f"deliveries               {s['deliveries']}"
            + (f"  NOT DELIVERED: {s['undelivered']}" if s["undelivered"] else ""),
            f"codename pages           {s['codenames_shown']} showed a codename, "
            f"{s['codename_mismatches']} did not match their referral",
            f"submit -> notified, all           n={la['n']:<5} p50 {fmt(la['p50'])}  "
            f"p95 {fmt(la['p95'])}  max {fmt(la['max'])}",
            f"submit -> notified, outside outage n={lo['n']:<5} p50 {fmt(lo['p50'])}  "
            f"p95 {fmt(lo['p95'])}  max {fmt(lo['max'])}",
            "drained                  "
            + ("NOT within the time allowed" if s["drained_in_s"] is None
               else f"no delivery pending {s['drained_in_s']} s after the load and chaos ended"),
            f"elapsed                  {s['elapsed_s']} s (seed {s['seed']})",
            "events (s from start)    " + "; ".join(
                f"{e['at_s']} {e['kind']}" + (f" ({e['note']})" if e["note"] else "")
                for e in s["events"]),
        ]
        if self.unexpected_exits:
            lines.append(f"unexpected exits         {'; '.join(self.unexpected_exits)}")
        for label, items in (("lost", self.lost), ("duplicated", self.duplicated),
                             ("undelivered", self.undelivered)):
            if items:
                lines.append(f"{label} (first 10): {', '.join(items[:10])}")
        lines.extend(self.notes)
        return "\n".join(lines)


def read_receiver_log(path: Path) -> list[dict]:
    records = []
    if not path.exists():
        return records
    for line in path.read_text().splitlines():
        with contextlib.suppress(ValueError):
            records.append(json.loads(line))
    return records


# ---------------------------------------------------------------------------------------------
# A visitor sending the form


RETRY_STATUSES = (502, 503, 504)  # "try again in a moment": a person does


def retry_pause(retries: int) -> float:
    """How long a visitor waits before sending again: 1.5 s, 3 s, 4.5 s, ... at most 8 s."""
    return min(1.5 * (retries + 1), 8.0)


def submit_referral(port: int, path: str, submission: Submission, *, retries: int = 0,
                    retry_within: float = 60.0) -> None:
    """GET the form, fill it, POST it, follow redirects; fills in the submission's fields.

    Like a person, a visitor answered 502/503/504 or cut off (the database or the web server
    restarting) waits a little and tries again: the form page is loaded again, a POST is sent
    again exactly as it was (same one-time token, same cookies). At most `retries` times, and
    not after `retry_within` seconds from the first request. The submission is answered only
    when it finally got 200."""
    browser = Browser(port)
    started = time.monotonic()

    def again() -> bool:
        pause = retry_pause(submission.retries)
        if submission.retries >= retries or time.monotonic() + pause - started > retry_within:
            return False
        time.sleep(pause)
        submission.retries += 1
        return True

    def request(method: str, target: str, **kwargs):
        try:
            return (*browser.request(method, target, **kwargs), "")
        except (OSError, http.client.HTTPException) as exc:
            return None, None, "", f"{type(exc).__name__}: {exc}"[:200]

    try:
        while True:
            status, _, html, error = request("GET", path)
            submission.get_status = status
            if status == 200:
                break
            if status not in (None, *RETRY_STATUSES) or not again():
                submission.error = f"GET {status if status is not None else error}"
                return
        action, fields = form_fill(html, message_for(submission.marker))
        target = urlsplit(urljoin(f"{browser.origin}{path}", action or path))
        post_path = target.path + (f"?{target.query}" if target.query else "")
        body = urlencode(fields).encode()
        while True:
            submission.submitted_at = time.time()
            submission.attempts += 1
            status, headers, html, error = request(
                "POST", post_path, body=body,
                headers={"Content-Type": "application/x-www-form-urlencoded",
                         "Origin": browser.origin, "Referer": f"{browser.origin}{path}"},
            )
            submission.post_status = status
            if status not in (None, *RETRY_STATUSES) or not again():
                break
        if status is None:
            submission.error = f"POST {error}"
            return
        for _ in range(3):
            if status not in (301, 302, 303, 307) or not headers.get("Location"):
                break
            location = urlsplit(urljoin(f"{browser.origin}{post_path}", headers["Location"]))
            status, headers, html = browser.request(
                "GET", location.path + (f"?{location.query}" if location.query else "")
            )
        submission.final_status = status
        if status == 200:
            submission.codename = codename_in(html)
        else:
            submission.error = f"POST {submission.post_status}->{status}"
    except (OSError, http.client.HTTPException, ChaosError, FormError) as exc:
        submission.error = f"{type(exc).__name__}: {exc}"[:200]
    finally:
        submission.seconds = time.monotonic() - started


def message_for(marker: str) -> str:
    return (f"[{marker}] I have been worried about what I look at online and I would like to "
            "talk to someone who can help me stop.")


# ---------------------------------------------------------------------------------------------
# The stack


class ChaosStack:
    """Database (on the shared server, or on a private cluster), Redis, receiver, gunicorn,
    worker and beat of one run, plain HTTP on loopback (no nginx: the chaos is behind it).

    Built from proof/stack.py's pieces, as the proof's Stack is; what differs is what a chaos
    run needs: a receiver, a cluster it may restart, limits a load cannot reach."""

    def __init__(self, config: ChaosConfig, workdir: Path):
        self.config = config
        self.dir = workdir
        self.dbname = f"helpportal_chaos_{secrets.token_hex(4)}"
        self.pg = PrivatePostgres(workdir, config.say) if config.private_postgres else None
        self.admin_url = (self.pg.admin_url if self.pg is not None
                          else config.admin_url or admin_url_from_env())
        self.db_created = False
        self.redis_port = free_port()
        self.web_port = free_port()
        self.receiver_port = free_port()
        self.webhook_secret = secrets.token_hex(32)
        from cryptography.fernet import Fernet

        self.fernet_key = Fernet.generate_key().decode()
        self.codename_key = random_text(48)
        self.receiver_log = self.dir / "webhooks.jsonl"
        self.processes: dict[str, Process] = {}
        self.service_id = ""
        self._probe = None

    # -- environment

    @property
    def database_url(self) -> str:
        parts = urlsplit(self.admin_url)
        return parts._replace(path=f"/{self.dbname}").geturl()

    @property
    def redis_url(self) -> str:
        return f"redis://{HOST}:{self.redis_port}/0"

    def env(self) -> dict[str, str]:
        env = {
            key: value for key, value in os.environ.items()
            if not key.startswith(("DATABASE_", "REDIS_", "CELERY_", "GUNICORN_", "DJANGO_",
                                   "REFERRAL_", "EMAIL_", "PYTEST", "HELPPORTAL_"))
            and key not in ("WEB_CONCURRENCY", "CACHE_KEY_PREFIX", "SECRET_KEY",
                            "SECRET_KEY_FILE", "CODENAME_KEY", "CODENAME_KEY_FILE", "DEBUG",
                            "ALLOWED_HOSTS", "ROOT_URLCONF", "STATIC_ROOT", "LOG_LEVEL",
                            "OUTBOX_SWEEP_AFTER_SECONDS", "DELIVERY_MAX_ATTEMPTS",
                            "CLIENT_ADDRESS_HEADER", "SECURE_SSL_REDIRECT", "VAR_DIR")
        }
        env.update(
            DJANGO_SETTINGS_MODULE="helpportal.settings",
            DEBUG="0",
            SECRET_KEY=random_text(64),
            REFERRAL_KEYS=self.fernet_key,
            CODENAME_KEY=self.codename_key,
            ALLOWED_HOSTS=HOST,
            SECURE_SSL_REDIRECT="0",  # plain HTTP on loopback
            DATABASE_URL=self.database_url,
            REDIS_URL=self.redis_url,
            CACHE_KEY_PREFIX="chaos",
            STATIC_ROOT=str(self.dir / "static"),
            VAR_DIR=str(self.dir),
            REFERRAL_LIMIT_PER_CLIENT_PER_DAY="1000000",
            REFERRAL_HOLD_ABOVE_PER_HOUR="1000000",
            REFERRAL_HOLD_ABOVE_PER_SERVICE_PER_HOUR="1000000",
            OUTBOX_SWEEP_AFTER_SECONDS=str(self.config.sweep_after),
            LOG_LEVEL="WARNING",
            WEB_CONCURRENCY=str(self.config.web_workers),
            GUNICORN_BIND=f"{HOST}:{self.web_port}",
            GUNICORN_LOG_LEVEL="warning",
            PYTHONDONTWRITEBYTECODE="1",
            PYTHONUNBUFFERED="1",
        )
        env.update(self.config.extra_env)
        return env

    # -- set-up

    def create_database(self) -> None:
        admin_sql(self.admin_url, f'CREATE DATABASE "{self.dbname}"')
        self.db_created = True

    def drop_database(self) -> None:
        if self.db_created and self.pg is None:  # a private cluster goes as a whole
            admin_sql(self.admin_url, f'DROP DATABASE IF EXISTS "{self.dbname}" WITH (FORCE)')
        self.db_created = False

    def teardown(self) -> None:
        """Stop every process, drop the database, remove a private cluster. Never raises."""
        self.stop_all()
        try:
            self.drop_database()
        except Exception as exc:  # noqa: BLE001 (report, and go on cleaning up)
            self.config.say(f"could not drop database {self.dbname}: {exc}")
        if self.pg is not None:
            try:
                self.pg.remove()
            except Exception as exc:  # noqa: BLE001
                self.config.say(f"could not remove the private PostgreSQL cluster: {exc}")

    def manage(self, *args: str, timeout: float = 300) -> str:
        return run_manage(self.env(), *args, timeout=timeout)

    def prepare(self, content: bool = False) -> None:
        """Database, tables, static files and the one service; with content, also the seed
        content (pathways, pages) that the public pages show."""
        say = self.config.say
        if self.pg is not None:
            say(f"private PostgreSQL cluster: initdb and start on :{self.pg.port} "
                f"({self.pg.bindir})")
            self.pg.init()
            self.pg.start()
        say(f"database {self.dbname}: create and migrate")
        self.create_database()
        self.manage("migrate", "--noinput", "-v", "0")
        say("collectstatic")
        self.manage("collectstatic", "--noinput", "-v", "0")
        if content:
            say("seed_content")
            self.manage("seed_content")
        channels = ["webhook", "email"] if self.config.email else ["webhook"]
        created = run_inapp(self.env(), "chaos_service", "create", {
            "channels": channels,
            "webhook_url": f"http://{HOST}:{self.receiver_port}/hook",
            "webhook_secret": self.webhook_secret,
        })
        self.service_id, self.recovery_key = created["service"], created["recovery_key"]

    def referral_messages(self) -> list[tuple[str, str, str]]:
        """(id, first message, lookup id) of every referral, each message opened as the
        organisation's manager could: its recovery key opens the organisation's key, which
        opens each thread's."""
        from helpportal import sealing
        from referrals.crypto import thread_open

        (private_by_recovery,), = self.query(
            "SELECT private_by_recovery FROM accounts_organizationkey")
        organization_private = sealing.unlock(
            sealing.recovery_key_derive(self.recovery_key, purpose="organization-recovery"),
            bytes(private_by_recovery))
        rows = self.query("SELECT id::text, message_encrypted, codename_hash, "
                          "key_for_organization FROM referrals_referral")
        return [(referral_id, thread_open(sealing.unseal(organization_private, bytes(key)),
                                          token), lookup)
                for referral_id, token, lookup, key in rows]

    def start_all(self) -> None:
        env = self.env()
        self.processes["redis"] = redis_process(self.redis_port, self.dir, env)
        self.processes["receiver"] = Process(
            "receiver",
            [PYTHON, "-m", "proof.receiver", "--port", str(self.receiver_port),
             "--secret", self.webhook_secret, "--log", str(self.receiver_log),
             "--fail-rate", str(self.config.receiver_fail_rate)],
            env, self.dir / "receiver.log",
        )
        self.processes["gunicorn"] = gunicorn_process(env, self.dir / "gunicorn.log")
        self.processes["worker"] = worker_process(
            env, self.dir / "worker.log", concurrency=self.config.worker_concurrency,
            level="warning", name="chaos")
        self.processes["beat"] = beat_process(env, self.dir, self.dir / "beat.log",
                                              level="warning")
        self.start_redis()
        for name in ("receiver", "gunicorn", "worker", "beat"):
            self.processes[name].start()
        self.wait_for("receiver", lambda: port_open(self.receiver_port), 30)
        self.wait_for("gunicorn", self.web_healthy, 90)
        self.wait_for("worker", self.worker_answers, 90)

    def wait_for(self, name: str, check: Callable[[], bool], timeout: float) -> float:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            process = self.processes.get(name)
            if process is not None and not process.alive():
                raise ChaosError(f"{name} exited ({process.process.returncode}):\n"
                                 f"{tail(process.log)}")
            if check():
                return time.time()
            time.sleep(0.1)
        log = self.processes[name].log if name in self.processes else None
        raise ChaosError(f"{name} not ready within {timeout} s" +
                         (f":\n{tail(log)}" if log else ""))

    def web_healthy(self) -> bool:
        try:
            status, _, _ = Browser(self.web_port, timeout=3).request("GET", "/healthz")
        except OSError:
            return False
        return status == 200

    # -- Redis

    def redis_ping(self) -> bool:
        return redis_ping(self.redis_port)

    def start_redis(self) -> None:
        self.processes["redis"].start()
        self.wait_for("redis", self.redis_ping, 30)

    # -- the worker

    def worker_answers(self) -> bool:
        """True when a worker answers a broadcast ping: it is consuming from the broker."""
        from celery import Celery

        if self._probe is None:
            self._probe = Celery("chaos-probe", broker=self.redis_url, set_as_current=False)
            self._probe.conf.update(broker_connection_timeout=1, broker_connection_retry=False,
                                    broker_connection_max_retries=0)
        try:
            with self._probe.connection_for_write() as conn:
                conn.ensure_connection(max_retries=0, timeout=1)
                return bool(self._probe.control.ping(timeout=0.5, connection=conn))
        except Exception:  # noqa: BLE001 (broker down: not answering)
            return False

    # -- reading the results

    def query(self, sql: str, params: tuple = ()) -> list[tuple]:
        import psycopg

        with psycopg.connect(self.database_url, connect_timeout=10) as conn:
            return conn.execute(sql, params).fetchall()

    def outbox_states(self) -> Counter:
        return Counter(dict(self.query(
            "SELECT state, count(*) FROM referrals_outbox GROUP BY state")))

    def stop_all(self) -> None:
        for name in ("gunicorn", "beat", "worker", "receiver", "redis"):
            process = self.processes.get(name)
            if process is not None:
                with contextlib.suppress(Exception):
                    process.stop()


# ---------------------------------------------------------------------------------------------
# The run


class Run:
    def __init__(self, config: ChaosConfig, stack: ChaosStack):
        self.config = config
        self.stack = stack
        self.seed = config.seed if config.seed is not None else random.randrange(1 << 31)
        self.rng = random.Random(self.seed)
        self.run_id = secrets.token_hex(3)
        self.submissions = [Submission(i, f"chaos-{self.run_id}-{i:05d}")
                            for i in range(config.referrals)]
        self.events: list[Event] = []
        self.stop = threading.Event()
        self.next_index = 0
        self.lock = threading.Lock()
        self.unexpected_exits: list[str] = []
        self.t0 = 0.0
        self.t0_wall = 0.0
        self._plan: list[tuple[float, str]] | None = None
        self.failure = ""
        self.restarts: Counter = Counter()  # unexpected exits, per process

    # -- visitors

    def visitor(self) -> None:
        path_template = self.config.refer_path
        path = path_template.format(lang=self.config.language, service=self.stack.service_id)
        while not self.stop.is_set():
            with self.lock:
                index = self.next_index
                self.next_index += 1
            if index >= len(self.submissions):
                return
            if self.config.rate > 0:
                due = self.t0 + index / self.config.rate
                delay = due - time.monotonic()
                if delay > 0 and self.stop.wait(delay):
                    return
            submit_referral(self.stack.web_port, path, self.submissions[index],
                            retries=self.config.retries, retry_within=self.config.retry_within)

    # -- chaos

    def planned_seconds(self) -> float:
        if self.config.rate > 0:
            return self.config.referrals / self.config.rate
        return self.config.referrals / 15  # a guess; the events then follow one another

    def plan(self) -> list[tuple[float, str]]:
        """(seconds after the start, kind) of every chaos event: spread evenly over the
        submissions, each moved at random by up to 30 % of the gap, in random order."""
        if self._plan is None:
            kinds = (["worker-kill"] * self.config.worker_kills
                     + ["redis-restart"] * self.config.redis_restarts
                     + ["web-kill"] * self.config.web_kills
                     + ["pg-restart"] * self.config.pg_restarts)
            self.rng.shuffle(kinds)
            slot = self.planned_seconds() / (len(kinds) + 1)
            self._plan = [((i + 1) * slot + self.rng.uniform(-0.3, 0.3) * slot, kind)
                          for i, kind in enumerate(kinds)]
        return self._plan

    def chaos(self) -> None:
        for offset, kind in self.plan():
            delay = self.t0 + offset - time.monotonic()
            if delay > 0 and self.stop.wait(delay):
                return
            if self.stop.is_set():
                return
            try:
                getattr(self, "_" + kind.replace("-", "_"))()
            except ChaosError as exc:  # e.g. the worker does not start again: stop the run
                self.failure = f"{kind}: {exc}"
                self.stop.set()
                return

    def _worker_kill(self) -> None:
        worker = self.stack.processes["worker"]
        start = time.time()
        worker.kill()  # the whole process group: main process and pool
        worker.start()  # as a supervisor (docker restart: always) would
        end = self.stack.wait_for("worker", self.stack.worker_answers, 90)
        self.events.append(Event("worker-kill", start, end, f"back in {end - start:.1f} s"))

    def _redis_restart(self) -> None:
        redis = self.stack.processes["redis"]
        start = time.time()
        redis.stop()
        down = self.rng.uniform(*self.config.redis_down)
        if self.stop.wait(down):
            self.stack.start_redis()
            return
        self.stack.start_redis()
        up = time.time()
        end = self.stack.wait_for("worker", self.stack.worker_answers, 90)
        self.events.append(Event("redis-restart", start, end,
                                 f"down {up - start:.1f} s, worker back after {end - up:.1f} s"))

    def _pg_restart(self) -> None:
        """`pg_ctl stop -m fast` (every session cut, as in a restart or failover), a pause,
        `pg_ctl start`; over when gunicorn's /healthz (which queries the database) is 200."""
        pg = self.stack.pg
        if pg is None:
            raise ChaosError("pg-restart needs the run's own cluster (own_postgres)")
        start = time.time()
        pg.stop("fast")
        down = self.rng.uniform(*self.config.pg_down)
        self.stop.wait(down)
        pg.start()
        up = time.time()
        end = self.stack.wait_for("gunicorn", self.stack.web_healthy, 90)
        self.events.append(Event("pg-restart", start, end,
                                 f"down {up - start:.1f} s, site healthy after {end - up:.1f} s"))

    def _web_kill(self) -> None:
        gunicorn = self.stack.processes["gunicorn"]
        children = gunicorn.children()
        if not children:
            return
        start = time.time()
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.rng.choice(children), signal.SIGKILL)
        time.sleep(0.5)
        self.events.append(Event("web-kill", start, time.time()))

    def watch(self) -> None:
        """Note (and restart) a process that died without being killed by the chaos."""
        while not self.stop.wait(1.0):
            for name, process in self.stack.processes.items():
                if process.process is not None and not process.alive() \
                        and not process.expected_exit and name != "redis":
                    self.unexpected_exits.append(
                        f"{name} exited with {process.process.returncode} at "
                        f"{time.time() - self.t0_wall:.0f} s")
                    process.expected_exit = True
                    self.restarts[name] += 1
                    if self.restarts[name] > 5:  # bounded, like a supervisor's restart limit
                        self.failure = f"{name} keeps exiting:\n{tail(process.log)}"
                        self.stop.set()
                        return
                    process.start()

    def drain(self, since: float, timeout: float) -> float | None:
        """Wait (at most `timeout` s) until no delivery is pending; the seconds from `since`
        (a monotonic time) until then, or None when some are still pending."""
        deadline = time.monotonic() + timeout
        next_note = time.monotonic() + 15
        while time.monotonic() < deadline:
            states = self.stack.outbox_states()
            if states.get("pending", 0) == 0:
                return time.monotonic() - since
            if self.failure:
                raise ChaosError(self.failure)
            if time.monotonic() >= next_note:
                self.config.say(f"waiting for deliveries: {dict(states)}")
                next_note += 15
            time.sleep(0.5)
        return None

    # -- everything

    def execute(self) -> ChaosReport:
        try:
            return self._execute()
        finally:
            self.stop.set()  # visitors, chaos and watcher stop (also on Ctrl-C or an error)

    def _execute(self) -> ChaosReport:
        config, stack = self.config, self.stack
        say = config.say
        started = time.monotonic()
        self.t0 = time.monotonic()
        self.t0_wall = time.time()
        say(f"submitting {config.referrals} referrals from {config.threads} threads"
            + (f" at {config.rate}/s" if config.rate else "")
            + f"; {config.worker_kills} worker kills, {config.redis_restarts} Redis restarts"
            + (f", {config.web_kills} web kills" if config.web_kills else "")
            + (f", {config.pg_restarts} PostgreSQL restarts" if config.pg_restarts else "")
            + f" (seed {self.seed})")
        self.plan()  # drawn before any thread uses the random generator
        visitors = [threading.Thread(target=self.visitor, daemon=True, name=f"visitor-{i}")
                    for i in range(config.threads)]
        chaos = threading.Thread(target=self.chaos, daemon=True, name="chaos")
        watcher = threading.Thread(target=self.watch, daemon=True, name="watch")
        for thread in (*visitors, chaos, watcher):
            thread.start()
        budget = time.monotonic() + 120 + 3 * self.planned_seconds() + 60 * len(self.plan())
        for thread in (*visitors, chaos):
            thread.join(timeout=max(1.0, budget - time.monotonic()))
        if self.failure:
            raise ChaosError(self.failure)
        if any(thread.is_alive() for thread in (*visitors, chaos)):
            raise ChaosError("submissions or chaos did not finish within their time budget")
        load_ended = time.monotonic()
        done = sum(1 for s in self.submissions if s.final_status == 200)
        say(f"submissions done ({done} answered 200); chaos: "
            + ", ".join(f"{e.kind} ({e.note})" if e.note else e.kind for e in self.events))

        drained_in = self.drain(load_ended, config.drain_timeout)
        if drained_in is not None:
            say(f"no delivery pending {drained_in:.1f} s after the load and the chaos ended")
            time.sleep(config.quiet)  # a late re-send would arrive now
        else:
            say(f"deliveries still pending after {config.drain_timeout:.0f} s: "
                f"{dict(stack.outbox_states())}")
        self.stop.set()
        watcher.join(timeout=5)
        return self.count(drained_in, time.monotonic() - started)

    def count(self, drained_in: float | None, elapsed: float) -> ChaosReport:
        from referrals.codenames import codename_normalise
        from referrals.crypto import derive_from_codename

        stack = self.stack
        referrals = stack.referral_messages()
        outbox = stack.query(
            "SELECT id::text, referral_id::text, channel, state, attempts, last_error "
            "FROM referrals_outbox")
        arrivals = read_receiver_log(stack.receiver_log)

        marker_re = re.compile(r"\[(chaos-[0-9a-f]+-\d{5})\]")
        by_marker: dict[str, list[str]] = defaultdict(list)
        hashes: dict[str, str] = {}
        unmatched = 0
        for referral_id, message, codename_hash in referrals:
            hashes[referral_id] = codename_hash
            match = marker_re.search(message)
            if match:
                by_marker[match.group(1)].append(referral_id)
            else:
                unmatched += 1

        rows_by_referral: dict[str, list[tuple]] = defaultdict(list)
        for row in outbox:
            rows_by_referral[row[1]].append(row)
        keys_by_referral: dict[str, set[str]] = defaultdict(set)
        first_arrival: dict[str, float] = {}
        per_key = Counter()
        invalid = leaks = 0
        for record in arrivals:
            if "chaos-" in record.get("body", "") or "worried" in record.get("body", ""):
                leaks += 1
            key = record["key"]
            per_key[key] += 1
            if not record["signature_ok"]:
                invalid += 1
            if record.get("referral_id"):
                keys_by_referral[record["referral_id"]].add(key)
            first_arrival[key] = min(first_arrival.get(key, record["t"]), record["t"])

        windows = [(e.start - self.config.window_before, e.end + self.config.window_after)
                   for e in self.events]
        lost, duplicated, latencies, outside = [], [], [], []
        not_200 = Counter()
        accepted = answered = shown = mismatched = 0
        for sub in self.submissions:
            made = by_marker.get(sub.marker, [])
            if sub.final_status == 200:
                answered += 1
            else:
                not_200[sub.error or str(sub.final_status)] += 1
            if sub.final_status != 200 and not made:
                continue  # never accepted: nothing to deliver
            accepted += 1
            if not made:
                lost.append(f"{sub.marker} (answered 200, no referral in the database)")
                continue
            if len(made) > 1:
                duplicated.append(f"{sub.marker} made {len(made)} referrals")
            if sub.codename:
                shown += 1
                expected = derive_from_codename(
                    codename_normalise(sub.codename), pepper=stack.codename_key.encode(),
                    purpose="codename-lookup").hex()
                if expected not in (hashes[r] for r in made):
                    mismatched += 1
            for referral_id in made:
                rows = rows_by_referral.get(referral_id, [])
                channels = Counter(row[2] for row in rows)
                if any(n > 1 for n in channels.values()):
                    duplicated.append(f"{referral_id} has Outbox rows {dict(channels)}")
                webhook_keys = {row[0] for row in rows if row[2] == "webhook"}
                received = keys_by_referral.get(referral_id, set())
                if len(received) > 1:
                    duplicated.append(f"{referral_id} arrived under {len(received)} keys")
                if not webhook_keys & received:
                    lost.append(f"{sub.marker} = {referral_id} (webhook never arrived)")
                    continue
                key = sorted(webhook_keys & received)[0]
                latency = first_arrival[key] - sub.submitted_at
                latencies.append(latency)
                if not any(lo <= sub.submitted_at <= hi for lo, hi in windows):
                    outside.append(latency)

        undelivered = [f"{row[2]} {row[3]} after {row[4]} attempts {row[5]!r}"
                       for row in outbox if row[3] != "delivered"]
        notes = []
        if unmatched:
            notes.append(f"note: {unmatched} referrals in the database match no submission")
        return ChaosReport(
            config=self.config,
            submissions=self.submissions,
            events=self.events,
            referrals_in_db=len(referrals),
            accepted=accepted,
            answered_200=answered,
            not_200=dict(not_200),
            lost=lost,
            duplicated=duplicated,
            resends=sum(n - 1 for n in per_key.values() if n > 1),
            resent_keys=sum(1 for n in per_key.values() if n > 1),
            invalid_signatures=invalid,
            webhook_posts=len(arrivals),
            deliveries=dict(Counter(row[3] for row in outbox)),
            undelivered=undelivered,
            unmatched_referrals=unmatched,
            codenames_shown=shown,
            codename_mismatches=mismatched,
            latencies=latencies,
            latencies_outside=outside,
            drained_in=drained_in,
            elapsed=elapsed,
            started_wall=self.t0_wall,
            unexpected_exits=self.unexpected_exits,
            seed=self.seed,
            webhook_leaks=leaks,
            notes=notes,
            retried=sum(1 for sub in self.submissions if sub.retries),
            private_postgres=stack.pg is not None,
        )


def run_chaos(config: ChaosConfig) -> ChaosReport:
    """Build the stack, run the chaos, count, and always tear everything down."""
    for program in ("redis-server",):
        if not shutil.which(program):
            raise ChaosError(f"{program} is not installed (Debian: apt-get install redis-server)")
    own_dir = config.workdir is None
    workdir = Path(tempfile.mkdtemp(prefix="helpportal-chaos-")) if own_dir else config.workdir
    workdir.mkdir(parents=True, exist_ok=True)
    stack = ChaosStack(config, workdir)
    try:
        stack.prepare()
        config.say(f"starting redis :{stack.redis_port}, receiver :{stack.receiver_port}, "
                   f"gunicorn :{stack.web_port}, worker, beat (logs in {workdir})")
        stack.start_all()
        return Run(config, stack).execute()
    finally:
        config.say("tearing down")
        stack.teardown()
        if own_dir:
            shutil.rmtree(workdir, ignore_errors=True)


# ---------------------------------------------------------------------------------------------
# Redis down for a while: the public site keeps answering, referrals wait and then arrive


@dataclass
class PageHit:
    path: str
    at: float  # wall clock when the request was sent
    status: int | None  # None: no answer (see error)
    seconds: float
    error: str = ""


@dataclass
class OutageReport:
    """What run_redis_outage saw. Goals: pages_not_200 == 0, every referral answered 200 and
    delivered after Redis returned, nothing lost or duplicated (see `ok` and `summary()`)."""

    down_seconds: float  # asked for
    redis_down_for: float  # measured: from the stop to Redis answering PING again
    paths: list[str]  # the public pages requested, round robin
    hits: list[PageHit]  # every page request made while Redis was down
    before: dict[str, int | None]  # each page's status before the outage (all should be 200)
    referrals: ChaosReport  # the referrals submitted while Redis was down, counted as in run_chaos
    worker_back_after: float | None  # seconds from Redis answering to the worker answering
    delivered_after_return: int  # outage referrals whose webhook arrived (all, after the return)
    deliver_seconds: float | None  # Redis answering -> the last of them arriving (None: not all)
    elapsed: float
    notes: list[str] = field(default_factory=list)

    @property
    def pages_requested(self) -> int:
        return len(self.hits)

    @property
    def pages_not_200(self) -> int:
        return sum(1 for hit in self.hits if hit.status != 200)

    @property
    def ok(self) -> bool:
        r = self.referrals
        return (self.pages_requested > 0 and self.pages_not_200 == 0
                and r.answered_200 == len(r.submissions)
                and self.delivered_after_return == len(r.submissions)
                and not r.lost and not r.duplicated and not r.undelivered
                and not r.invalid_signatures and not r.webhook_leaks)

    def summary(self) -> dict:
        def ms(value):
            return None if value is None else round(value * 1000, 1)

        seconds = [hit.seconds for hit in self.hits]
        statuses = Counter(str(hit.status) if hit.status is not None else hit.error
                           for hit in self.hits)
        failing = Counter(hit.path for hit in self.hits if hit.status != 200)
        r = self.referrals
        return {
            "down_seconds": self.down_seconds,
            "redis_down_for_s": round(self.redis_down_for, 1),
            "paths": self.paths,
            "pages_before_outage": self.before,
            "pages_requested": self.pages_requested,
            "pages_not_200": self.pages_not_200,
            "page_statuses": dict(statuses),
            "pages_not_200_by_path": dict(failing),
            "page_latency_ms": {"p50": ms(percentile(seconds, 50)),
                                "p95": ms(percentile(seconds, 95)),
                                "max": ms(max(seconds, default=None))},
            "referrals_submitted": len(r.submissions),
            "answered_200": r.answered_200,
            "not_200": r.not_200,
            "retried": r.retried,
            "referrals_in_db": r.referrals_in_db,
            "delivered_after_return": self.delivered_after_return,
            "deliver_seconds_after_return": (None if self.deliver_seconds is None
                                             else round(self.deliver_seconds, 1)),
            "worker_back_after_s": (None if self.worker_back_after is None
                                    else round(self.worker_back_after, 1)),
            "lost": len(r.lost),
            "duplicated": len(r.duplicated),
            "undelivered": len(r.undelivered),
            "deliveries": r.deliveries,
            "invalid_signatures": r.invalid_signatures,
            "webhook_leaks": r.webhook_leaks,
            "unexpected_exits": r.unexpected_exits,
            "elapsed_s": round(self.elapsed, 1),
            "ok": self.ok,
        }

    def text(self) -> str:
        s = self.summary()
        lat = s["page_latency_ms"]

        def sec(value):
            return "-" if value is None else f"{value / 1000:.3f} s"

        lines = [
            f"Redis down               {s['redis_down_for_s']} s (asked: {s['down_seconds']} s)",
            f"public pages requested   {s['pages_requested']} while Redis was down, "
            f"{len(s['paths'])} different; not 200: {s['pages_not_200']}"
            + (f" {s['pages_not_200_by_path']}" if s["pages_not_200"] else ""),
            f"page statuses            {s['page_statuses']}  (p50 {sec(lat['p50'])}, "
            f"p95 {sec(lat['p95'])}, max {sec(lat['max'])})",
            f"referrals submitted      {s['referrals_submitted']} while Redis was down "
            f"(answered 200: {s['answered_200']}"
            + (f"; other: {s['not_200']}" if s["not_200"] else "")
            + f"; retried: {s['retried']})",
            f"delivered after return   {s['delivered_after_return']} of "
            f"{s['referrals_submitted']}"
            + ("" if s["deliver_seconds_after_return"] is None
               else f", the last {s['deliver_seconds_after_return']} s after Redis answered")
            + ("" if s["worker_back_after_s"] is None
               else f" (worker consuming again after {s['worker_back_after_s']} s)"),
            f"lost                     {s['lost']}",
            f"duplicated               {s['duplicated']}",
            f"deliveries               {s['deliveries']}"
            + (f"  NOT DELIVERED: {s['undelivered']}" if s["undelivered"] else ""),
            f"elapsed                  {s['elapsed_s']} s",
        ]
        not_ok_before = {path: status for path, status in self.before.items() if status != 200}
        if not_ok_before:
            lines.append(f"not 200 before the outage: {not_ok_before}")
        if s["unexpected_exits"]:
            lines.append(f"unexpected exits         {'; '.join(s['unexpected_exits'])}")
        for label, items in (("lost", self.referrals.lost),
                             ("duplicated", self.referrals.duplicated),
                             ("undelivered", self.referrals.undelivered)):
            if items:
                lines.append(f"{label} (first 10): {', '.join(items[:10])}")
        lines.extend(self.notes)
        return "\n".join(lines)


def outage_paths(stack: ChaosStack, language: str = "en") -> list[str]:
    """The public pages requested during the outage: home in every language, urgent help, a
    pathway and one of its steps (from the seed content), the directory and a directory
    search, the run's service page and its referral form."""
    import tomllib

    paths = ["/en/", "/fi/", "/sv/", f"/{language}/urgent-help/", f"/{language}/about/"]
    seeds = sorted((ROOT / "content" / "seed" / "pathways").glob(f"*.{language}.toml"))
    if seeds:
        with seeds[0].open("rb") as handle:
            key = tomllib.load(handle)["key"]
        paths += [f"/{language}/pathways/{key}/", f"/{language}/pathways/{key}/1/"]
    paths += [
        f"/{language}/find-help/",
        f"/{language}/find-help/?country=FI&language=fi",
        f"/{language}/find-help/{stack.service_id}/",
        f"/{language}/find-help/{stack.service_id}/refer/",
    ]
    return paths


def run_redis_outage(config: ChaosConfig, down_seconds: float = 60.0, *, referrals: int = 20,
                     page_threads: int = 2, page_pause: float = 0.1,
                     deliver_timeout: float = 240.0,
                     paths: list[str] | None = None) -> OutageReport:
    """Redis down for `down_seconds` under a running production stack; always tears down.

    Starts the same stack as run_chaos (config: workdir, log, own_postgres, sweep_after,
    web_workers, worker_concurrency, retries, extra_env, ...; the chaos counts are not used),
    with the seed content loaded. Every public page in `paths` (default: outage_paths) must
    answer 200 first. Then redis-server is stopped for `down_seconds`; meanwhile
    `page_threads` visitors request the pages round robin (pausing `page_pause` s between
    requests) and `referrals` referrals are submitted through the real form, spread evenly
    over the outage (a visitor answered 503 sends again, as in run_chaos). Redis is started
    again on its port, and the harness waits (at most `deliver_timeout` s) until every
    delivery of those referrals is done. The outbox sweeper (beat every 30 s, overdue after
    config.sweep_after s) queues what could not be queued while the broker was down.

    Returns an OutageReport: pages_requested, pages_not_200 (goal 0), page statuses and
    latency, the referrals as a ChaosReport (answered_200, lost, duplicated, undelivered,
    retried, ...), delivered_after_return (goal: all), deliver_seconds (from Redis answering
    to the last referral arriving at the provider), worker_back_after, redis_down_for,
    elapsed; `ok` is True when every goal is met, `summary()` is JSON-ready, `text()`
    prints. Raises ChaosError when something does not start.

        from proof.chaos import ChaosConfig, run_redis_outage
        report = run_redis_outage(ChaosConfig(workdir=path, log=print), down_seconds=60)
    """
    if not shutil.which("redis-server"):
        raise ChaosError("redis-server is not installed (Debian: apt-get install redis-server)")
    if referrals < 0 or down_seconds <= 0:
        raise ChaosError("down_seconds must be positive and referrals not negative")
    say = config.say
    own_dir = config.workdir is None
    workdir = (Path(tempfile.mkdtemp(prefix="helpportal-outage-")) if own_dir
               else config.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    stack = ChaosStack(config, workdir)
    started = time.monotonic()
    run: Run | None = None
    try:
        stack.prepare(content=True)
        say(f"starting redis :{stack.redis_port}, receiver :{stack.receiver_port}, "
            f"gunicorn :{stack.web_port}, worker, beat (logs in {workdir})")
        stack.start_all()
        run = Run(config, stack)
        run.submissions = [Submission(i, f"chaos-{run.run_id}-{i:05d}")
                           for i in range(referrals)]
        pages = paths or outage_paths(stack, config.language)
        before = {}
        for path in pages:
            try:
                before[path] = Browser(stack.web_port).request("GET", path)[0]
            except (OSError, http.client.HTTPException):
                before[path] = None
        if any(status != 200 for status in before.values()):
            say(f"not 200 before the outage: "
                f"{ {p: s for p, s in before.items() if s != 200} }")
        refer_path = config.refer_path.format(lang=config.language, service=stack.service_id)
        return _redis_outage(run, pages, before, refer_path, down_seconds, page_threads,
                             page_pause, deliver_timeout, started)
    finally:
        if run is not None:
            run.stop.set()
        say("tearing down")
        stack.teardown()
        if own_dir:
            shutil.rmtree(workdir, ignore_errors=True)


def _redis_outage(run: Run, pages: list[str], before: dict, refer_path: str,
                  down_seconds: float, page_threads: int, page_pause: float,
                  deliver_timeout: float, started: float) -> OutageReport:
    config, stack, say = run.config, run.stack, run.config.say
    hits: list[PageHit] = []
    hits_lock = threading.Lock()
    pages_done = threading.Event()
    run.t0 = time.monotonic()
    run.t0_wall = time.time()
    watcher = threading.Thread(target=run.watch, daemon=True, name="watch")
    watcher.start()

    def browse(offset: int) -> None:
        browser = Browser(stack.web_port, timeout=30)
        i = offset
        while not pages_done.is_set():
            path = pages[i % len(pages)]
            i += 1
            sent, t = time.time(), time.monotonic()
            try:
                status, error = browser.request("GET", path)[0], ""
            except (OSError, http.client.HTTPException) as exc:
                status, error = None, type(exc).__name__
            with hits_lock:
                hits.append(PageHit(path, sent, status, time.monotonic() - t, error))
            pages_done.wait(page_pause)

    def submit(sub: Submission) -> None:
        submit_referral(stack.web_port, refer_path, sub, retries=config.retries,
                        retry_within=config.retry_within)

    say(f"stopping Redis for {down_seconds:.0f} s: {len(pages)} public pages from "
        f"{page_threads} visitors, {len(run.submissions)} referrals meanwhile")
    redis = stack.processes["redis"]
    down_at_wall, down_at = time.time(), time.monotonic()
    redis.stop()
    browsers = [threading.Thread(target=browse, args=(i * 3,), daemon=True, name=f"pages-{i}")
                for i in range(page_threads)]
    for thread in browsers:
        thread.start()
    senders = []
    for index, sub in enumerate(run.submissions):
        due = down_at + (index + 0.5) * down_seconds / len(run.submissions)
        if run.stop.wait(max(0.0, due - time.monotonic())):
            break
        thread = threading.Thread(target=submit, args=(sub,), daemon=True, name=f"refer-{index}")
        thread.start()
        senders.append(thread)
    run.stop.wait(max(0.0, down_at + down_seconds - time.monotonic()))
    pages_done.set()
    for thread in browsers:
        thread.join(timeout=40)
    with hits_lock:
        # Only what was asked while Redis was down (a request may end just after).
        outage_hits = [hit for hit in hits if hit.at < down_at_wall + down_seconds]
    for thread in senders:
        thread.join(timeout=max(1.0, config.retry_within + 40))
    if run.failure:
        raise ChaosError(run.failure)

    stack.start_redis()
    up_wall, up = time.time(), time.monotonic()
    redis_down_for = up - down_at
    say(f"Redis answers again after {redis_down_for:.1f} s; waiting for the deliveries")
    run.events.append(Event("redis-outage", down_at_wall, up_wall,
                            f"down {redis_down_for:.1f} s"))
    worker_back_after = None
    with contextlib.suppress(ChaosError):
        worker_back_after = stack.wait_for("worker", stack.worker_answers, 120) - up_wall

    drained_in = run.drain(up, deliver_timeout)
    if drained_in is not None:
        say(f"no delivery pending {drained_in:.1f} s after Redis returned")
        time.sleep(config.quiet)
    run.stop.set()
    watcher.join(timeout=5)
    report = run.count(drained_in, time.monotonic() - run.t0)

    # Which outage referrals reached the provider, and when the last of them did.
    arrivals = read_receiver_log(stack.receiver_log)
    first: dict[str, float] = {}
    for record in arrivals:
        if record.get("referral_id"):
            rid = record["referral_id"]
            first[rid] = min(first.get(rid, record["t"]), record["t"])
    markers = {sub.marker for sub in run.submissions}
    ours = []
    for referral_id, message, _lookup in stack.referral_messages():
        match = re.search(r"\[(chaos-[0-9a-f]+-\d{5})\]", message)
        if match and match.group(1) in markers:
            ours.append(referral_id)
    delivered = [first[rid] for rid in ours if rid in first]
    expected = len(run.submissions)
    deliver_seconds = (max(delivered) - up_wall if delivered and len(delivered) == expected
                       and len(ours) == expected else None)
    notes = []
    early = sum(1 for t in delivered if t < up_wall)
    if early:
        notes.append(f"note: {early} outage referrals arrived before Redis returned")
    return OutageReport(
        down_seconds=down_seconds,
        redis_down_for=redis_down_for,
        paths=pages,
        hits=outage_hits,
        before=before,
        referrals=report,
        worker_back_after=worker_back_after,
        delivered_after_return=len(delivered),
        deliver_seconds=deliver_seconds,
        elapsed=time.monotonic() - started,
        notes=notes,
    )
