"""A referral flood on the production-mode stack, and a fresh visitor who must still get through
(docs/proof.md, "Attack"; the limits are docs/operations.md, "Referral floods").

The flood: submissions to one demo service from many IPv4 addresses (a few each, under the
per-client limit) and from many addresses of one IPv6 /64, 8 at a time, straight to gunicorn
with the address in X-Real-IP, as nginx sends it. Every submission carries words of its own.
While it runs, a fresh visitor goes through nginx over TLS (the address in X-Forwarded-For,
which the proof's nginx trusts from loopback): the referral form, their codename, their
mailbox and a follow-up message.

Goals: the fresh visitor's referral and mailbox both succeed; 0 words lost (every refusal,
whatever its status, gives the submission's own words back); no 5xx; no cookie with a
lifetime on any answer the visitor or the flood got.
"""

from __future__ import annotations

import re
import secrets
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from http.cookies import SimpleCookie
from urllib.parse import urlencode

from proof.checks import Check
from proof.forms import Browser, TLSBrowser
from proof.sealing_load import CODENAME, CSRF, ONCE, demo_service
from proof.stack import HOSTNAME, Stack

PART = "attack"
ONE_64 = "2001:db8:4d:64"


def lifetimes(header: str, into: list[str]) -> list[str]:
    """Adds "name: max-age=... expires=..." to `into` for each cookie of `header` that has a
    lifetime."""
    jar = SimpleCookie()
    jar.load(header)
    for name, morsel in jar.items():
        if morsel["max-age"] or morsel["expires"]:
            into.append(f"{name}: max-age={morsel['max-age']} expires={morsel['expires']}")
    return into


def visitor_lifetimes(visitor: TLSBrowser) -> list[str]:
    found: list[str] = []
    for header in visitor.set_cookies:
        lifetimes(header, found)
    return found


def flood_one(stack: Stack, service: str, n: int, address: str, seen: list[str]) -> dict:
    """One submission from `address`: its status, and whether its words came back."""
    browser = Browser(stack.web_port, timeout=120)
    headers = {"Host": HOSTNAME, "X-Forwarded-Proto": "https", "Origin": stack.origin,
               "X-Real-IP": address}
    path = f"/en/find-help/{service}/refer/"
    status, answer, html = browser.request("GET", path, headers=headers)
    for header in answer.get_all("Set-Cookie") or []:
        lifetimes(header, seen)
    words = f"Flood {n} words-{secrets.token_hex(6)}: please read this."
    fields = {"csrfmiddlewaretoken": CSRF.search(html).group(1),
              "once": ONCE.search(html).group(1), "acknowledge": "on", "ages": "on",
              "preferred_language": "", "contact": "", "message": words}
    status, answer, html = browser.request(
        "POST", path, body=urlencode(fields).encode(),
        headers={**headers, "Content-Type": "application/x-www-form-urlencoded"})
    for header in answer.get_all("Set-Cookie") or []:
        lifetimes(header, seen)
    return {"status": status, "codename": bool(CODENAME.search(html)) if status == 200 else None,
            "lost": status != 200 and words not in html}


def fresh_visitor(stack: Stack, service: str) -> dict:
    """The real person, during the flood: form, codename, mailbox and a follow-up, via nginx."""
    visitor = TLSBrowser(stack, "192.0.2.77")
    started = time.monotonic()
    path = f"/en/find-help/{service}/refer/"
    status, _location, html = visitor.request("GET", path)
    steps = {"form": status}
    words = f"I need to talk to someone {secrets.token_hex(4)}."
    status, _location, html = visitor.request("POST", path, {
        "csrfmiddlewaretoken": CSRF.search(html).group(1), "once": ONCE.search(html).group(1),
        "acknowledge": "on", "ages": "on", "preferred_language": "", "contact": "",
        "message": words})
    steps["referral"] = status
    match = CODENAME.search(html) if status == 200 else None
    if match is None:
        return {"steps": steps, "ok": False, "seconds": time.monotonic() - started,
                "lifetimes": visitor_lifetimes(visitor), "held": False}
    codename = match.group(1).strip()
    status, _location, html = visitor.request("GET", "/en/mailbox/")
    status, _location, html = visitor.request("POST", "/en/mailbox/", {
        "csrfmiddlewaretoken": CSRF.search(html).group(1), "codename": codename,
        "action": "open"})
    steps["mailbox"] = status
    opened = words in html
    held = "waiting for a check" in html
    opened_token = re.search(r'name="opened" value="([^"]+)"', html)
    once, csrf = ONCE.search(html), CSRF.search(html)
    status, _location, html = visitor.request("POST", "/en/mailbox/", {
        "csrfmiddlewaretoken": csrf.group(1) if csrf else "",
        "codename": codename, "action": "write",
        "body": "And one more thing I wanted to say, thank you.",
        "once": once.group(1) if once else "",
        "opened": opened_token.group(1) if opened_token else ""})
    steps["follow-up"] = status
    ok = (steps["referral"] == 200 and steps["mailbox"] == 200 and opened
          and steps["follow-up"] == 200)
    return {"steps": steps, "ok": ok, "seconds": time.monotonic() - started,
            "lifetimes": visitor_lifetimes(visitor), "held": held}


def run(stack: Stack, *, short: bool, log: Callable[[str], None]) -> list[Check]:
    addresses, each, from_64 = (100, 3, 100) if short else (500, 3, 500)
    service = demo_service(stack)
    plan = [f"10.{n // 250}.{n % 250}.1" for n in range(addresses) for _ in range(each)]
    plan += [f"{ONE_64}::{n + 1:x}" for n in range(from_64)]
    plan = [plan[i] for i in sorted(range(len(plan)), key=lambda i: (i * 7919) % len(plan))]
    log(f"attack: a flood of {len(plan)} referrals ({addresses} addresses x {each}, and "
        f"{from_64} addresses of one /64), and a fresh visitor through nginx")
    seen: list[str] = []
    done = threading.Event()
    visitor: dict = {}

    def visitor_when_the_flood_is_on():
        time.sleep(3 if short else 10)
        visitor.update(fresh_visitor(stack, service))
        done.set()

    started = time.monotonic()
    watcher = threading.Thread(target=visitor_when_the_flood_is_on, daemon=True)
    watcher.start()
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda item: flood_one(stack, service, item[0], item[1], seen),
                                enumerate(plan)))
    flood_seconds = time.monotonic() - started
    done.wait(300)
    statuses = Counter(result["status"] for result in results)
    lost = sum(result["lost"] for result in results)
    server_errors = sum(count for status, count in statuses.items() if status >= 500)
    taken_64 = sum(result["status"] == 200
                   for result, address in zip(results, plan, strict=True)
                   if address.startswith(ONE_64))
    held = stack.inapp("flood_facts", "held_count", {})
    figure = ", ".join(f"{status}: {count}" for status, count in sorted(statuses.items()))
    return [
        Check(PART, f"referral flood: a fresh visitor's referral, mailbox and follow-up "
                    f"during {len(plan)} submissions",
              (f"all succeeded in {visitor.get('seconds', 0):.1f} s "
               f"({'held for review' if visitor.get('held') else 'taken'})"
               if visitor.get("ok") else f"failed: {visitor.get('steps')}"),
              "all succeed", bool(visitor.get("ok")),
              [f"steps: {visitor.get('steps')}"]),
        Check(PART, "referral flood: words lost on a refusal", str(lost), "0", lost == 0,
              [f"answers: {figure}; the flood took {flood_seconds:.0f} s"]),
        Check(PART, "referral flood: 5xx answers", str(server_errors), "0", server_errors == 0),
        Check(PART, f"referral flood: taken from {from_64} addresses of one IPv6 /64",
              str(taken_64), "<= 5 (the per-client limit)", taken_64 <= 5),
        Check(PART, "referral flood: held for review instead of refused, and alerts",
              f"{held['held']} held, {held['alerts']} alert(s) to administrators",
              "held > 0, at least 1 alert", held["held"] > 0 and held["alerts"] >= 1),
        Check(PART, "cookies with a lifetime, on the flood's and the visitor's answers",
              str(len(seen) + len(visitor.get("lifetimes", []))), "0",
              not seen and not visitor.get("lifetimes"),
              sorted(set(seen + visitor.get("lifetimes", [])))[:10]),
    ]
