#!/usr/bin/env python3
"""Helpportal's two commands, for a fresh machine with only python3.

    python3 dev.py run     set up, then serve the site on http://127.0.0.1:8000/
    python3 dev.py test    set up, then run the whole test suite
    python3 dev.py proof   the proof harness (docs/proof.md); --short is CI's version
    python3 dev.py code demo-clinician
                           the second-factor code of a demo account `run` made, for now

Set-up is idempotent: a virtual environment in .venv, the locked dependencies
(requirements/*.txt, installed with --require-hashes), migrations, and demo content for `run`.
`test` uses PostgreSQL and Redis when they answer (DATABASE_URL / REDIS_URL, or the usual local
ports) and says plainly which suites it skipped when they do not.
"""

import hashlib
import os
import secrets
import shutil
import socket
import subprocess
import sys
import venv
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / "python"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/helpportal"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/1"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def say(message: str) -> None:
    print(f"[dev] {message}", flush=True)


def ensure_venv(lock: str) -> None:
    """Create .venv and install the lock file, unless this exact lock is installed already."""
    lock_path = ROOT / "requirements" / lock
    digest = hashlib.sha256(lock_path.read_bytes()).hexdigest()[:16]
    stamp = VENV / f".installed-{lock}-{digest}"
    if stamp.exists():
        return
    if not PYTHON.exists():
        say(f"creating the virtual environment in {VENV}")
        venv.EnvBuilder(with_pip=True, clear=False).create(VENV)
    say(f"installing requirements/{lock} (pinned, with hashes)")
    # The lock names every file by its hash, so where it comes from does not matter; a
    # machine's pip configuration may add local mirrors that hold only some packages, and pip
    # then warns once per package. Unless PIP_CONFIG_FILE says otherwise, no config file is
    # read (environment variables such as PIP_INDEX_URL and PIP_CERT still apply).
    env = dict(os.environ)
    env.setdefault("PIP_CONFIG_FILE", os.devnull)
    subprocess.run(
        [str(PYTHON), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         "--require-hashes", "--no-deps", "-r", str(lock_path)],
        check=True, env=env,
    )
    for old in VENV.glob(f".installed-{lock}-*"):
        old.unlink()
    stamp.touch()


def manage(*args: str, env: dict | None = None) -> None:
    subprocess.run([str(PYTHON), str(ROOT / "manage.py"), *args], check=True, env=env)


def reachable(url: str, default_port: int) -> bool:
    parts = urlsplit(url)
    try:
        address = (parts.hostname or "127.0.0.1", parts.port or default_port)
        with socket.create_connection(address, 2):
            return True
    except OSError:
        return False


def run(args: list[str]) -> int:
    ensure_venv("base.txt")
    (ROOT / "var").mkdir(exist_ok=True)
    manage("migrate", "--noinput", "-v", "0")
    manage("seed_content")
    manage("hsds_import", str(ROOT / "directory" / "seed" / "demo-directory.json"),
           "--skip-existing")
    # Staff accounts to try the portal and the editor with; it prints their names and
    # password. DEBUG only: with DEBUG off it refuses, says why, and the site runs without.
    subprocess.run([str(PYTHON), str(ROOT / "manage.py"), "demo_accounts"])
    # The other demo organisations take referrals once they have keys; nobody holds these, so
    # the recovery keys printed (once, on the first run) are the only way to read what is sent.
    manage("organization_key", "--demo")
    address = args[0] if args else "127.0.0.1:8000"
    say(f"serving on http://{address}/ (Ctrl-C stops it)")
    os.execv(str(PYTHON), [str(PYTHON), str(ROOT / "manage.py"), "runserver", address])


def code(args: list[str]) -> int:
    """The current second-factor code of a demo account (`run` made them)."""
    if len(args) != 1:
        print("usage: python3 dev.py code demo-clinician", file=sys.stderr)
        return 2
    ensure_venv("base.txt")
    return subprocess.run([str(PYTHON), str(ROOT / "manage.py"), "demo_accounts", "--code",
                           args[0]]).returncode


def test(args: list[str]) -> int:
    ensure_venv("dev.txt")
    env = dict(os.environ)
    require_all = env.get("HELPPORTAL_REQUIRE_ALL") == "1"
    skipped = []

    database_url = env.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    if database_url.startswith("postgres") and reachable(database_url, 5432):
        env["DATABASE_URL"] = database_url
        say(f"database: PostgreSQL at {urlsplit(database_url).hostname}")
    elif "DATABASE_URL" in os.environ and not database_url.startswith("sqlite"):
        say(f"DATABASE_URL is set but {database_url} does not answer")
        return 2
    else:
        env.pop("DATABASE_URL", None)
        skipped.append("PostgreSQL suites (marker 'postgres'): no PostgreSQL answers on "
                       f"{urlsplit(database_url).netloc}; the rest runs on SQLite")

    redis_url = env.get("REDIS_URL") or DEFAULT_REDIS_URL
    if reachable(redis_url, 6379):
        env["REDIS_URL"] = redis_url
        say(f"cache and broker: Redis at {urlsplit(redis_url).netloc}")
    elif "REDIS_URL" in os.environ:
        say(f"REDIS_URL is set but {redis_url} does not answer")
        return 2
    else:
        env.pop("REDIS_URL", None)
        skipped.append("Redis and Celery-worker suites (markers 'redis', 'worker'): no Redis "
                       f"answers on {urlsplit(redis_url).netloc}")

    if not Path(CHROMIUM).exists():
        skipped.append(f"browser suites (marker 'browser'): no chromium at {CHROMIUM} "
                       "(Debian: apt-get install chromium)")

    if skipped and require_all:
        for reason in skipped:
            say(f"MISSING {reason}")
        say("HELPPORTAL_REQUIRE_ALL=1: nothing may be skipped")
        return 2
    for reason in skipped:
        say(f"SKIPPING {reason}")

    # Unit tests run Celery tasks in-process; the worker suites start real workers themselves.
    env["CELERY_TASK_ALWAYS_EAGER"] = "1"
    run_id = secrets.token_hex(4)
    env["CACHE_KEY_PREFIX"] = f"test-{run_id}"
    env["STATS_REDIS_PREFIX"] = f"test-{run_id}-stats:"
    env.setdefault("CHROMIUM_PATH", CHROMIUM)
    returncodes = []
    for label, suite in test_phases(args):
        say(label)
        returncodes.append(
            subprocess.run([str(PYTHON), "-m", "pytest", *suite], env=env, cwd=ROOT).returncode
        )
    for reason in skipped:
        say(f"skipped: {reason}")
    return overall_returncode(returncodes)


# The suites that start servers, workers and browsers of their own (and time them) run one test
# at a time; the unit and request tests run on one pytest-xdist worker per core (at most 4).
SERVER_SUITES = ["tests/e2e", "tests/integration"]
NO_TESTS_COLLECTED = 5


def test_phases(args: list[str]) -> list[tuple[str, list[str]]]:
    """What `dev.py test` runs: the whole suite in two phases, or exactly what was asked for."""
    names_a_path = any(
        not arg.startswith("-") and (ROOT / arg.split("::")[0]).exists() for arg in args
    )
    if names_a_path or any(arg.startswith(("-n", "--numprocesses")) for arg in args):
        return [("pytest " + " ".join(args), args)]
    workers = max(1, min(os.cpu_count() or 1, 4))
    ignore = [f"--ignore={suite}" for suite in SERVER_SUITES]
    return [
        (f"unit and request tests ({workers} workers)", ["tests", *ignore, "-n", str(workers),
                                                        *args]),
        ("browser, worker and chaos suites (one test at a time)", [*SERVER_SUITES, *args]),
    ]


def overall_returncode(returncodes: list[int]) -> int:
    """A failure wins; "no tests collected" (a -k that matches one phase only) counts only if
    no phase collected any."""
    failures = [code for code in returncodes if code not in (0, NO_TESTS_COLLECTED)]
    if failures:
        return failures[0]
    return 0 if 0 in returncodes else NO_TESTS_COLLECTED


def proof(args: list[str]) -> int:
    """The proof harness (proof/run.py) against PostgreSQL and Redis, which must answer."""
    ensure_venv("dev.txt")
    env = dict(os.environ)
    database_url = env.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    missing = []
    if not (database_url.startswith("postgres") and reachable(database_url, 5432)):
        missing.append(f"PostgreSQL at {urlsplit(database_url).netloc or database_url}")
    if not reachable(env.get("REDIS_URL") or DEFAULT_REDIS_URL, 6379):
        missing.append("Redis (the proof starts its own redis-server, and needs the program)")
    tools = {"nginx": "nginx", "wrk": "wrk", "redis-server": "redis-server", "node": "nodejs",
             "npm": "npm", "pg_dump": "postgresql-client"}
    for program, package in tools.items():
        if not shutil.which(program, path=os.environ.get("PATH", "") + ":/usr/sbin:/sbin"):
            missing.append(f"{program} (Debian: apt-get install {package})")
    if not Path(CHROMIUM).exists():
        missing.append(f"chromium at {CHROMIUM} (Debian: apt-get install chromium)")
    if missing:
        for item in missing:
            say(f"MISSING {item}")
        return 2
    env["DATABASE_URL"] = database_url
    return subprocess.run([str(PYTHON), "-m", "proof", *args], env=env, cwd=ROOT).returncode


def main() -> int:
    if sys.version_info < (3, 11):  # noqa: UP036 (dev.py runs on whatever python3 there is)
        print("Helpportal needs Python 3.11 or newer.", file=sys.stderr)
        return 2
    commands = {"run": run, "code": code, "test": test, "proof": proof}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        print(__doc__)
        return 2
    return commands[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
