"""The seized-server check on the production-mode stack (docs/proof.md, "Security").

200 sealed referrals with a follow-up and a reply each are made inside the site; their
clinician signs in with their password (their key goes into a session) and leaves without
signing out. Then everything the stack keeps is taken: a `pg_dump` of its database, every value
in its Redis, every file under its directory (logs, nginx, TLS), its environment and secrets.
`proof/seized.py`, a separate process that imports nothing of the site, tries every key it can
find on every ciphertext. Goal: 0 of 200 referrals and 0 of 400 messages read; and in the same
run, the clinician's password opens all 200 and each codename exactly its own.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections.abc import Callable
from urllib.parse import urlencode, urlsplit

from proof.checks import ROOT, Check
from proof.forms import Browser, FormParser
from proof.stack import HOSTNAME, Stack, run_inapp

COUNT = 200


def _sign_in_and_leave(stack: Stack, username: str, password: str) -> None:
    """The password step through gunicorn: the session now holds the clinician's key, locked;
    its cookie half goes away with this browser."""
    browser = Browser(stack.web_port, timeout=60)
    headers = {"Host": HOSTNAME, "X-Forwarded-Proto": "https", "X-Real-IP": "203.0.113.77",
               "Origin": stack.origin}
    status, _headers, html = browser.request("GET", "/staff/login/", headers=headers)
    parser = FormParser()
    parser.feed(html)
    token = next(field["value"] for form in parser.forms for field in form["fields"]
                 if field["name"] == "csrfmiddlewaretoken")
    status, _headers, _body = browser.request(
        "POST", "/staff/login/",
        body=urlencode({"csrfmiddlewaretoken": token, "username": username,
                        "password": password}).encode(),
        headers={**headers, "Content-Type": "application/x-www-form-urlencoded"})
    if status != 302 or not any("key" in name for name in browser.cookies):
        raise RuntimeError(f"the clinician's sign-in answered {status} without a key cookie")


def _take_everything(stack: Stack, into) -> list[str]:
    """The dump, Redis and the stack's files into `into`; returns the arguments for
    proof/seized.py."""
    import redis

    database = urlsplit(stack.database_url)
    env = {**os.environ, "PGPASSWORD": database.password or ""}
    dump = into / "dump.sql"
    subprocess.run(["pg_dump", "--no-owner", "--host", database.hostname or "127.0.0.1",
                    "--port", str(database.port or 5432), "--username",
                    database.username or "postgres", "--file", str(dump),
                    database.path.lstrip("/")], env=env, check=True, timeout=300)
    client = redis.Redis.from_url(stack.redis_url)
    with (into / "redis.txt").open("w", encoding="utf-8") as out:
        for key in client.scan_iter(count=1000):
            kind = client.type(key).decode()
            value = {"string": client.get, "hash": client.hgetall,
                     "list": lambda k: client.lrange(k, 0, -1), "set": client.smembers,
                     "zset": lambda k: client.zrange(k, 0, -1)}.get(kind, lambda k: b"")(key)
            out.write(f"{key!r} {value!r}\n")
    (into / "env.txt").write_text(
        "\n".join(f"{name}={value}" for name, value in stack.env().items()), encoding="utf-8")
    return [str(dump), "--redis", str(into / "redis.txt"), "--env", str(into / "env.txt"),
            "--files", str(stack.dir)]


def run(stack: Stack, *, log: Callable[[str], None]) -> list[Check]:
    import tempfile
    from pathlib import Path

    from proof import seized

    password = "a seized-server proof password " + secrets.token_hex(4)
    log(f"security: seized server: {COUNT} sealed referrals inside the site")
    made = run_inapp(stack.env(), "seized_setup", "prepare",
                     {"count": COUNT, "password": password, "tag": secrets.token_hex(3)})
    _sign_in_and_leave(stack, made["username"], password)
    with tempfile.TemporaryDirectory(prefix="seized-") as workdir:
        arguments = _take_everything(stack, Path(workdir))
        log("security: seized server: the attacker's script (proof/seized.py), separately")
        attack = subprocess.run([sys.executable, "-m", "proof.seized", *arguments], cwd=ROOT,
                                capture_output=True, text=True, timeout=1800)
        tables = seized.tables_from_dump(Path(arguments[0]).read_text(encoding="utf-8"))
    figure = attack.stdout.strip().splitlines()[-1] if attack.stdout.strip() else attack.stderr
    ours = set(made["referrals"])
    by_password = set(seized.threads_opened_by_password(tables, made["username"], password))
    pepper = stack.env()["CODENAME_KEY"].encode()
    own = sum(seized.threads_opened_by_codename(tables, codename, pepper) == [pk]
              for pk, codename in made["referrals"].items())
    # proof/seized.py exits 0 only when it read no referral and no message.
    return [
        Check("security", "seized server (database, Redis, files, secrets; nobody signed "
              "in): referrals and messages read", figure, "0 of all (200 sealed here)",
              attack.returncode == 0 and len(tables.get("referrals_referral")) >= COUNT),
        Check("security", "seized server, positive controls",
              f"password opens {len(by_password & ours)} of {COUNT}; "
              f"each codename its own thread: {own} of {COUNT}",
              f"{COUNT} of {COUNT}; {COUNT} of {COUNT}",
              by_password >= ours and own == COUNT),
    ]
