"""What sealing costs under concurrency, on the production-mode stack: referral submit and
mailbox open with 8 visitors at once, staff sign-in (the login hash and the staff key's
Argon2id) with 4 at once, and the gunicorn workers' peak memory. A part of the performance
checks (proof/performance.py) and of bench/sealing.py; requests go straight to gunicorn on
loopback, each visitor with an address of its own so that the rate limits count them apart.
"""

from __future__ import annotations

import re
import secrets
import statistics
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

from proof.checks import Check
from proof.forms import Browser
from proof.stack import HOSTNAME, Stack, run_inapp

GOALS = {"submit": 1.0, "open": 1.0, "sign-in": 1.5}  # p95 seconds


CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
ONCE = re.compile(r'name="once" value="([^"]+)"')
CODENAME = re.compile(r'id="codename"[^>]*>([^<]+)<')


def headers(stack: Stack, n: int) -> dict[str, str]:
    return {"Host": HOSTNAME, "X-Forwarded-Proto": "https", "Origin": stack.origin,
            "X-Real-IP": f"198.51.100.{n % 250 + 1}"}


def form_post(browser, stack, path, fields, n):
    return browser.request("POST", path, body=urlencode(fields).encode(),
                           headers={**headers(stack, n), "Content-Type":
                                    "application/x-www-form-urlencoded"})


def submit(stack: Stack, service: str, n: int) -> tuple[float, str]:
    browser = Browser(stack.web_port, timeout=60)
    path = f"/en/find-help/{service}/refer/"
    _status, _h, html = browser.request("GET", path, headers=headers(stack, n))
    fields = {"csrfmiddlewaretoken": CSRF.search(html).group(1), "once": ONCE.search(html).group(1),
              "acknowledge": "on", "ages": "on", "preferred_language": "", "contact": "",
              "message": f"Benchmark message {n}: I would like to talk to someone, please."}
    started = time.perf_counter()
    status, _h, html = form_post(browser, stack, path, fields, n)
    elapsed = time.perf_counter() - started
    if status != 200:
        raise RuntimeError(f"submit answered {status}")
    return elapsed, CODENAME.search(html).group(1).strip()


def mailbox_open(stack: Stack, codename: str, n: int) -> float:
    browser = Browser(stack.web_port, timeout=60)
    _status, _h, html = browser.request("GET", "/en/mailbox/", headers=headers(stack, n))
    fields = {"csrfmiddlewaretoken": CSRF.search(html).group(1), "codename": codename,
              "action": "open"}
    started = time.perf_counter()
    status, _h, _html = form_post(browser, stack, "/en/mailbox/", fields, n)
    if status != 200:
        raise RuntimeError(f"mailbox open answered {status}")
    return time.perf_counter() - started


def sign_in(stack: Stack, username: str, password: str, n: int) -> float:
    browser = Browser(stack.web_port, timeout=60)
    _status, _h, html = browser.request("GET", "/staff/login/", headers=headers(stack, n))
    fields = {"csrfmiddlewaretoken": CSRF.search(html).group(1), "username": username,
              "password": password}
    started = time.perf_counter()
    status, _h, _html = form_post(browser, stack, "/staff/login/", fields, n)
    if status != 302:
        raise RuntimeError(f"sign-in answered {status}")
    return time.perf_counter() - started


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) >= 20 else max(values)


def peak_memory(stack: Stack) -> list[int]:
    """VmHWM of the stack's gunicorn master and each of its workers, in MiB."""
    import subprocess

    master = stack.processes["gunicorn"].process.pid
    pids = [str(master), *subprocess.run(["pgrep", "-P", str(master)], capture_output=True,
                                         text=True).stdout.split()]
    peaks = []
    for pid in pids:
        try:
            match = re.search(r"VmHWM:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text())
        except OSError:
            continue
        if match:
            peaks.append(int(match.group(1)) // 1024)
    return peaks


def demo_service(stack: Stack) -> str:
    browser = Browser(stack.web_port, timeout=60)
    _status, _h, html = browser.request("GET", "/en/find-help/", headers=headers(stack, 0))
    for service in re.findall(r'href="/en/find-help/([0-9a-f-]{36})/"', html):
        _s, _h, page = browser.request("GET", f"/en/find-help/{service}/refer/",
                                       headers=headers(stack, 0))
        if 'name="once"' in page:
            return service
    raise RuntimeError("no demo service takes referrals")



def measure(stack: Stack, *, requests: int) -> dict:
    """p95 and p50 of each, and the peak memory of the gunicorn processes (MiB)."""
    password = "a load-test password " + secrets.token_hex(4)
    made = run_inapp(stack.env(), "seized_setup", "prepare",
                     {"count": 0, "password": password, "tag": secrets.token_hex(3)})
    service = demo_service(stack)
    with ThreadPoolExecutor(max_workers=8) as pool:
        submitted = list(pool.map(lambda n: submit(stack, service, n), range(requests)))
    with ThreadPoolExecutor(max_workers=8) as pool:
        opened = list(pool.map(lambda item: mailbox_open(stack, item[1][1], item[0]),
                               enumerate(submitted)))
    for n in range(3):  # each worker's first Argon2id touches its 64 MiB: not measured
        sign_in(stack, made["username"], password, n)
    with ThreadPoolExecutor(max_workers=4) as pool:
        signed = list(pool.map(lambda n: sign_in(stack, made["username"], password, n),
                               range(max(20, requests // 4))))
    figures = {name: (statistics.median(values), p95(values), len(values))
               for name, values in (("submit", [s for s, _ in submitted]), ("open", opened),
                                    ("sign-in", signed))}
    return {"figures": figures, "memory": sorted(peak_memory(stack))}


def run(stack: Stack, *, short: bool, log: Callable[[str], None]) -> list[Check]:
    requests = 40 if short else 80
    log(f"performance: sealing under load ({requests} submits and opens at 8, sign-ins at 4)")
    result = measure(stack, requests=requests)
    labels = {"submit": "referral submit, 8 at once", "open": "mailbox open, 8 at once",
              "sign-in": "staff sign-in (Argon2id twice), 4 at once"}
    checks = [Check("performance", f"sealing: {labels[name]}, p95",
                    f"{p95_value:.3f} s (p50 {p50:.3f} s, n={n})", f"<= {GOALS[name]} s",
                    p95_value <= GOALS[name])
              for name, (p50, p95_value, n) in result["figures"].items()]
    checks.append(Check("performance", "sealing: gunicorn processes' peak memory (VmHWM)",
                        ", ".join(f"{mib} MiB" for mib in result["memory"]),
                        "reported (Argon2id: 64 MiB, at most 2 at once per process)", None))
    return checks
