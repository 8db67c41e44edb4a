"""Aggregate counters: `record` on the hot path, and the roll-up of Redis counts into the database.

In production (STATS_REDIS_URL, by default REDIS_URL) counts go to Redis as HINCRBY on the
day's hash, `stats:YYYY-MM-DD`, whose field is the metric and its sorted dimensions; the
roll-up task moves those hashes into DailyCount rows every few minutes. With
STATS_FLUSH_SECONDS = 0 every call is one HINCRBY (a round trip on the request path); above 0
(the default) a call adds to a per-process buffer, and a background thread sends the buffer
as one pipeline of HINCRBYs every STATS_FLUSH_SECONDS, so a page pays a dictionary update
instead of a round trip. In the embedded mode (no Redis) a call adds to the day's DailyCount
row directly.

`record` never raises into a request. A metric or value that is not on the allow-list
(stats/metrics.py) is not stored: it is counted as `stats_rejected`. A count that cannot reach
Redis is lost, and the loss itself is counted in the database as `stats_dropped`. (A process
killed outright loses its unsent buffer, at most STATS_FLUSH_SECONDS of its counts, uncounted.)
"""

import atexit
import logging
import os
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import redis
from django.conf import settings
from django.core.cache import cache
from django.core.signals import setting_changed
from django.db import IntegrityError, connection, transaction
from django.dispatch import receiver
from django.utils import timezone
from redis.backoff import NoBackoff
from redis.retry import Retry

from . import metrics
from .models import DailyCount, RollupBatch

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_client: redis.Redis | None = None
_client_url: str | None = None
# After a Redis failure, unbuffered calls skip Redis until this monotonic time, so a Redis
# that hangs costs each request nothing rather than a timeout.
_redis_down_until = 0.0


def redis_client() -> redis.Redis | None:
    """The process's one Redis client for counters (thread-safe, pooled); None when embedded."""
    global _client, _client_url
    url = settings.STATS_REDIS_URL
    if _client_url != url:
        with _lock:
            if _client_url != url:
                timeout = settings.STATS_REDIS_TIMEOUT
                # No retries: a command that timed out may have been run, and sending it again
                # would count twice. A failure is counted as a loss instead.
                _client = redis.Redis.from_url(
                    url, socket_timeout=timeout, socket_connect_timeout=timeout,
                    retry=Retry(NoBackoff(), 0), decode_responses=True,
                ) if url else None
                _client_url = url
    return _client


@receiver(setting_changed, dispatch_uid="stats.services.reset_client")
def _reset_client(setting, **kwargs):
    global _client, _client_url, _redis_down_until, _day
    if setting == "TIME_ZONE":
        _day = (date.min, 0.0, 0.0)
    if setting == "LANGUAGES":
        _checked.clear()
    if setting.startswith("STATS_") or setting == "REDIS_URL":
        _buffer.flush()
        _client = _client_url = None
        _redis_down_until = 0.0
        _buffer.wake.set()


def day_key(day: date) -> str:
    return f"{settings.STATS_REDIS_PREFIX}{day.isoformat()}"


_day: tuple[date, float, float] = (date.min, 0.0, 0.0)  # a day, and when it starts and ends


def today() -> date:
    """The site's current day (TIME_ZONE); cached until midnight, as it is asked on every count."""
    global _day
    day, starts, ends = _day
    now = time.time()
    if not starts <= now < ends:
        zone = timezone.get_default_timezone()
        day = datetime.fromtimestamp(now, zone).date()
        starts = datetime.combine(day, datetime.min.time(), zone).timestamp()
        ends = datetime.combine(day + timedelta(days=1), datetime.min.time(), zone).timestamp()
        _day = (day, starts, ends)
    return day


# Storage keys of calls already checked against the allow-list. Only allowed calls are kept,
# so it holds at most the allow-list's combinations (bounded below anyway).
_checked: dict[tuple, str] = {}
CHECKED_MAX = 10_000


def record(metric: str, **dims) -> None:
    """Count one event of `metric` with the given dimensions, for today. Never raises."""
    try:
        call = (metric, *dims.items())
        try:
            key = _checked.get(call)
        except TypeError:  # a value that cannot even be hashed is refused below
            key, call = None, None
        if key is None:
            key = metrics.field_for(metric, dims)
            if key is None:
                name = metric if metric in metrics.METRICS else "unknown"
                key = metrics.field_for("stats_rejected", {"metric": name})
            elif call is not None and len(_checked) < CHECKED_MAX:
                _checked[call] = key
        _increment(key)
    except Exception:  # a count is never worth a failed page
        logger.exception("stats: a count was lost")


def _increment(key: str) -> None:
    global _redis_down_until
    client = redis_client()
    day = today()
    if client is None:
        _add_in_database(day, {key: 1})
    elif settings.STATS_FLUSH_SECONDS > 0:
        _buffer.add(day, key)
    elif time.monotonic() < _redis_down_until:
        _add_in_database(day, {"stats_dropped": 1})
    else:
        try:
            client.hincrby(day_key(day), key, 1)
        except redis.RedisError as exc:
            _redis_down_until = time.monotonic() + settings.STATS_REDIS_RETRY_SECONDS
            logger.warning("stats: Redis unavailable (%s); counting the loss", type(exc).__name__)
            _add_in_database(day, {"stats_dropped": 1})


class _Buffer:
    """Counts not yet sent to Redis, per process; a daemon thread sends them periodically.

    After a fork the child starts empty (the parent sends what it had) with a lock and thread
    of its own. Flushes are serialised, so `flush` returns only once everything recorded
    before it is in Redis or counted as dropped.
    """

    def __init__(self):
        self._reset()

    def _reset(self):
        self.lock = threading.Lock()
        self.flushing = threading.Lock()
        # (day, the Redis key of the day's hash, field) -> count
        self.counts: dict[tuple[date, str, str], int] = {}
        self.thread: threading.Thread | None = None
        self.wake = threading.Event()  # set to make the thread re-read the interval

    def add(self, day: date, key: str) -> None:
        entry = (day, day_key(day), key)
        with self.lock:
            self.counts[entry] = self.counts.get(entry, 0) + 1
            if self.thread is None:
                self.thread = threading.Thread(
                    target=self._run, name="stats-flush", daemon=True
                )
                self.thread.start()

    def _run(self) -> None:
        while True:
            interval = settings.STATS_FLUSH_SECONDS
            woken = self.wake.wait(interval if interval > 0 else 1.0)
            self.wake.clear()
            if woken:
                continue  # the settings changed: wait again with the new interval
            try:
                self.flush()
            except Exception:
                logger.exception("stats: flushing counts failed")
            finally:
                connection.close()  # this thread's own database connection, if it opened one

    def flush(self) -> None:
        with self.flushing:
            with self.lock:
                counts, self.counts = self.counts, {}
            if not counts:
                return
            client = redis_client()
            try:
                if client is None:
                    raise redis.ConnectionError("no Redis configured any more")
                pipe = client.pipeline(transaction=False)
                for (_day, hash_key, key), n in counts.items():
                    pipe.hincrby(hash_key, key, n)
                pipe.execute()
            except redis.RedisError as exc:
                logger.warning("stats: Redis unavailable (%s); counting the loss",
                               type(exc).__name__)
                lost: dict[date, int] = {}
                for (day, _hash_key, _key), n in counts.items():
                    lost[day] = lost.get(day, 0) + n
                for day, n in lost.items():
                    _add_in_database(day, {"stats_dropped": n})


_buffer = _Buffer()
os.register_at_fork(after_in_child=_buffer._reset)


@atexit.register
def _flush_at_exit() -> None:
    try:
        _buffer.flush()
    except Exception:
        logger.exception("stats: the last counts could not be sent")


def counters_sync() -> None:
    """Send this process's buffered counts to Redis now (the roll-up, tests, shutdown)."""
    _buffer.flush()


def _add_in_database(day: date, counts: dict[str, int]) -> None:
    try:
        # A savepoint: if this fails inside a caller's transaction, only the count is lost.
        with transaction.atomic():
            counts_add(day=day, counts={metrics.field_split(key): n for key, n in counts.items()})
    except Exception:
        logger.exception("stats: a count could not be written")


def counts_add(*, day: date, counts: dict[tuple[str, str], int]) -> None:
    """Add `counts` ({(metric, dims): n}) to the day's DailyCount rows, creating missing ones.

    One INSERT ... ON CONFLICT DO UPDATE per row: atomic per row on SQLite and PostgreSQL, so
    concurrent callers never lose an increment.
    """
    if not counts:
        return
    table = connection.ops.quote_name(DailyCount._meta.db_table)
    sql = (
        f'INSERT INTO {table} ("day", "metric", "dims", "count") VALUES (%s, %s, %s, %s) '  # noqa: S608
        f'ON CONFLICT ("day", "metric", "dims") '
        f'DO UPDATE SET "count" = {table}."count" + excluded."count"'
    )
    rows = [(day, metric, dims, n) for (metric, dims), n in sorted(counts.items()) if n]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


# --------------------------------------------------------------------------------------------
# Roll-up: Redis hashes into DailyCount rows, exactly once.
#
# 1. claim: RENAME the day's hash to a batch key with a fresh id (atomic in Redis; counts
#    that arrive afterwards start a new hash for the day).
# 2. apply: in one database transaction, add the batch's counts and insert its id into
#    RollupBatch (unique).
# 3. forget: delete the batch key.
# A run first looks for batch keys left by a run that died: one whose id is in RollupBatch
# was applied and is only deleted; any other is applied. So a run killed at any point, or two
# runs at once, neither lose nor double-count.


@dataclass
class RollupReport:
    batches_applied: int = 0
    batches_already_applied: int = 0
    counts_moved: int = 0
    days: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "batches_applied": self.batches_applied,
            "batches_already_applied": self.batches_already_applied,
            "counts_moved": self.counts_moved,
            "days": self.days,
        }


def _batch_prefix() -> str:
    return f"{settings.STATS_REDIS_PREFIX}batch:"


def batch_claim(*, client: redis.Redis, day: date) -> str | None:
    """Rename the day's hash to a new batch key; None if there is no hash for that day."""
    batch_key = f"{_batch_prefix()}{day.isoformat()}:{uuid.uuid4().hex}"
    try:
        client.rename(day_key(day), batch_key)
    except redis.ResponseError:  # "no such key": nothing counted, or another run took it
        return None
    return batch_key


def batch_apply(*, client: redis.Redis, batch_key: str, report: RollupReport | None = None) -> bool:
    """Add a batch's counts to DailyCount once; False if it had been applied already."""
    report = report if report is not None else RollupReport()
    batch = batch_key.removeprefix(_batch_prefix())
    day = date.fromisoformat(batch.split(":", 1)[0])
    if RollupBatch.objects.filter(batch=batch).exists():
        report.batches_already_applied += 1
        return False
    counts: dict[tuple[str, str], int] = {}
    for key, value in client.hgetall(batch_key).items():
        split = metrics.field_split(key)
        if split is None:
            split = ("stats_rejected", "metric=unknown")
        counts[split] = counts.get(split, 0) + int(value)
    try:
        with transaction.atomic():
            RollupBatch.objects.create(batch=batch, day=day, applied_on=today())
            counts_add(day=day, counts=counts)
    except IntegrityError:  # another run applied it between our check and our insert
        report.batches_already_applied += 1
        return False
    report.batches_applied += 1
    report.counts_moved += sum(counts.values())
    if day.isoformat() not in report.days:
        report.days.append(day.isoformat())
    return True


def batch_forget(*, client: redis.Redis, batch_key: str) -> None:
    client.delete(batch_key)


def _day_keys(client: redis.Redis) -> list[date]:
    prefix = settings.STATS_REDIS_PREFIX
    days = []
    for key in client.scan_iter(match=f"{prefix}[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]",
                                count=1000):
        try:
            days.append(date.fromisoformat(key.removeprefix(prefix)))
        except ValueError:
            continue
    return sorted(days)


def rollup_run() -> RollupReport:
    """Move every Redis count into DailyCount; safe to run again, concurrently or after a kill."""
    report = RollupReport()
    if not settings.STATS_REDIS_URL:
        return report  # the embedded mode writes DailyCount directly
    counters_sync()
    # A client of its own: the roll-up may wait longer than a page ever should.
    client = redis.Redis.from_url(settings.STATS_REDIS_URL, socket_timeout=30,
                                  socket_connect_timeout=5, retry=Retry(NoBackoff(), 0),
                                  decode_responses=True)
    try:
        _rollup(client, report)
    finally:
        client.close()
    rollup_batches_prune()
    return report


def _rollup(client: redis.Redis, report: RollupReport) -> None:
    for batch_key in sorted(client.scan_iter(match=f"{_batch_prefix()}*", count=1000)):
        batch_apply(client=client, batch_key=batch_key, report=report)
        batch_forget(client=client, batch_key=batch_key)
    for day in _day_keys(client):
        batch_key = batch_claim(client=client, day=day)
        if batch_key is None:
            continue
        batch_apply(client=client, batch_key=batch_key, report=report)
        batch_forget(client=client, batch_key=batch_key)


def rollup_batches_prune() -> int:
    """Forget batch ids applied more than STATS_BATCH_KEEP_DAYS ago.

    A leftover batch key is dealt with by the next run, minutes later; after this many days
    none can remain, so its id is no longer needed.
    """
    cutoff = today() - timedelta(days=settings.STATS_BATCH_KEEP_DAYS)
    deleted, _ = RollupBatch.objects.filter(applied_on__lt=cutoff).delete()
    return deleted


HELPED_PER_CLIENT_PER_DAY = 3


def helped_answer_allowed(client_key: str) -> bool:
    """Whether this client's answer to "Has this helped?" is counted: a few a day per client
    (helpportal.privacy's daily key, in the cache only), so that one person cannot fill the
    published figures. A cache that cannot be reached counts the answer."""
    key = f"helped-client:{today():%Y%m%d}:{client_key}"
    try:
        cache.add(key, 0, 48 * 3600)
        return cache.incr(key) <= HELPED_PER_CLIENT_PER_DAY
    except Exception:  # noqa: BLE001 (a count is never worth a failed page)
        return True
