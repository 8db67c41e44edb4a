"""Every public page, in every language, as two checkers nobody here wrote see them.

- The Nu Html Checker (vnu, the `vnu-jar` npm package; Java): the HTML of each page as nginx
  serves it, and every style sheet the pages link, in one java run. Goal: 0 errors.
- pa11y (WCAG 2 AA) with both its runners, HTML_CodeSniffer and axe, in Debian chromium
  (puppeteer with PUPPETEER_SKIP_DOWNLOAD, the harness's flags and trust in the run's key),
  a few pages at a time in one browser (proof/node/pa11y-pages.js). Goal: 0 errors.

The pages are those of proof/public_urls.py (through proof/inapp/site_facts.py); before they
are fetched, the open-data page is given counts in its last published weeks
(proof/inapp/open_data_counts.py), so its tables are checked and not only its empty state.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import urllib.request
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from .assets import AssetParser
from .browser import CHROMIUM
from .checks import Check, failed
from .security import NODE_DIR, node_tools
from .stack import Stack

PART = "security"
PA11Y_RUNNERS = ("htmlcs", "axe")
PA11Y_STANDARD = "WCAG2AA"
# Pages checked at once in the one chromium: more only queue on a shared 2-core machine.
PA11Y_CONCURRENCY = 4
FETCH_THREADS = 4


def fetch_pages(stack: Stack, paths: list[str]) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """({path: HTML}, {style sheet path: CSS}) as nginx serves them over verified TLS."""
    context = stack.ssl_context()

    def get(url: str) -> bytes:
        request = urllib.request.Request(url, headers={"Accept-Encoding": "identity"})
        with urllib.request.urlopen(request, context=context, timeout=30) as response:
            return response.read()

    with ThreadPoolExecutor(FETCH_THREADS) as pool:
        pages = dict(zip(paths, pool.map(lambda path: get(stack.url(path)), paths),
                         strict=True))
    sheets: dict[str, bytes] = {}
    for path, html in pages.items():
        parser = AssetParser()
        parser.feed(html.decode("utf-8", "replace"))
        for kind, ref in parser.assets:
            url = urljoin(stack.url(path), ref)
            if kind == "link:stylesheet" and urlsplit(url).netloc == urlsplit(stack.origin).netloc:
                sheet = urlsplit(url).path
                if sheet not in sheets:
                    sheets[sheet] = get(stack.url(sheet))
    return pages, sheets


def vnu_messages(modules: Path, pages: dict[str, bytes], sheets: dict[str, bytes],
                 ) -> list[tuple[str, str]]:
    """[(path, "line: message")] for every error vnu finds, in one java run."""
    jar = modules / "vnu-jar" / "build" / "dist" / "vnu.jar"
    with tempfile.TemporaryDirectory(prefix="vnu-") as folder:
        names: dict[str, str] = {}
        for index, (path, body) in enumerate([*pages.items(), *sheets.items()]):
            name = f"{index:04d}.{'css' if path in sheets else 'html'}"
            (Path(folder) / name).write_bytes(body)
            names[name] = path
        result = subprocess.run(
            ["java", "-Xss4m", "-jar", str(jar), "--errors-only", "--also-check-css",
             "--format", "json", "--stdout", folder],
            capture_output=True, text=True, timeout=600, check=False,
        )
    # vnu exits 1 when it found an error: the report says which.
    report = json.loads(result.stdout or "{}")
    if "messages" not in report:
        raise RuntimeError(f"vnu gave no report: {(result.stderr or result.stdout)[-1000:]}")
    found = []
    for message in report["messages"]:
        name = Path(urlsplit(message.get("url", "")).path).name
        where = message.get("lastLine", "?")
        found.append((names.get(name, name), f"line {where}: {message.get('message', '')}"))
    return found


def pa11y_results(modules: Path, stack: Stack, paths: list[str]) -> list[dict]:
    """pa11y's errors, one entry a page ({url, issues, error})."""
    config = {
        "urls": [stack.url(path) for path in paths],
        "executablePath": CHROMIUM,
        "args": stack.chromium_args(),
        "concurrency": PA11Y_CONCURRENCY,
        "runners": list(PA11Y_RUNNERS),
        "standard": PA11Y_STANDARD,
    }
    result = subprocess.run(
        ["node", str(NODE_DIR / "pa11y-pages.js")], input=json.dumps(config),
        env={**os.environ, "PUPPETEER_SKIP_DOWNLOAD": "1", "NODE_PATH": str(modules)},
        capture_output=True, text=True, timeout=900, check=False, cwd=NODE_DIR,
    )
    if result.returncode != 0:
        raise RuntimeError(f"pa11y failed: {result.stderr.strip()[-1500:]}")
    return json.loads(result.stdout)


def vnu_check(modules: Path, pages: dict[str, bytes], sheets: dict[str, bytes]) -> Check:
    name = "Nu Html Checker errors, every public page and style sheet"
    try:
        found = vnu_messages(modules, pages, sheets)
    except Exception as exc:  # noqa: BLE001
        return failed(PART, name, "0", exc)
    by_message = Counter(message.split(": ", 1)[1] for _path, message in found)
    details = [f"{len(pages)} pages, {len(sheets)} style sheets: {', '.join(sorted(sheets))}"]
    details += [f"{count} x {message}" for message, count in by_message.most_common(15)]
    details += [f"{path} {message}" for path, message in found[:30]]
    return Check(PART, name, str(len(found)), "0", not found, details)


def pa11y_checks(modules: Path, stack: Stack, paths: list[str]) -> list[Check]:
    names = {runner: f"pa11y {PA11Y_STANDARD} errors ({runner}), every public page"
             for runner in PA11Y_RUNNERS}
    try:
        results = pa11y_results(modules, stack, paths)
    except Exception as exc:  # noqa: BLE001
        return [failed(PART, name, "0", exc) for name in names.values()]
    broken = [f"{urlsplit(r['url']).path}: not checked: {r['error']}" for r in results
              if r["error"]]
    checks = []
    for runner, name in names.items():
        issues = [(urlsplit(r["url"]).path, issue) for r in results for issue in r["issues"]
                  if issue["runner"] == runner]
        by_code = Counter(issue["code"] for _path, issue in issues)
        details = [f"{len(results) - len(broken)} of {len(paths)} pages checked"] + broken[:10]
        details += [f"{count} x {code}" for code, count in by_code.most_common(15)]
        details += [f"{path} {issue['code']} at {issue['selector']}: {issue['message']}"
                    for path, issue in issues[:20]]
        checks.append(Check(PART, name, str(len(issues)), "0",
                            not issues and not broken and len(results) == len(paths), details))
    return checks


def run(stack: Stack, *, log: Callable[[str], None]) -> list[Check]:
    names = ("Nu Html Checker errors, every public page and style sheet",
             *(f"pa11y {PA11Y_STANDARD} errors ({runner}), every public page"
               for runner in PA11Y_RUNNERS))
    try:
        modules = node_tools(log)
        stack.inapp("open_data_counts", "add")
        paths = stack.inapp("site_facts", "facts")["public"]
        pages, sheets = fetch_pages(stack, paths)
    except Exception as exc:  # noqa: BLE001 (nothing can be checked without the pages)
        return [failed(PART, name, "0", exc) for name in names]
    log(f"validators: vnu over {len(pages)} pages and {len(sheets)} style sheets")
    checks = [vnu_check(modules, pages, sheets)]
    log(f"validators: pa11y ({', '.join(PA11Y_RUNNERS)}) over {len(paths)} pages")
    checks += pa11y_checks(modules, stack, paths)
    return checks
