"""A visitor's address, user agent and referrer end up in no log line, table or cache entry."""

import logging
import pickle
import uuid

import pytest
from django.core.cache import cache
from django.db import connection

from proof.public_urls import all_public_paths

pytestmark = pytest.mark.django_db(transaction=True)

ADDRESS = "203.0.113.7"


def dump_every_table() -> str:
    rows = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            rows.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(rows)


def dump_the_cache() -> str:
    backend = cache._cache if hasattr(cache, "_cache") else None
    if isinstance(backend, dict):  # local memory
        return "\n".join(f"{key!r} {pickle.loads(value)!r}" for key, value in backend.items())
    client = cache._cache.get_client()  # Redis
    parts = []
    for key in client.scan_iter(count=1000):
        value = client.dump(key) or b""
        parts.append(f"{key!r} {value!r}")
    return "\n".join(parts)


@pytest.fixture
def every_log_record():
    records = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(f"{self.format(record)} {record.__dict__!r}")

    handler = Keep(level=logging.DEBUG)
    loggers = [logging.getLogger(name) for name in ("", "django", "django.request",
                                                    "django.server", "django.security")]
    previous = [(logger, logger.level) for logger in loggers]
    for logger in loggers:
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)
    yield records
    for logger, level in previous:
        logger.removeHandler(handler)
        logger.setLevel(level)


def test_a_visit_leaves_no_address_user_agent_or_referrer_anywhere(client, every_log_record, capfd):
    agent = f"HelpportalProbe/{uuid.uuid4()}"
    referrer = f"https://referrer-{uuid.uuid4().hex}.example/search"
    headers = {
        "REMOTE_ADDR": ADDRESS,
        "HTTP_X_FORWARDED_FOR": ADDRESS,
        "HTTP_X_REAL_IP": ADDRESS,
        "HTTP_USER_AGENT": agent,
        "HTTP_REFERER": referrer,
    }
    for path in [*all_public_paths(), "/", "/en/no-such-page/", "/healthz"]:
        client.get(path, **headers)
    client.get("/en/", HTTP_HOST="bad host", **headers)
    client.post("/staff/admin/login/", {"username": "nobody", "password": "wrong"}, **headers)
    # Keys derived from the address for rate limits must not reveal it either.
    for path in ("/en/", "/fi/"):
        response = client.get(path, **headers)
        str(response.wsgi_request.client_key)

    out, err = capfd.readouterr()
    places = {
        "log records": "\n".join(every_log_record),
        "stdout and stderr": out + err,
        "database": dump_every_table(),
        "cache": dump_the_cache(),
    }
    assert every_log_record, "the probe should have produced some log records (404, 400)"
    for place, text in places.items():
        for secret in (ADDRESS, agent, referrer):
            assert secret not in text, f"{secret} found in {place}"


def test_the_request_reaching_a_view_carries_no_address_or_user_agent(client):
    response = client.get(
        "/en/", REMOTE_ADDR=ADDRESS, HTTP_X_FORWARDED_FOR=ADDRESS, HTTP_USER_AGENT="Probe/1"
    )
    meta = response.wsgi_request.META
    assert meta["REMOTE_ADDR"] != ADDRESS
    assert "HTTP_X_FORWARDED_FOR" not in meta
    assert "HTTP_USER_AGENT" not in meta


def test_the_client_key_tells_addresses_apart_without_containing_them(client):
    first = client.get("/en/", REMOTE_ADDR=ADDRESS).wsgi_request.client_key
    again = client.get("/en/", REMOTE_ADDR=ADDRESS).wsgi_request.client_key
    other = client.get("/en/", REMOTE_ADDR="198.51.100.9").wsgi_request.client_key
    assert str(first) == str(again)
    assert str(first) != str(other)
    assert ADDRESS not in str(first)


def test_the_client_key_changes_when_the_daily_secret_does(client):
    before = str(client.get("/en/", REMOTE_ADDR=ADDRESS).wsgi_request.client_key)
    cache.clear()  # what the end of the secret's day (its TTL) amounts to
    after = str(client.get("/en/", REMOTE_ADDR=ADDRESS).wsgi_request.client_key)
    assert before != after


def test_the_client_key_still_works_when_the_cache_is_down(client, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
            "OPTIONS": {"socket_connect_timeout": 0.2},
        }
    }
    first = str(client.get("/en/", REMOTE_ADDR=ADDRESS).wsgi_request.client_key)
    again = str(client.get("/en/", REMOTE_ADDR=ADDRESS).wsgi_request.client_key)
    assert first == again and ADDRESS not in first
