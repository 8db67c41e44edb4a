"""A lockout attempt against a clinician on the production-mode stack (docs/proof.md, "Attack";
the rules are docs/staff-accounts.md, "Lockout").

Inside the site: a clinician of a demo organisation with an authenticator app, and an
administrator to alert (proof/inapp/lockout_setup.py). The attack: 100 wrong passwords (short:
40) for the clinician, 5 from each of many addresses, through nginx over TLS (the address in
X-Forwarded-For, which the proof's nginx trusts from loopback), 8 connections at a time. Then the
clinician, from an address of their own: the password, then the code from their app.

Goals: the clinician is signed in at the first try; each attacking connection waits after its
fifth wrong password, even with the right one; the administrators are alerted as the rules say
(once, when the failures from all connections reach the alert count); django-axes keeps no
address and no user agent, only fd00:: client keys.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
import struct
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from proof.checks import Check
from proof.forms import FormParser, TLSBrowser
from proof.stack import Stack

PART = "attack"
LOGIN = "/staff/login/"
VERIFY = "/staff/verify/"
OWNER = "192.0.2.44"
PRIVATE = ipaddress.ip_network("fd00::/8")


class Visitor(TLSBrowser):
    """One browser through nginx over TLS, "from" `address`: a cookie jar and form tokens."""

    def post_form(self, path: str, fields: dict) -> tuple[int, str, str]:
        """GET the page for its CSRF token, then POST `fields` with it."""
        _status, _location, html = self.request("GET", path)
        parser = FormParser()
        parser.feed(html)
        token = next(field["value"] for form in parser.forms for field in form["fields"]
                     if field["name"] == "csrfmiddlewaretoken")
        return self.request("POST", path, {"csrfmiddlewaretoken": token, **fields})


def totp_now(key: str, step: int, t0: int, digits: int, drift: int) -> str:
    """The code the clinician's app shows now (RFC 6238, as django-otp checks it)."""
    counter = int((time.time() - t0) // step) + drift
    mac = hmac.new(bytes.fromhex(key), struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    value = int.from_bytes(mac[offset:offset + 4], "big") & 0x7FFFFFFF
    return str(value % 10 ** digits).zfill(digits)


def attacker(n: int) -> str:
    return f"198.51.100.{n}" if n < 250 else f"203.0.113.{n - 249}"


def attack_one(stack: Stack, username: str, address: str, tries: int) -> list[tuple[int, bool]]:
    """`tries` wrong passwords from one address: (status, answered with the lockout page)."""
    visitor = Visitor(stack, address)
    answers = []
    for _ in range(tries):
        status, _location, html = visitor.post_form(
            LOGIN, {"username": username, "password": "wrong " + secrets.token_hex(6)})
        answers.append((status, status == 429 and "Account locked for now" in html))
    return answers


def owner_signs_in(stack: Stack, made: dict, password: str) -> dict:
    """The clinician, from their own address: password, code, and the page they land on."""
    visitor = Visitor(stack, OWNER)
    started = time.monotonic()
    first, to, _html = visitor.post_form(LOGIN, {"username": made["username"],
                                                 "password": password})
    second, landing, landed = None, "", None
    if first == 302 and to.startswith(VERIFY):
        second, landing, _html = visitor.post_form(VERIFY, {"code": totp_now(**made["totp"])})
        if second == 302 and not landing.startswith((LOGIN, VERIFY)):
            landed, _location, _html = visitor.request("GET", landing)
    return {"password": first, "code": second, "landing": landing, "landed": landed,
            "seconds": time.monotonic() - started,
            "in": first == 302 and second == 302 and landed == 200}


def mails_about(stack: Stack, username: str, want: int, wait: float = 20) -> int:
    """Alert mails about `username` in the worker's log (the console mail backend)."""
    needle = f'staff account "{username}"'
    deadline = time.monotonic() + (wait if want else 3)
    while True:
        found = sum(path.read_text(errors="replace").count(needle) for path in stack.logs()
                    if path.name.startswith("worker"))
        if found >= want or time.monotonic() > deadline:
            return found
        time.sleep(0.5)


def run(stack: Stack, *, short: bool, log: Callable[[str], None]) -> list[Check]:
    tries = 40 if short else 100
    password = "a lockout proof password " + secrets.token_hex(4)
    made = stack.inapp("lockout_setup", "prepare", {"password": password,
                                                    "tag": secrets.token_hex(3)})
    free = made["free_tries"]
    addresses = [attacker(n) for n in range(1, tries // free + 1)]
    log(f"attack: lockout: {tries} wrong passwords for {made['username']} "
        f"from {len(addresses)} addresses")
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = [answer for one in pool.map(
            lambda address: attack_one(stack, made["username"], address, free), addresses)
            for answer in one]
    attack_seconds = time.monotonic() - started
    waiting = sum(page for _status, page in answers)
    statuses = sorted({status for status, _page in answers})
    owner = owner_signs_in(stack, made, password)
    log(f"attack: lockout: the clinician {'got in' if owner['in'] else 'did NOT get in'} "
        f"in {owner['seconds']:.2f} s")
    # An attacking connection is still held up, even with the right password.
    held, _to, _html = Visitor(stack, addresses[0]).post_form(
        LOGIN, {"username": made["username"], "password": password})

    kept = stack.inapp("lockout_setup", "kept", {"username": made["username"],
                                                 "addresses": [*addresses, OWNER]})
    expected_alerts = 1 if kept["failures"] >= made["alert_at"] else 0
    mailed = mails_about(stack, made["username"], expected_alerts)
    private = all(ipaddress.ip_address(value) in PRIVATE for value in kept["stored"]
                  if value not in ("None", "0.0.0.0"))  # noqa: S104 (rows of before, if any)
    return [
        Check(PART, f"sign-in lockout: the clinician, after {tries} wrong passwords from "
              f"{len(addresses)} other addresses, signs in from their own (password and code)",
              f"{'signed in' if owner['in'] else 'refused'} at the first try in "
              f"{owner['seconds']:.2f} s (password {owner['password']}, code {owner['code']}, "
              f"landing {owner['landed']})",
              "signed in at once", owner["in"],
              [f"landing page: {owner['landing']}"]),
        Check(PART, "sign-in lockout: the attacking connections",
              f"{len(answers)} wrong tries in {attack_seconds:.1f} s, {waiting} answered with "
              f"the wait page (statuses {statuses}), {kept['failures']} counted; an attacking "
              f"address with the right password: {held}",
              f"each address waits after its {free}th; the right password from one: 429",
              waiting == len(addresses) and kept["failures"] == len(answers) and held == 429
              and owner["in"]),
        Check(PART, "sign-in lockout: administrator alerts (audit log; mailed)",
              f"{len(kept['alerts'])} recorded, {mailed} mailed",
              f"{expected_alerts} and {expected_alerts} ({kept['failures']} failures; alert at "
              f"{made['alert_at']}, username lock at {made['username_lock_at']})",
              len(kept["alerts"]) == expected_alerts and mailed == expected_alerts,
              [str(alert) for alert in kept["alerts"]]),
        Check(PART, "sign-in lockout: what django-axes keeps",
              f"{kept['rows']} rows for the clinician; addresses found: "
              f"{len(kept['addresses_found'])}; stored values all in fd00::/8: {private}; "
              f"user agents {kept['user_agents']}; access and failure log rows: "
              f"{kept['log_rows']}",
              "no address or user agent, only fd00:: keys",
              not kept["addresses_found"] and private and kept["user_agents"] in ([], [""])
              and kept["log_rows"] == 0,
              kept["addresses_found"][:5]),
    ]
