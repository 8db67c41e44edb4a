"""What sealing costs: referral submit, mailbox open and staff sign-in under concurrency, and
the web workers' peak memory (issue 12's goals; bench/README.md, "Sealing").

    .venv/bin/python bench/sealing.py [--requests 80] [--workers N]

On the production-mode stack (proof/stack.py: gunicorn, worker, beat, PostgreSQL, Redis),
straight to gunicorn on loopback:

- referral submit: 8 visitors at once, each GET the form then POST it (seal to a new thread
  key, to the organisation's key and to the codename's key), `--requests` in all;
- mailbox open: 8 at once, POST a codename (derive the visitor's key, open the thread);
- staff sign-in: 4 at once, POST a password (PBKDF2 check, then Argon2id to unwrap the staff
  key, at most PASSWORD_KEY_CONCURRENCY at once per process);
- the gunicorn workers' peak resident memory (VmHWM) after it all.

Prints p50 and p95 of each against its goal (submit and open p95 <= 1 s at 8; sign-in p95
<= 1.5 s at 4). Rate limits are raised for the run; nothing reaches beyond loopback.
"""

from __future__ import annotations

import argparse
import re
import secrets
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from proof.forms import Browser  # noqa: E402
from proof.stack import HOSTNAME, Stack, run_inapp  # noqa: E402

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
              "acknowledge": "on", "preferred_language": "", "contact": "",
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


def report(name: str, values: list[float], goal: float) -> bool:
    ok = p95(values) <= goal
    print(f"{name:<34} n={len(values):<4} p50 {statistics.median(values):.3f} s  "
          f"p95 {p95(values):.3f} s  goal p95 <= {goal} s  {'PASS' if ok else 'FAIL'}")
    return ok


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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=80)
    parser.add_argument("--workers", type=int, default=3)
    args = parser.parse_args()
    limits = {"REFERRAL_LIMIT_PER_CLIENT_PER_DAY": "100000",
              "REFERRAL_LIMIT_GLOBAL_PER_HOUR": "100000",
              "MAILBOX_ATTEMPTS_PER_CLIENT_PER_HOUR": "100000"}
    with tempfile.TemporaryDirectory(prefix="bench-sealing-") as workdir, Stack(
            Path(workdir), http_port=18081, https_port=18444, web_workers=args.workers,
            extra_env=limits) as stack:
        password = "a benchmark password " + secrets.token_hex(4)
        made = run_inapp(stack.env(), "seized_setup", "prepare",
                         {"count": 0, "password": password, "tag": secrets.token_hex(3)})
        service = demo_service(stack)
        with ThreadPoolExecutor(max_workers=8) as pool:
            submitted = list(pool.map(lambda n: submit(stack, service, n), range(args.requests)))
        with ThreadPoolExecutor(max_workers=8) as pool:
            opened = list(pool.map(lambda item: mailbox_open(stack, item[1][1], item[0]),
                                   enumerate(submitted)))
        with ThreadPoolExecutor(max_workers=4) as pool:
            signed = list(pool.map(lambda n: sign_in(stack, made["username"], password, n),
                                   range(max(20, args.requests // 4))))
        print(f"gunicorn workers: {args.workers}; Argon2id: opslimit 3, 64 MiB, at most 2 at "
              "once per process")
        results = [report("referral submit (8 at once)", [s for s, _ in submitted], 1.0),
                   report("mailbox open (8 at once)", opened, 1.0),
                   report("staff sign-in (4 at once)", signed, 1.5)]
        print(f"gunicorn processes' peak memory (VmHWM, MiB): {sorted(peak_memory(stack))}")
    return 0 if all(results) else 1


def demo_service(stack: Stack) -> str:
    browser = Browser(stack.web_port, timeout=60)
    _status, _h, html = browser.request("GET", "/en/find-help/", headers=headers(stack, 0))
    for service in re.findall(r'href="/en/find-help/([0-9a-f-]{36})/"', html):
        _s, _h, page = browser.request("GET", f"/en/find-help/{service}/refer/",
                                       headers=headers(stack, 0))
        if 'name="once"' in page:
            return service
    raise RuntimeError("no demo service takes referrals")


if __name__ == "__main__":
    sys.exit(main())
