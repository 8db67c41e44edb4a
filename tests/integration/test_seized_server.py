"""A seized server: the database (pg_dump of every table), every Redis value, and every
environment variable and secret, taken while nobody is signed in. The independent attacker of
proof/seized.py tries every key, salt and pepper it finds on every ciphertext and reads 0 of
200 referrals; in the same run a clinician's password opens all of their organisation's, and
each codename exactly its own."""

import hashlib
import os
import subprocess

import pytest
import redis
from django.conf import settings
from django.db import connection
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from proof import seized
from referrals.services import mailbox_visitor_write, referral_create, referral_reply
from tests.referrals.factories import make_member, make_service
from tests.staff.factories import PASSWORD, code_for, code_step, device_of, password_step

pytestmark = [pytest.mark.postgres, pytest.mark.redis,
              pytest.mark.django_db(transaction=True)]

N = 200


def pg_dump() -> str:
    db = connection.settings_dict
    env = {**os.environ, "PGPASSWORD": db.get("PASSWORD") or ""}
    result = subprocess.run(
        ["pg_dump", "--no-owner", "--host", db["HOST"] or "127.0.0.1", "--port",
         str(db["PORT"] or 5432), "--username", db["USER"], db["NAME"]],
        env=env, capture_output=True, text=True, check=True, timeout=120,
    )
    return result.stdout


def redis_values() -> list[str]:
    client = redis.Redis.from_url(settings.CACHES["default"]["LOCATION"])
    values = []
    for key in client.scan_iter(count=1000):
        kind = client.type(key).decode()
        if kind == "string":
            values.append(repr(client.get(key)))
        elif kind == "hash":
            values.append(repr(client.hgetall(key)))
        elif kind == "list":
            values.append(repr(client.lrange(key, 0, -1)))
        elif kind == "set":
            values.append(repr(client.smembers(key)))
        elif kind == "zset":
            values.append(repr(client.zrange(key, 0, -1)))
        values.append(key.decode("utf-8", "replace"))
    return values


def secrets_of_the_stack() -> list[str]:
    found = [settings.SECRET_KEY, settings.CODENAME_KEY, *settings.REFERRAL_KEYS]
    found += [value for value in os.environ.values() if len(value) >= 16]
    return [value for value in found if value]


def test_a_seized_server_reads_no_referral_and_the_controls_read_theirs():
    first, second = make_service(), make_service()
    clinician = make_member(first.organization, "seized-clinician")
    colleague = make_member(second.organization, "seized-colleague")
    codenames = {}
    for n in range(N):
        service = first if n % 2 == 0 else second
        author = clinician if service is first else colleague
        referral, codename = referral_create(
            service=service, message=f"Seized-words-{n:03d}: I need help to stop.",
            contact=f"seized-contact-{n:03d}@example.invalid", codename_language="en")
        mailbox_visitor_write(referral=referral, codename=codename,
                              body=f"Seized-follow-up-{n:03d}: evenings suit me.")
        referral_reply(actor=author, referral=referral, body=f"Seized-reply-{n:03d}: welcome.")
        codenames[str(referral.pk)] = codename

    TOTPDevice.objects.create(user=clinician, name="Authenticator app", confirmed=True)
    # The clinician signed in (their key went into a session) and closed the browser without
    # signing out: the session row stays, the cookie half is gone with the browser.
    browser = Client()
    password_step(browser, clinician.username)
    code_step(browser, code_for(device_of(clinician)))
    assert browser.get("/staff/portal/").status_code == 200
    del browser

    dump = pg_dump()
    tables = seized.tables_from_dump(dump)
    report = seized.analyse(tables, [dump, *redis_values()], secrets_of_the_stack())
    print(report.summary())
    assert report.referrals == N and report.messages == 2 * N
    assert (report.referrals_read, report.messages_read) == (0, 0)
    assert report.keys_opened == 0 and report.keys_tried > N
    assert "Seized-" not in dump and "seized-contact" not in dump

    # Positive controls: the same script, given a password or a codename, reads.
    opened = seized.threads_opened_by_password(tables, clinician.username, PASSWORD)
    ids_of_first = {row["id"] for row in tables.get("referrals_referral")
                    if row["service_id"] == str(first.pk)}
    assert set(opened) == ids_of_first and len(opened) == N // 2
    # The pepper as the stack has it: CODENAME_KEY, or (DEBUG without one) derived from
    # SECRET_KEY, as referrals/crypto.py does.
    pepper = settings.CODENAME_KEY.encode() or hashlib.sha256(
        f"codename-key:{settings.SECRET_KEY}".encode()).digest()
    for pk, codename in codenames.items():
        assert seized.threads_opened_by_codename(tables, codename, pepper) == [pk]
