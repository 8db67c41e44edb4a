"""Security checks of the proof that need no browser: the HTTP Observatory's grade of the
running site, Django's deployment checks in its settings, bandit over the code and pip-audit
over the lock files. (Fuzzing is proof/fuzz.py, XSS proof/xss.py.)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from .checks import Check, failed
from .stack import HOSTNAME, ROOT, Stack

NODE_DIR = ROOT / "proof" / "node"
VENV_BIN = Path(sys.executable).parent
CODE = ["helpportal", "content", "referrals", "stats"]
LOCK_FILES = ["requirements/base.txt", "requirements/dev.txt"]
# Known vulnerabilities accepted for a stated reason: {"ID": "why it does not apply"}. A
# finding not listed here fails the check. Keep it empty unless a fix cannot be had yet.
PIP_AUDIT_ACCEPTED: dict[str, str] = {}


def node_tools(log: Callable[[str], None]) -> Path:
    """proof/node/node_modules, installed from the lock file when missing or out of date.

    `--ignore-scripts`: the packages' install scripts would fetch lists from other hosts. The
    Observatory then lacks its HSTS preload list; an empty one is written (localhost is on no
    preload list anyway, and the grade does not depend on it).
    """
    modules = NODE_DIR / "node_modules"
    stamp = modules / ".helpportal-lock"
    lock = (NODE_DIR / "package-lock.json").read_bytes()
    if not stamp.exists() or stamp.read_bytes() != lock:
        log("installing the proof's node tools (npm ci --ignore-scripts)")
        subprocess.run(
            ["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=NODE_DIR, check=True, timeout=900,
        )
        stamp.write_bytes(lock)
    preload = modules / "@mdn" / "mdn-http-observatory" / "conf" / "hsts-preload.json"
    if not preload.exists():
        preload.write_text("{}\n")
    return modules


def observatory(stack: Stack, log: Callable[[str], None]) -> list[Check]:
    name, goal = "MDN HTTP Observatory grade of https://localhost/", "A+"
    try:
        modules = node_tools(log)
        scanner = modules / "@mdn" / "mdn-http-observatory" / "src" / "scan.js"
        # scan.js directly: the package's wrapper would replace NODE_EXTRA_CA_CERTS with its
        # own bundle, and the run's authority must be the one trusted.
        result = subprocess.run(
            ["node", str(scanner), HOSTNAME],
            env={**os.environ, "NODE_EXTRA_CA_CERTS": str(stack.tls["ca"])},
            capture_output=True, text=True, timeout=180, check=False,
        )
        data = json.loads(result.stdout or "{}")
        if "scan" not in data:
            raise RuntimeError(data.get("error") or result.stderr.strip()[-1000:] or "no output")
        scan = data["scan"]
        (stack.dir.parent / "observatory.json").write_text(json.dumps(data, indent=2))
        details = [
            f"{test}: {'pass' if outcome['pass'] else 'FAIL'} ({outcome['result']}, "
            f"{outcome['scoreModifier']:+d})"
            for test, outcome in sorted(data["tests"].items())
        ]
        return [Check("security", name, f"{scan['grade']} ({scan['score']}; "
                      f"{scan['testsPassed']}/{scan['testsQuantity']} tests)", goal,
                      scan["grade"] == "A+", details)]
    except Exception as exc:  # noqa: BLE001 (reported as a failed check)
        return [failed("security", name, goal, exc)]


def check_deploy(stack: Stack) -> list[Check]:
    name, goal = "manage.py check --deploy (production settings)", "no warning"
    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=stack.env(), capture_output=True, text=True, timeout=120, check=False,
    )
    output = (result.stdout + result.stderr).strip()
    return [Check("security", name, output.splitlines()[-1] if output else "(no output)", goal,
                  result.returncode == 0 and "WARNINGS" not in output,
                  output.splitlines()[:30])]


def bandit() -> list[Check]:
    name, goal = "bandit: high-severity findings", "0"
    try:
        result = subprocess.run(
            [str(VENV_BIN / "bandit"), "-r", *CODE, "-x", "*/migrations/*", "-q", "-f", "json"],
            cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
        )
        data = json.loads(result.stdout)
    except Exception as exc:  # noqa: BLE001
        return [failed("security", name, goal, exc)]
    results = data["results"]
    by_severity = Counter(item["issue_severity"] for item in results)
    details = [
        f"{item['issue_severity'].lower()} {item['test_id']} {item['filename']}:"
        f"{item['line_number']}: {item['issue_text']}"
        for item in sorted(results, key=lambda item: item["issue_severity"])
    ]
    lines = data["metrics"]["_totals"]["loc"]
    figure = (f"{by_severity['HIGH']} (medium {by_severity['MEDIUM']}, low {by_severity['LOW']}; "
              f"{lines:,} lines scanned)")
    return [Check("security", name, figure, goal, by_severity["HIGH"] == 0 and lines > 0,
                  details)]


def pip_audit() -> list[Check]:
    checks = []
    for lock in LOCK_FILES:
        name = f"pip-audit {lock}: known vulnerabilities"
        goal = "0 (or each accepted with a reason)"
        try:
            result = subprocess.run(
                [str(VENV_BIN / "pip-audit"), "-r", lock, "--require-hashes", "--disable-pip",
                 "--progress-spinner", "off", "-f", "json"],
                cwd=ROOT, capture_output=True, text=True, timeout=600, check=False,
            )
            data = json.loads(result.stdout)
        except Exception as exc:  # noqa: BLE001 (e.g. PyPI unreachable)
            checks.append(failed("security", name, goal, exc))
            continue
        found = [(dep["name"], dep["version"], vuln["id"], vuln.get("fix_versions", []))
                 for dep in data["dependencies"] for vuln in dep.get("vulns", [])]
        open_ = [item for item in found if item[2] not in PIP_AUDIT_ACCEPTED]
        details = [
            f"{package} {version}: {vuln_id} "
            + (f"accepted: {PIP_AUDIT_ACCEPTED[vuln_id]}" if vuln_id in PIP_AUDIT_ACCEPTED
               else f"fixed in {', '.join(fixes) or 'no release yet'}")
            for package, version, vuln_id, fixes in found
        ]
        checks.append(Check(
            "security", name,
            f"{len(open_)} ({len(found) - len(open_)} accepted; "
            f"{len(data['dependencies'])} packages)",
            goal, not open_ and bool(data["dependencies"]), details,
        ))
    return checks


def long_urls(stack: Stack) -> list[Check]:
    """Cacheable pages with long query strings through nginx: a 4xx past the limit, never a
    5xx (nginx's header buffer also holds the cache key; a small one turned ~3 KB URLs into
    503s, found by the fuzzing)."""
    import http.client

    name, goal = "long URLs (1-9 KB) through nginx: server errors", "0"
    statuses = {}
    for path in ("/en/find-help/?q=", "/api/stats/weekly.json?from=", "/en/urgent-help/?c="):
        for size in range(1000, 9001, 250):
            url = path + "a" * (size - len(path))
            conn = http.client.HTTPSConnection(HOSTNAME, stack.https_port, timeout=10,
                                               context=stack.ssl_context())
            try:
                conn.request("GET", url)
                statuses[(path, size)] = conn.getresponse().status
            finally:
                conn.close()
    bad = {key: status for key, status in statuses.items() if status >= 500}
    mix = Counter(statuses.values())
    return [Check("security", name, f"{len(bad)} of {len(statuses)} "
                  f"({', '.join(f'{code}: {n}' for code, n in sorted(mix.items()))})", goal,
                  not bad, [f"{path} at {size} B: {status}" for (path, size), status in
                            sorted(bad.items())])]


def run(stack: Stack, *, log: Callable[[str], None]) -> list[Check]:
    log("security: HTTP Observatory")
    checks = observatory(stack, log)
    log("security: check --deploy, bandit, pip-audit")
    checks += check_deploy(stack)
    checks += long_urls(stack)
    checks += bandit()
    checks += pip_audit()
    return checks
