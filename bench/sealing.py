"""What sealing costs: referral submit, mailbox open and staff sign-in under concurrency, and
the web workers' peak memory (issue 12's goals; bench/README.md, "Sealing").

    .venv/bin/python bench/sealing.py [--requests 80] [--workers N]

The measuring is proof/sealing_load.py's (the proof's performance part runs it too), on a
production-mode stack of its own with the rate limits raised. Prints p50 and p95 of each
against its goal (submit and open p95 <= 1 s at 8 at once; sign-in p95 <= 1.5 s at 4).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from proof.sealing_load import GOALS, measure  # noqa: E402
from proof.stack import Stack  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=80)
    parser.add_argument("--workers", type=int, default=3)
    args = parser.parse_args()
    limits = {"REFERRAL_LIMIT_PER_CLIENT_PER_DAY": "100000",
              "REFERRAL_HOLD_ABOVE_PER_HOUR": "100000",
              "REFERRAL_HOLD_ABOVE_PER_SERVICE_PER_HOUR": "100000",
              "MAILBOX_ATTEMPTS_PER_CLIENT_PER_HOUR": "100000"}
    with tempfile.TemporaryDirectory(prefix="bench-sealing-") as workdir, Stack(
            Path(workdir), http_port=18081, https_port=18444, web_workers=args.workers,
            extra_env=limits) as stack:
        result = measure(stack, requests=args.requests)
    print(f"gunicorn workers: {args.workers}; Argon2id: opslimit 3, 64 MiB, at most 2 at once "
          "per process")
    ok = True
    for name, (p50, p95, n) in result["figures"].items():
        passed = p95 <= GOALS[name]
        ok &= passed
        print(f"{name:<10} n={n:<4} p50 {p50:.3f} s  p95 {p95:.3f} s  goal p95 <= {GOALS[name]} s"
              f"  {'PASS' if passed else 'FAIL'}")
    print(f"gunicorn processes' peak memory (VmHWM, MiB): {result['memory']}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
