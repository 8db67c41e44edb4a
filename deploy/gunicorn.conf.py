"""Gunicorn settings for Helpportal (production and the bench).

    gunicorn -c deploy/gunicorn.conf.py helpportal.wsgi

Read from the environment:

    GUNICORN_BIND     address to listen on (default 0.0.0.0:8000; several: comma-separated)
    WEB_CONCURRENCY   worker processes (default 2 x CPUs + 1, at least 2, at most 12)
    GUNICORN_TIMEOUT  seconds a request may run before its worker is replaced (default 30)
    GUNICORN_MAX_REQUESTS  replace a worker after this many requests (default 0: never)
    GUNICORN_LOG_LEVEL     error log level (default info)

Privacy: there is no access log, so no client address, user agent or URL is written per
request; the error log goes to stderr. Gunicorn's one warning that names the peer ("Invalid
request from ip=...") has the address removed below. Behind nginx that peer is nginx anyway,
and the visitor's address arrives only in X-Real-IP, which the app hashes and drops.

forwarded_allow_ips keeps gunicorn's default (127.0.0.1 only): gunicorn itself does not trust
X-Forwarded-* from other hosts. Django reads X-Forwarded-Proto itself (SECURE_PROXY_SSL_HEADER);
nginx always overwrites that header, and gunicorn must never be published without nginx.
"""

import logging
import os
import re


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise SystemExit(f"{name} must be a whole number, not {value!r}") from None


def _cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


# Sync workers: one request per process, the simplest model for a server-rendered site behind
# a buffering proxy (nginx reads slow clients' requests and responses, not gunicorn).
# Each worker holds a full Django process (~60-100 MB), hence the cap.
bind = [
    item.strip()
    for item in os.environ.get("GUNICORN_BIND", "0.0.0.0:8000").split(",")  # noqa: S104
    if item.strip()
]
worker_class = "sync"
workers = max(1, _env_int("WEB_CONCURRENCY", min(max(2 * _cpu_count() + 1, 2), 12)))
timeout = _env_int("GUNICORN_TIMEOUT", 30)
graceful_timeout = 30  # on SIGTERM, finish requests in flight for up to this long
max_requests = _env_int("GUNICORN_MAX_REQUESTS", 0)
max_requests_jitter = max_requests // 10

# Request limits (nginx in front enforces its own, tighter body limit of 1 MB).
limit_request_line = 4094
limit_request_fields = 50
limit_request_field_size = 8190

# Logs: no access log at all; errors to stderr.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
capture_output = False

# The worker heartbeat file: /dev/shm is memory, so a slow container disk cannot make the
# arbiter think a busy worker hung.
SHARED_MEMORY = "/dev/shm"  # noqa: S108 (gunicorn creates its own private file in it)
if os.path.isdir(SHARED_MEMORY):
    worker_tmp_dir = SHARED_MEMORY

# Gunicorn >= 25.1 opens a control socket under $HOME by default; nothing uses it here, and
# the container's user has no home directory.
control_socket_disable = True


class _NoPeerAddress(logging.Filter):
    """Remove "ip=<address>" from gunicorn's error log lines."""

    _pattern = re.compile(r"\bip=\S*?(?=:\s|\s|$)")

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "ip=" in message:
            record.msg = self._pattern.sub("ip=[removed]", message)
            record.args = ()
        return True


# By name, not class: a configuration reload (SIGHUP) runs this file again.
_error_logger = logging.getLogger("gunicorn.error")
if not any(type(f).__name__ == "_NoPeerAddress" for f in _error_logger.filters):
    _error_logger.addFilter(_NoPeerAddress())
