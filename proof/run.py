"""The proof harness: Helpportal's promises shown, not claimed, in one command.

    python3 dev.py proof [--short] [--parts privacy,security,performance,reliability]

(`make proof` is the same; `.venv/bin/python -m proof` skips dev.py's set-up.) It starts the
production-mode stack on loopback (proof/stack.py: nginx with TLS from an authority it makes,
gunicorn, a Celery worker and beat, PostgreSQL, Redis), runs the parts below against it, prints
a table of every figure with its goal and PASS or FAIL, and writes var/proof/report.md and
var/proof/report.json. The exit status is 0 only when every check passed.

- privacy (proof/privacy.py): crawl and journeys with a made-up address and user agent, then
  both searched for in the database, Redis and every log; cookies; requests to other hosts.
- security (proof/security.py, proof/fuzz.py, proof/xss.py, proof/validators.py): HTTP
  Observatory grade, check --deploy, bandit, pip-audit, hypothesis fuzzing, XSS payloads in
  chromium, the Nu Html Checker and pa11y (HTML_CodeSniffer, axe) over every public page.
- performance (proof/performance.py): wrk figures and ratios, Lighthouse, page weight.
- attack (proof/attack_slow.py, proof/attack_flood.py, proof/attack_lockout.py): slow
  clients (slowhttptest), a referral flood from many addresses and from one /64, and a lockout
  attempt against a clinician, each with a fresh person who must still get through.
- reliability (proof/reliability.py): the referral chaos run (worker kills, Redis and
  PostgreSQL restarts) and a Redis outage, each on a stack of its own.

--short is the version CI runs (.ci/run): the same checks with fewer requests, events and
seconds. --chaos-result FILE (CI) takes the chaos run's figures from the test suite's run
(tests/integration/test_referral_chaos.py wrote them to FILE) instead of running it again; see
proof/reliability.py. See docs/proof.md.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import signal
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from .checks import Check, commit, failed
from .stack import ROOT, Stack

PARTS = ("privacy", "security", "performance", "attack", "reliability")
OUT = ROOT / "var" / "proof"


def say(message: str) -> None:
    print(f"[proof] {message}", file=sys.stderr, flush=True)


def stack_parts(stack: Stack, parts: list[str], short: bool) -> list[Check]:
    checks: list[Check] = []
    if "privacy" in parts:
        checks += guarded("privacy", "privacy audit",
                          lambda: part("privacy").run(stack, short=short, log=say))
        checks += guarded("privacy", "codename word lists", lambda: part("codename_lists").run())
    if "security" in parts:
        checks += guarded("security", "Observatory, check --deploy, bandit, pip-audit",
                          lambda: part("security").run(stack, log=say))
        checks += guarded("security", "fuzzing", lambda: part("fuzz").run(
            stack, requests=500 if short else 10_000, log=say))
        checks += guarded("security", "XSS payloads", lambda: part("xss").run(stack, log=say))
        checks += guarded("security", "Nu Html Checker and pa11y",
                          lambda: part("validators").run(stack, log=say))
        checks += guarded("security", "seized server",
                          lambda: part("seized_check").run(stack, log=say))
    if "performance" in parts:
        checks += guarded("performance", "performance",
                          lambda: part("performance").run(stack, short=short, log=say))
        if not short:  # latency goals on a shared 2-core machine: the full proof only
            checks += guarded("performance", "sealing under load",
                              lambda: part("sealing_load").run(stack, short=short, log=say))
    if "attack" in parts:  # last on the stack: it fills the database and strains nginx
        checks += guarded("attack", "slow clients",
                          lambda: part("attack_slow").run(stack, short=short, log=say))
        checks += guarded("attack", "referral flood",
                          lambda: part("attack_flood").run(stack, short=short, log=say))
        checks += guarded("attack", "sign-in lockout",
                          lambda: part("attack_lockout").run(stack, short=short, log=say))
    return checks


def part(name: str):
    """The module of a part, imported when it runs (a broken one fails only its checks)."""
    return importlib.import_module(f"proof.{name}")


def guarded(part: str, name: str, measure) -> list[Check]:
    """A part that breaks is a failed check with the reason, and the others still run."""
    started = time.monotonic()
    try:
        checks = measure()
    except Exception as exc:  # noqa: BLE001
        checks = [failed(part, name, "runs", exc)]
    say(f"{name}: {time.monotonic() - started:.0f} s")
    return checks


def table(checks: list[Check]) -> str:
    rows = [("part", "check", "figure", "goal", "result")]
    rows += [(c.part, c.name, c.figure, c.goal, c.verdict) for c in checks]
    widths = [min(max(len(row[i]) for row in rows), limit)
              for i, limit in enumerate((11, 60, 58, 24, 6))]

    def line(row) -> str:
        cells = []
        for cell, width in zip(row, widths, strict=True):
            cell = cell if len(cell) <= width else cell[: width - 1] + "…"
            cells.append(cell.ljust(width))
        return "  ".join(cells).rstrip()

    return "\n".join([line(rows[0]), line(tuple("-" * w for w in widths))]
                     + [line(row) for row in rows[1:]])


def markdown(checks: list[Check], meta: dict) -> str:
    def cell(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")

    passed = sum(1 for c in checks if c.passed is True)
    failed_ = [c for c in checks if c.passed is False]
    out = [
        "# Helpportal proof report",
        "",
        f"- when: {meta['finished']} ({meta['seconds']:.0f} s)",
        f"- command: `{meta['command']}`",
        f"- commit: {meta['commit']}",
        f"- machine: {meta['machine']}",
        f"- result: **{'PASS' if not failed_ else 'FAIL'}**: {passed} passed, "
        f"{len(failed_)} failed, {sum(1 for c in checks if c.passed is None)} figures "
        "without a goal",
        "",
    ]
    for part in PARTS:
        part_checks = [c for c in checks if c.part == part]
        if not part_checks:
            continue
        out += [f"## {part.capitalize()}", "", "| check | figure | goal | result |",
                "| --- | --- | --- | --- |"]
        out += [f"| {cell(c.name)} | {cell(c.figure)} | {cell(c.goal)} | "
                f"{'**FAIL**' if c.passed is False else c.verdict} |" for c in part_checks]
        out.append("")
        for c in part_checks:
            if c.details:
                out += [f"### {c.name}", "", "```"]
                out += [line for line in c.details[:60]]
                if len(c.details) > 60:
                    out.append(f"... and {len(c.details) - 60} more")
                out += ["```", ""]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--short", action="store_true",
                        help="the short version CI runs: fewer requests, events and seconds")
    parser.add_argument("--chaos-result", type=Path, default=None, metavar="FILE",
                        help="the reliability part reports the chaos run the test suite made "
                             "(its figures in FILE, HELPPORTAL_CHAOS_RESULT of the tests) "
                             "instead of running it again")
    parser.add_argument("--parts", default=",".join(PARTS),
                        help=f"comma-separated, from {', '.join(PARTS)} (all)")
    args = parser.parse_args(argv)
    parts = [part.strip() for part in args.parts.split(",") if part.strip()]
    unknown = sorted(set(parts) - set(PARTS))
    if unknown:
        parser.error(f"unknown part(s): {', '.join(unknown)}")

    def on_signal(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_signal)
    started = time.monotonic()
    OUT.mkdir(parents=True, exist_ok=True)
    checks: list[Check] = []
    try:
        if set(parts) & {"privacy", "security", "performance"}:
            stack = Stack(OUT / "stack", log=say)
            try:
                stack.start()
                checks += stack_parts(stack, parts, args.short)
            except Exception as exc:  # noqa: BLE001 (the stack did not start)
                checks.append(failed("security", "production stack starts", "starts", exc))
            finally:
                stack.stop()
        if "reliability" in parts:
            checks += guarded("reliability", "reliability",
                              lambda: part("reliability").run(
                                  OUT, short=args.short, log=say,
                                  chaos_result=args.chaos_result))
    except KeyboardInterrupt:
        say("interrupted; everything stopped")
        return 130

    meta = {
        "finished": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "seconds": time.monotonic() - started,
        "command": "python3 dev.py proof" + (" --short" if args.short else "")
        + ("" if parts == list(PARTS) else f" --parts {','.join(parts)}")
        + (f" --chaos-result {args.chaos_result}" if args.chaos_result else ""),
        "commit": commit(),
        "machine": f"{platform.node()}, {os.cpu_count()} CPUs, Python "
                   f"{platform.python_version()}",
        "parts": parts,
        "short": args.short,
    }
    (OUT / "report.md").write_text(markdown(checks, meta))
    (OUT / "report.json").write_text(
        json.dumps({"meta": meta, "checks": [c.as_dict() for c in checks]}, indent=2))
    print()
    print(table(checks))
    bad = [c for c in checks if c.passed is False]
    print()
    for check in bad:
        print(f"FAIL  {check.part}: {check.name}: {check.figure}")
        for line in check.details[:8]:
            print(f"        {line}")
    print(f"{len(checks) - len(bad)} of {len(checks)} checks passed or reported; "
          f"{len(bad)} failed. Report: {(OUT / 'report.md').relative_to(ROOT)} "
          f"({meta['seconds']:.0f} s)")
    return 1 if bad or not checks else 0


if __name__ == "__main__":
    sys.exit(main())
