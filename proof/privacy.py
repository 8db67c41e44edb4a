"""Privacy part of the proof: a made-up visitor uses the whole site, then every store is
searched for what it could have left behind.

The visitor has a random TEST-NET address (sent as X-Forwarded-For, which the stack's nginx
trusts from loopback, so to nginx, gunicorn and Django it *is* the client address) and a
random user agent. It reads every public page in every language over HTTPS, then walks the
main journeys in Debian chromium (self-check, pathway with its "done" tick, directory search,
a service page, a referral, the mailbox with a follow-up, an exercise and the personal plan
made into a page and a file, quick exit; some journeys also with JavaScript off).
Afterwards the database (pg_dump of every table), every Redis key and value,
every log and every other file the stack wrote are searched for the address (dotted, hex,
packed and integer forms) and the user agent, for the referral's codename and words, and for
the exercise answers.

What each check proves is in the docstring of the function that makes it. Guards against a
search that passes because it looked at nothing: the crawl must have made at least as many
requests as pages listed, the dump must hold rows, a canary written to Redis and to the
access log must be found, and the made-up address must visibly reach the app (its rate limit
tells it apart from another address).

    from proof.privacy import run
    checks = run(stack, short=True, log=print)
"""

from __future__ import annotations

import base64
import contextlib
import http.client
import ipaddress
import json
import re
import secrets
import subprocess
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlencode, urlsplit

from proof import stack as stack_module
from proof.browser import launch
from proof.checks import Check, failed
from proof.stack import HOSTNAME, Stack

PART = "privacy"
TIMEOUT_S = 30
BROWSER_TIMEOUT_MS = 15_000
CONTEXT_BYTES = 60  # shown each side of a hit
SHOWN_HITS = 5  # hit contexts listed per check
SETTLE_SECONDS = 2.0  # buffered stats and log lines reach their store
DRAIN_SECONDS = 20.0  # at most this long for the Celery queue to empty
PG_DUMP = "/usr/bin/pg_dump"
LOCAL_SCHEMES = ("data", "blob", "about")
CSRF_HINT = (" (a CSRF refusal? nginx passes Host without the port, so with a port other than "
             "443 the stack needs CSRF_TRUSTED_ORIGINS=https://localhost:<port>)")
NEUTRAL_PAGE = (
    "<!doctype html><html lang='en'><title>Neutral</title><h1 id='neutral'>Neutral</h1></html>"
)


# ---------------------------------------------------------------------------------------------
# The made-up visitor and what to look for


@dataclass(frozen=True)
class Visitor:
    """The strings the run sends and then hunts for; random per run, from TEST-NET ranges."""

    address: str  # every request of the run comes "from" here
    other_address: str  # only for the rate-limit control: a second client
    user_agent: str
    marker: str  # written into the referral and the follow-up
    answer: str  # written into exercises and the personal plan
    canary: str  # put where the search must find it, to show the search is alive

    @property
    def headers(self) -> dict[str, str]:
        return {"X-Forwarded-For": self.address, "User-Agent": self.user_agent}


def make_visitor() -> Visitor:
    """A fresh visitor. A last octet of 100-254 keeps the dotted address from being the
    prefix of another one; the strings occur nowhere unless this run put them there."""
    return Visitor(
        address=f"203.0.113.{100 + secrets.randbelow(155)}",
        other_address=f"198.51.100.{100 + secrets.randbelow(155)}",
        user_agent=f"HelpportalProof/{secrets.token_hex(8)}",
        marker=f"pvmark{secrets.token_hex(6)}",
        answer=f"pvanswer{secrets.token_hex(6)}",
        canary=f"pvcanary{secrets.token_hex(6)}",
    )


def address_forms(address: str) -> list[bytes]:
    """The address as text and in the encodings software stores addresses in: dotted,
    8 hex digits (also bytea's \\x form), the packed 4 bytes and the 32-bit integer."""
    ip = ipaddress.IPv4Address(address)
    return [address.encode(), ip.packed.hex().encode(), ip.packed, str(int(ip)).encode()]


# ---------------------------------------------------------------------------------------------
# The search (pure: no stack needed; tests/proof/test_privacy_scan.py)


@dataclass(frozen=True)
class Hit:
    where: str  # table, Redis key or file
    form: str  # which form of the string matched
    context: str  # the bytes around it, made printable

    def line(self) -> str:
        return f"{self.where} [{self.form}]: …{self.context}…"


def printable(data: bytes) -> str:
    """Bytes as one readable line: UTF-8 where possible, escapes elsewhere."""
    text = data.decode("utf-8", "backslashreplace")
    return text.replace("\r", "\\r").replace("\n", "\\n").replace("\t", "\\t")


def form_label(form: bytes) -> str:
    try:
        text = form.decode("ascii")
    except UnicodeDecodeError:
        return "packed " + form.hex()
    return text if text.isprintable() else "packed " + form.hex()


def scan(
    sources: Iterable[tuple[str, bytes]],
    needles: Mapping[str, Sequence[bytes]],
    *,
    context: int = CONTEXT_BYTES,
) -> dict[str, list[Hit]]:
    """Every occurrence of every form of every needle in every source, case-insensitively.

    Returns label -> hits (an empty list for a needle found nowhere). Occurrences of one form
    do not overlap; each hit carries `context` bytes either side.
    """
    lowered = {label: [(form, form.lower()) for form in forms if form]
               for label, forms in needles.items()}
    hits: dict[str, list[Hit]] = {label: [] for label in needles}
    for where, data in sources:
        haystack = data.lower()
        for label, forms in lowered.items():
            for form, low in forms:
                start = haystack.find(low)
                while start != -1:
                    end = start + len(low)
                    around = data[max(0, start - context):end + context]
                    hits[label].append(Hit(where, form_label(form), printable(around)))
                    start = haystack.find(low, end)
    return hits


BASE64_BODY = re.compile(rb'"body"\s*:\s*"([A-Za-z0-9+/=]{8,})"')


def expand(value: bytes) -> bytes:
    """The value plus the decoded base64 bodies of any Celery (kombu) messages in it, whose
    task arguments would otherwise be hidden from a plain search."""
    parts = [value]
    for match in BASE64_BODY.finditer(value):
        with contextlib.suppress(ValueError):
            parts.append(base64.b64decode(match.group(1), validate=True))
    return b"\n".join(parts)


# ---------------------------------------------------------------------------------------------
# Stores: what was searched, source by source


@dataclass
class Store:
    name: str
    sources: list[tuple[str, bytes]] = field(default_factory=list)
    summary: str = ""  # how much was searched, for the reader
    problem: str = ""  # why the search itself is not trustworthy ("" when it is)
    rows: dict[str, int] = field(default_factory=dict)  # database dump: table -> rows

    @property
    def size(self) -> int:
        return sum(len(data) for _where, data in self.sources)


def dump_database(database_url: str) -> Store:
    """Every row of every table: pg_dump's data-only dump, split by table. Falls back to
    COPY ... TO STDOUT over psycopg when pg_dump cannot dump this server."""
    store = Store("database dump")
    try:
        text = subprocess.run(  # noqa: S603 (fixed program, our own database URL)
            [PG_DUMP, "--data-only", "--no-owner", "--no-privileges", f"--dbname={database_url}"],
            capture_output=True, timeout=300, check=True,
        ).stdout
        tables = split_dump(text)
        how = "pg_dump --data-only"
    except (OSError, subprocess.SubprocessError) as exc:
        tables = copy_tables(database_url)
        how = f"COPY per table (pg_dump failed: {type(exc).__name__})"
    rows = sum(count for _name, count, _data in tables)
    store.sources = [(f"table {name}", data) for name, _count, data in tables]
    store.rows = {name: count for name, count, _data in tables}
    store.summary = (f"{how}: {len(tables)} tables, {rows} rows, {store.size} bytes; "
                     f"busiest: " + ", ".join(
                         f"{name} {count}" for name, count, _data in
                         sorted(tables, key=lambda t: -t[1])[:6]))
    if rows == 0:
        store.problem = "the dump holds no rows: nothing was searched"
    return store


def split_dump(text: bytes) -> list[tuple[str, int, bytes]]:
    """(table, rows, its COPY block) for each table of a plain-format pg_dump."""
    tables: list[tuple[str, int, bytes]] = []
    name, lines = "", []
    for line in text.splitlines(keepends=True):
        if not name:
            match = re.match(rb"COPY ([^ ]+) ", line)
            if match:
                name, lines = match.group(1).decode(), []
        elif line.rstrip(b"\n") == b"\\.":
            tables.append((name, len(lines), b"".join(lines)))
            name = ""
        else:
            lines.append(line)
    outside = b"".join(line for line in text.splitlines(keepends=True)
                       if not line.startswith((b"--", b"SET ", b"SELECT pg_catalog")))
    if tables:
        tables.append(("(statements outside COPY blocks)", 0, outside))
    return tables


def copy_tables(database_url: str) -> list[tuple[str, int, bytes]]:
    import psycopg
    from psycopg import sql

    tables = []
    with psycopg.connect(database_url, connect_timeout=10) as conn:
        names = conn.execute(
            "SELECT schemaname, tablename FROM pg_tables "
            "WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2"
        ).fetchall()
        for schema, table in names:
            query = sql.SQL("COPY {}.{} TO STDOUT").format(
                sql.Identifier(schema), sql.Identifier(table))
            with conn.cursor().copy(query) as copy:
                data = b"".join(bytes(chunk) for chunk in copy)
            tables.append((f"{schema}.{table}", data.count(b"\n"), data))
    return tables


def read_redis(stack: Stack, canary: str) -> Store:
    """Every key of every Redis database with keys, with its value read by type; a canary key
    is written first and must be found, then deleted."""
    import redis

    store = Store("Redis")
    canary_key = f"proof:privacy-canary:{canary}"
    port = stack.redis_port
    root = redis.Redis(host=stack_module.LOOPBACK, port=port, socket_timeout=10)
    root.set(canary_key, f"canary value {canary}", ex=600)
    try:
        keyspace = root.info("keyspace")
        databases = sorted(int(name[2:]) for name in keyspace if name.startswith("db"))
        keys = 0
        for number in databases:
            client = redis.Redis(host=stack_module.LOOPBACK, port=port, db=number,
                                 socket_timeout=10)
            for key in client.scan_iter(count=1000):
                value = redis_value(client, key)
                if value is None:
                    continue  # expired between SCAN and the read
                keys += 1
                store.sources.append((f"db{number} key {printable(key)[:100]}",
                                      key + b"\n" + expand(value)))
    finally:
        root.delete(canary_key)
    store.summary = (f"{keys} keys in {len(databases)} database(s) "
                     f"({', '.join(f'db{n}' for n in databases)}), {store.size} bytes "
                     "(key names, values by type, Celery message bodies decoded)")
    if keys <= 1:
        store.problem = "Redis held no key but the canary: nothing was searched"
    return store


def redis_value(client, key: bytes) -> bytes | None:
    """A key's value as bytes, whatever its type."""
    kind = client.type(key).decode()
    if kind == "string":
        return client.get(key)
    if kind == "hash":
        return b"\n".join(k + b"=" + v for k, v in client.hgetall(key).items())
    if kind == "list":
        return b"\n".join(client.lrange(key, 0, -1))
    if kind == "set":
        return b"\n".join(sorted(client.smembers(key)))
    if kind == "zset":
        return b"\n".join(member + b" " + str(score).encode()
                          for member, score in client.zrange(key, 0, -1, withscores=True))
    if kind == "stream":
        return b"\n".join(
            entry_id + b" " + b" ".join(k + b"=" + v for k, v in fields.items())
            for entry_id, fields in client.xrange(key)
        )
    return None if kind == "none" else f"(type {kind})".encode()


def read_logs(stack: Stack) -> Store:
    """Every log the stack writes: nginx access and error, gunicorn, worker, beat, redis."""
    store = Store("logs")
    for path in stack.logs():
        store.sources.append((str(path.relative_to(stack.dir)), path.read_bytes()))
    store.summary = f"{len(store.sources)} files, {store.size} bytes: " + ", ".join(
        f"{where} {len(data)}" for where, data in store.sources)
    if store.size == 0:
        store.problem = "the logs are empty: nothing was searched"
    return store


def read_other_files(stack: Stack) -> Store:
    """Every other file under the stack's directory (nginx page cache and temporary files,
    beat's schedule, pid files), except collected static files and the logs."""
    store = Store("other files the stack wrote")
    logs = set(stack.logs())
    for path in sorted(stack.dir.rglob("*")):
        if (not path.is_file() or path in logs or path.is_symlink()
                or "static" in path.relative_to(stack.dir).parts[:1]):
            continue
        with contextlib.suppress(OSError):
            store.sources.append((str(path.relative_to(stack.dir)), path.read_bytes()))
    cached = sum(1 for where, _data in store.sources if where.startswith("nginx/cache"))
    store.summary = (f"{len(store.sources)} files ({cached} in nginx's page cache), "
                     f"{store.size} bytes; static/ left out")
    if not store.sources:
        store.problem = "no file found: nothing was searched"
    return store


# ---------------------------------------------------------------------------------------------
# Plain HTTPS: the crawl


@dataclass
class Answer:
    path: str
    status: int
    cookies: list[str]
    body: bytes
    location: str = ""


class Client:
    """One HTTPS keep-alive connection to nginx, TLS verified against the run's authority,
    every request carrying the visitor's address and user agent."""

    def __init__(self, stack: Stack, headers: dict[str, str]):
        self.stack, self.headers = stack, headers
        self.conn: http.client.HTTPSConnection | None = None
        self.requests = 0

    def _connection(self) -> http.client.HTTPSConnection:
        if self.conn is None:
            self.conn = http.client.HTTPSConnection(
                HOSTNAME, self.stack.https_port, timeout=TIMEOUT_S,
                context=self.stack.ssl_context())
        return self.conn

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict[str, str] | None = None) -> Answer:
        sent = {"Accept": "*/*", "Accept-Language": "en", **self.headers, **(headers or {})}
        for attempt in (1, 2):
            conn = self._connection()
            try:
                self.requests += 1
                conn.request(method, path, body=body, headers=sent)
                response = conn.getresponse()
                data = response.read()
            except (OSError, http.client.HTTPException):
                self.close()
                if attempt == 2:
                    raise
                continue
            if response.getheader("Connection", "").lower() == "close":
                self.close()
            return Answer(path, response.status, response.msg.get_all("Set-Cookie") or [],
                          data, response.getheader("Location", ""))
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


@dataclass
class Crawl:
    listed: int  # public pages proof/public_urls.py lists
    answers: list[Answer]
    expected: dict[str, int]  # path -> the status it must answer
    form_paths: set[str]
    requests: int


def extra_paths(client: Client, languages: list[str], campaigns: list[str]) -> dict[str, int]:
    """Public addresses beyond the page list, with the status each must answer: the bare
    root (a redirect), the data APIs and feeds, directory searches, landing pages."""
    extra = {"/": 302, "/healthz": 200, "/api/hsds/": 200, "/api/hsds/services": 200,
             "/api/hsds/organizations": 200, "/api/hsds/services?page=1&per_page=2": 200,
             "/api/stats/daily.json": 200, "/api/stats/weekly.json": 200}
    for kind in ("services", "organizations"):
        listing = json.loads(client.request("GET", f"/api/hsds/{kind}").body)
        for item in listing.get("contents", []):
            extra[f"/api/hsds/{kind}/{item['id']}"] = 200
            if kind == "services":
                for code in languages:
                    extra[f"/{code}/find-help/{item['id']}/"] = 200
    searches = [{"country": "FI"}, {"country": "FI", "language": "fi", "accepting": "1"},
                {"mode": "online", "cost": "free"}, {"country": "ZZ"}]
    for code in languages:
        for query in searches:
            extra[f"/{code}/find-help/?{urlencode(query)}"] = 200
        extra[f"/{code}/open-data/?{urlencode({'from': '2025-01-01', 'to': '2025-01-31'})}"] = 200
        for slug in campaigns:
            extra[f"/{code}/go/{slug}/"] = 200
    return extra


def crawl(stack: Stack, visitor: Visitor, facts: dict) -> Crawl:
    """GET every public page in every language, and the extra public addresses."""
    client = Client(stack, visitor.headers)
    try:
        expected = dict.fromkeys(facts["public"], 200)
        for path, status in extra_paths(client, facts["languages"], facts["campaigns"]).items():
            expected.setdefault(path, status)
        answers = [client.request("GET", path) for path in expected]
    finally:
        client.close()
    return Crawl(len(facts["public"]), answers, expected, set(facts["forms"]), client.requests)


def check_statuses(result: Crawl) -> Check:
    """Every public page (proof/public_urls.py, every language) and every extra public
    address answered as it must, through nginx over verified TLS; and the crawl really made
    at least one request per listed page (an empty crawl cannot pass)."""
    wrong = [a for a in result.answers if a.status != result.expected[a.path]]
    ok = len(result.answers) - len(wrong)
    details = [f"{result.listed} listed public pages (all languages) + "
               f"{len(result.expected) - result.listed} extra addresses (root redirect, "
               f"HSDS API, stats feeds, directory searches); {result.requests} HTTPS requests"]
    details += [f"{a.path}: {a.status}, expected {result.expected[a.path]}" for a in wrong[:20]]
    enough = result.requests >= result.listed and len(result.answers) >= result.listed
    if not enough:
        details.append("FEWER requests than listed pages: the crawl did not cover the site")
    return Check(PART, "public pages answering 200", f"{ok} of {len(result.answers)}",
                 f"all ({len(result.answers)})", not wrong and enough, details)


def check_page_cookies(result: Crawl) -> Check:
    """No reading page, API or feed sets a cookie (tests/test_public_pages_set_no_cookie.py:
    "a public page answers 200 without setting a cookie")."""
    setting = [a for a in result.answers if a.path not in result.form_paths and a.cookies]
    reading = len(result.answers) - len([a for a in result.answers
                                         if a.path in result.form_paths])
    details = [f"{reading} reading pages, APIs and feeds fetched; "
               f"{len(setting)} answered with Set-Cookie"]
    details += [f"{a.path}: {'; '.join(c.split(';')[0] for c in a.cookies)}"
                for a in setting[:20]]
    return Check(PART, "cookies set by public pages", str(len(setting)), "0", not setting,
                 details)


def check_form_cookies(result: Crawl, csrf_cookie: str) -> Check:
    """Form pages (self-check, mailbox, referral form) set the CSRF cookie and nothing else:
    the one cookie the project allows them (test_a_form_page_sets_only_the_csrf_cookie...)."""
    forms = [a for a in result.answers if a.path in result.form_paths]
    other = [(a.path, name) for a in forms for name in cookie_names(a.cookies)
             if name != csrf_cookie]
    with_csrf = sum(csrf_cookie in cookie_names(a.cookies) for a in forms)
    details = [f"{len(forms)} form pages; {with_csrf} set {csrf_cookie} (allowed: the CSRF "
               "cookie, HttpOnly, SameSite=Strict, session-only)"]
    details += [f"{path}: {name}" for path, name in other[:20]]
    return Check(PART, "form pages: cookies other than the CSRF one", str(len(other)), "0",
                 not other and bool(forms), details)


def check_cookie_lifetimes(result: Crawl) -> Check:
    """No cookie the crawl was given outlives the browser's session: none has Max-Age or
    Expires (settings CSRF_COOKIE_AGE = None; tests/test_public_pages_set_no_cookie.py)."""
    lasting = [(a.path, header.split(";")[0].split("=")[0]) for a in result.answers
               for header in a.cookies
               if any(part.strip().lower().startswith(("max-age", "expires"))
                      for part in header.split(";")[1:])]
    given = sum(len(a.cookies) for a in result.answers)
    details = [f"{given} cookies set on {len(result.answers)} answers"]
    details += [f"{path}: {name}" for path, name in lasting[:10]]
    return Check(PART, "cookies with a lifetime (Max-Age or Expires)", str(len(lasting)), "0",
                 not lasting, details)


def cookie_names(headers: list[str]) -> list[str]:
    return [header.split("=", 1)[0].strip() for header in headers]


# ---------------------------------------------------------------------------------------------
# The rate-limit control: the made-up address really is the client address


class TokenParser(HTMLParser):
    """The csrfmiddlewaretoken of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.token = ""

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag == "input" and values.get("name") == "csrfmiddlewaretoken":
            self.token = values.get("value") or ""


def mailbox_tries(stack: Stack, headers: dict[str, str], path: str, tries: int) -> list[int]:
    """Statuses of wrong-codename mailbox POSTs from one client, stopping at the first 429."""
    client = Client(stack, headers)
    try:
        page = client.request("GET", path)
        parser = TokenParser()
        parser.feed(page.body.decode("utf-8", "replace"))
        cookie = "; ".join(c.split(";")[0] for c in page.cookies)
        body = urlencode({"csrfmiddlewaretoken": parser.token, "action": "open",
                          "codename": "wrong-words-that-open-no-mailbox-at-all"}).encode()
        post_headers = {"Cookie": cookie, "Origin": stack.origin, "Referer": stack.url(path),
                        "Content-Type": "application/x-www-form-urlencoded"}
        statuses = []
        for _ in range(tries):
            statuses.append(client.request("POST", path, body, post_headers).status)
            if statuses[-1] == 429:
                break
        return statuses
    finally:
        client.close()


def check_address_reaches_app(stack: Stack, visitor: Visitor, limit_tries: int = 15) -> Check:
    """The made-up address is what the app takes as the client address: after enough wrong
    mailbox codenames it is refused (429) while another address still gets 404. Without
    this, a stack that never saw the address would pass the searches trivially."""
    path = "/en/mailbox/"
    ours = mailbox_tries(stack, visitor.headers, path, limit_tries)
    other = mailbox_tries(stack, {**visitor.headers, "X-Forwarded-For": visitor.other_address},
                          path, 1)
    passed = bool(ours) and ours[-1] == 429 and other == [404]
    hint = [CSRF_HINT.strip(" ()")] if 403 in ours + other else []
    figure = (f"429 after {len(ours)} tries" if ours and ours[-1] == 429
              else f"no 429 in {len(ours)} tries")
    return Check(PART, "made-up address reaches the app as the client address",
                 f"{figure}; other address: {other}", "429 for it; 404 for another", passed,
                 [f"wrong-codename POSTs from {visitor.address}: {ours}",
                  f"one from {visitor.other_address}: {other} (both addresses are searched)",
                  *hint])


# ---------------------------------------------------------------------------------------------
# Chromium: the journeys


@dataclass
class Browsing:
    own: str  # scheme://host:port of the site
    quick_exit: str
    requests: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)
    quick_exits: list[str] = field(default_factory=list)
    done: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    reading_cookies: list[str] = field(default_factory=list)  # after reading-only journeys
    form_cookies: list[str] = field(default_factory=list)  # after journeys with forms
    reading_journeys: int = 0
    codenames: list[str] = field(default_factory=list)
    answers_made: int = 0  # pages and files made from exercise answers

    def record(self, request) -> None:
        url = request.url
        self.requests.append(url)
        if self.is_own(url):
            return
        if request.is_navigation_request() and url.startswith(self.quick_exit):
            self.quick_exits.append(url)
        else:
            self.foreign.append(url)

    def is_own(self, url: str) -> bool:
        parts = urlsplit(url)
        return parts.scheme in LOCAL_SCHEMES or f"{parts.scheme}://{parts.netloc}" == self.own


@dataclass(frozen=True)
class Journey:
    name: str
    language: str
    javascript: bool
    steps: Callable  # (page, site) -> None
    reading_only: bool  # no form page: the context must end with no cookie at all


@dataclass
class Site:
    stack: Stack
    visitor: Visitor
    facts: dict
    browsing: Browsing

    def url(self, path: str) -> str:
        return self.stack.url(path)


def goto(page, site: Site, path: str) -> None:
    response = page.goto(site.url(path), wait_until="load")
    if response is None or response.status != 200:
        raise AssertionError(f"{path} answered {response.status if response else 'nothing'}")


def click_and_wait(page, locator) -> None:
    """Click and wait for the page it leads to, which must answer 200."""
    with page.expect_navigation(wait_until="load") as navigation:
        locator.click()
    response = navigation.value
    if response is not None and response.status != 200:
        hint = CSRF_HINT if response.status == 403 else ""
        raise AssertionError(f"{response.request.method} {urlsplit(response.url).path} "
                             f"answered {response.status}{hint}")


def reading_journey(page, site: Site, language: str, javascript: bool) -> None:
    """Home, a pathway (three steps, the "done" tick with JavaScript), the directory with a
    search, a service page, then quick exit."""
    goto(page, site, f"/{language}/")
    goto(page, site, f"/{language}/pathways/self/")
    click_and_wait(page, page.locator("main a.button").first)
    for _ in range(2):
        click_and_wait(page, page.locator("a[rel=next]"))
    toggle = page.locator("button.done-toggle")
    if javascript:
        toggle.click()
        if toggle.get_attribute("aria-pressed") != "true":
            raise AssertionError("the done tick did not take")
    elif toggle.count():
        raise AssertionError("a done tick without JavaScript")
    goto(page, site, f"/{language}/find-help/")
    countries = page.locator("#country option").evaluate_all("o => o.map(e => e.value)")
    page.locator("#country").select_option("FI" if "FI" in countries else countries[1])
    page.locator("#accepting").check()
    click_and_wait(page, page.locator("form.filters button[type=submit]"))
    if "country=" not in page.url:
        raise AssertionError(f"the search did not run: {page.url}")
    click_and_wait(page, page.locator(".service-list h3 a").first)
    if "/find-help/" not in page.url:
        raise AssertionError(f"not on a service page: {page.url}")
    quick_exit(page, site)


def quick_exit(page, site: Site) -> None:
    """Click quick exit; the harness answers the neutral site itself (nothing leaves the
    machine), and the navigation is reported apart from requests to other hosts."""
    page.locator("#quick-exit").click()
    page.wait_for_url(f"{site.facts['quick_exit']}**")
    if page.locator("#neutral").count() != 1:
        raise AssertionError("quick exit did not reach the neutral page")


def selfcheck_journey(page, site: Site, language: str, javascript: bool) -> None:
    """The self-check: first choice of every question, sent; the answer page; its first
    suggested step."""
    goto(page, site, f"/{language}/")
    click_and_wait(page, page.locator(f"nav.site-nav a[href='/{language}/self-check/']"))
    for question in page.locator("fieldset.question").all():
        question.locator("input[type=radio]").first.check()
    click_and_wait(page, page.locator("main form[method=post] button[type=submit]"))
    if page.locator("#errors").count() or page.locator("fieldset.question").count():
        raise AssertionError("the self-check came back unanswered")
    step = page.locator("main a[href*='/pathways/']").first
    if step.count():
        click_and_wait(page, step)


def referral_journey(page, site: Site, language: str, javascript: bool) -> None:
    """A referral to the demo service from its page, the codename read from the answer, the
    mailbox opened with it and a follow-up written."""
    marker = site.visitor.marker
    goto(page, site, f"/{language}/find-help/{site.facts['demo_service']}/")
    click_and_wait(page, page.locator("main a[href$='/refer/']"))
    page.locator("#id_message").fill(
        f"I would like to talk to someone about my thoughts, please ({marker} first).")
    page.locator("#id_acknowledge").check()
    if page.locator("#id_ages").count():  # a service with ages asks the visitor's
        page.locator("#id_ages").check()
    click_and_wait(page, page.locator("main form[method=post] button[type=submit]"))
    codename = page.locator("#codename").inner_text().strip()
    if not re.fullmatch(r"[a-z]+(?:-[a-z]+){6}", codename):
        raise AssertionError(f"no codename on the answer page: {codename[:40]!r}")
    site.browsing.codenames.append(codename)
    goto(page, site, f"/{language}/mailbox/")
    page.locator("#id_codename").fill(codename)
    click_and_wait(page, page.locator("main form[method=post] button[type=submit]"))
    if not page.locator("#state").count():
        raise AssertionError("the mailbox did not open")
    page.locator("#id_body").fill(
        f"Thank you. Evenings are the easiest time for me to talk ({marker} follow-up).")
    click_and_wait(page, page.locator("form:has(#id_body) button[type=submit]"))
    if page.locator("#errors").count() or marker not in page.content():
        raise AssertionError("the follow-up was not sent")


def exercise_journey(page, site: Site, language: str, javascript: bool) -> None:
    """A step's exercise answered and made into the page to print; the pathway's personal
    plan filled in and downloaded as a file, then made into the page too."""
    answer = f"My reason, in my own words ({site.visitor.answer})"
    goto(page, site, f"/{language}/pathways/self/2/")
    page.locator("section.exercises textarea").first.fill(answer)
    click_and_wait(page, page.locator("section.exercises button[value=page]"))
    if answer not in page.locator("article.answers").inner_text():
        raise AssertionError("the page of answers does not show the answer")
    site.browsing.answers_made += 1
    goto(page, site, f"/{language}/pathways/self/plan/")
    for box in page.locator("form.plan textarea").all():
        if javascript and box.input_value() == answer:
            continue  # kept in this browser from the step, as promised
        box.fill(answer)
    with page.expect_download() as download:
        page.locator("form.plan button[value=file]").click()
    if answer not in download.value.path().read_text(encoding="utf-8"):
        raise AssertionError("the downloaded plan does not hold the answers")
    site.browsing.answers_made += 1
    click_and_wait(page, page.locator("form.plan button[value=page]"))
    if page.locator("article.answers").inner_text().count(site.visitor.answer) < 5:
        raise AssertionError("the page of the plan does not show every answer")
    site.browsing.answers_made += 1


def journeys(facts: dict, short: bool) -> list[Journey]:
    """Short: each journey once (self-check in two languages), JavaScript off for reading.
    Full: reading in every language, self-check in every language, and the referral and
    self-check also with JavaScript off."""
    languages = facts["languages"]
    second = next((code for code in languages if code != "en"), "en")
    last = languages[-1]
    plan = [
        Journey("reading: pathway, done tick, directory search, service, quick exit", "en",
                True, reading_journey, True),
        Journey("self-check", "en", True, selfcheck_journey, False),
        Journey("self-check", second, True, selfcheck_journey, False),
        Journey("referral and mailbox follow-up", "en", True, referral_journey, False),
        Journey("reading: pathway, directory search, service, quick exit", second, False,
                reading_journey, True),
        Journey("exercise and personal plan", "en", True, exercise_journey, True),
        Journey("exercise and personal plan", second, False, exercise_journey, True),
    ]
    if not short:
        plan += [Journey("reading: pathway, done tick, directory search, service, quick exit",
                         code, True, reading_journey, True) for code in languages[1:]]
        plan += [Journey("exercise and personal plan", code, True, exercise_journey, True)
                 for code in languages if code not in ("en", second)]
        plan += [Journey("self-check", code, True, selfcheck_journey, False)
                 for code in languages if code not in ("en", second)]
        plan += [
            Journey("self-check", last, False, selfcheck_journey, False),
            Journey("referral and mailbox follow-up", last, False, referral_journey, False),
            Journey("reading: pathway, directory search, service, quick exit", last, False,
                    reading_journey, True),
        ]
    return plan


def browse(stack: Stack, visitor: Visitor, facts: dict, short: bool,
           log: Callable[[str], None]) -> Browsing:
    """Walk the journeys in Debian chromium, one fresh context each, every request recorded
    and any request for another host aborted (the quick exit's neutral page is answered by
    the harness)."""
    from playwright.sync_api import sync_playwright

    own = urlsplit(stack.origin)
    browsing = Browsing(f"{own.scheme}://{own.netloc}", facts["quick_exit"])
    site = Site(stack, visitor, facts, browsing)
    with sync_playwright() as playwright:
        browser = launch(playwright, stack.trust_args())
        try:
            for journey in journeys(facts, short):
                run_journey(browser, site, journey, log)
        finally:
            browser.close()
    return browsing


def run_journey(browser, site: Site, journey: Journey, log: Callable[[str], None]) -> None:
    browsing = site.browsing
    label = (f"{journey.name} ({journey.language}, JavaScript "
             f"{'on' if journey.javascript else 'off'})")
    context = browser.new_context(
        user_agent=site.visitor.user_agent,
        extra_http_headers={"X-Forwarded-For": site.visitor.address},
        java_script_enabled=journey.javascript,
        service_workers="block",
        locale="en-GB",
    )
    context.set_default_timeout(BROWSER_TIMEOUT_MS)
    context.set_default_navigation_timeout(BROWSER_TIMEOUT_MS)
    context.on("request", browsing.record)
    context.route("**/*", lambda route: guard(route, browsing))
    started = time.monotonic()
    try:
        journey.steps(context.new_page(), site, journey.language, journey.javascript)
        browsing.done.append(f"{label}: {time.monotonic() - started:.1f} s")
    except Exception as exc:  # noqa: BLE001 (reported as a failed journey)
        browsing.errors.append(f"{label}: {type(exc).__name__}: {str(exc)[:300]}")
    finally:
        cookies = [f"{c['name']} ({label})" for c in context.cookies()]
        if journey.reading_only:
            browsing.reading_journeys += 1
            browsing.reading_cookies += cookies
        else:
            browsing.form_cookies += cookies
        context.close()
    failed_now = bool(browsing.errors) and browsing.errors[-1].startswith(label)
    log(f"privacy: {label} {'failed' if failed_now else 'done'}")


def guard(route, browsing: Browsing) -> None:
    request = route.request
    if browsing.is_own(request.url):
        route.continue_()
    elif request.is_navigation_request() and request.url.startswith(browsing.quick_exit):
        route.fulfill(status=200, content_type="text/html", body=NEUTRAL_PAGE)
    else:
        route.abort("blockedbyclient")


def check_journeys(browsing: Browsing) -> Check:
    """Every scripted journey ran to its end (a failed journey means its pages and forms
    were not exercised, so the searches below would prove less)."""
    total = len(browsing.done) + len(browsing.errors)
    return Check(PART, "browser journeys completed", f"{len(browsing.done)} of {total}",
                 f"all ({total})", not browsing.errors and total > 0,
                 [*browsing.errors, *browsing.done])


def check_other_hosts(browsing: Browsing) -> Check:
    """Chromium asked no host but the site for anything during the journeys (every request
    is recorded; one for another host is aborted and counted). Quick exit's navigation to
    the neutral site is the visitor leaving on purpose and is listed apart."""
    details = [f"{len(browsing.requests)} requests recorded; "
               f"{len(browsing.quick_exits)} quick-exit navigations to "
               f"{browsing.quick_exit} (answered by the harness, not counted)"]
    details += [f"other host: {url}" for url in browsing.foreign[:20]]
    passed = not browsing.foreign and bool(browsing.requests)
    return Check(PART, "chromium requests to other hosts", str(len(browsing.foreign)), "0",
                 passed, details)


def check_browser_cookies(browsing: Browsing, csrf_cookie: str) -> Check:
    """Reading pages in chromium (pathway, done tick, directory search, service page, quick
    exit) left no cookie at all; journeys through forms left only the CSRF cookie."""
    other = [c for c in browsing.form_cookies if not c.startswith(csrf_cookie + " ")]
    details = [f"{browsing.reading_journeys} reading-only journeys: cookies at the end: "
               f"{browsing.reading_cookies or 'none'}",
               f"journeys with forms: {len(browsing.form_cookies)} cookies, "
               f"{len(other)} other than {csrf_cookie}"]
    details += [f"not allowed: {c}" for c in other[:10]]
    figure = len(browsing.reading_cookies) + len(other)
    passed = figure == 0 and browsing.reading_journeys > 0
    return Check(PART, "cookies in chromium after public browsing", str(figure), "0", passed,
                 details)


# ---------------------------------------------------------------------------------------------
# Waiting for the stack to write what it will, and the store checks


def settle(stack: Stack) -> str:
    """Wait until the Celery queue is empty (referral deliveries done), then SETTLE_SECONDS
    more for buffered stats counts and log lines."""
    import redis

    client = redis.Redis(host=stack_module.LOOPBACK, port=stack.redis_port, socket_timeout=5)
    started = time.monotonic()
    while time.monotonic() - started < DRAIN_SECONDS:
        if client.llen("celery") == 0 and client.hlen("unacked") == 0:
            break
        time.sleep(0.25)
    waited = time.monotonic() - started
    time.sleep(SETTLE_SECONDS)
    return f"queue drained in {waited:.1f} s, then {SETTLE_SECONDS:.0f} s for buffers"


def log_canary(stack: Stack, visitor: Visitor) -> int:
    """Ask for a page named after the canary: its path lands in nginx's access log, which
    the log search must then find."""
    client = Client(stack, visitor.headers)
    try:
        return client.request("GET", f"/{visitor.canary}/").status
    finally:
        client.close()


def needles(visitor: Visitor) -> dict[str, list[bytes]]:
    token = visitor.user_agent.split("/", 1)[1]
    return {
        "address": address_forms(visitor.address) + address_forms(visitor.other_address),
        "user agent": [visitor.user_agent.encode(), token.encode()],
        "canary": [visitor.canary.encode()],
    }


def store_checks(store: Store, found: dict[str, list[Hit]], visitor: Visitor,
                 canary_expected: bool) -> list[Check]:
    """One check per string per store: "visitor address in <store>" and "user agent in
    <store>". Each proves that string, in any form searched for, is nowhere in the store
    after a full run of the site; each fails too when the search itself looked at nothing
    (no rows, no keys, no log bytes) or missed the canary it was given."""
    problem = store.problem
    if canary_expected and not found["canary"]:
        problem = problem or "the canary put in this store was not found: the search is blind"
    checks = []
    for label, what in (("address", f"visitor address ({visitor.address}, "
                                     f"{visitor.other_address}) in {store.name}"),
                        ("user agent", f"user agent ({visitor.user_agent}) in {store.name}")):
        hits = found[label]
        details = [f"searched: {store.summary}"]
        if label == "address":
            details.append("forms: dotted, 8 hex digits, packed 4 bytes, 32-bit integer")
        if canary_expected:
            details.append(f"canary found {len(found['canary'])} time(s)")
        if problem:
            details.append(f"SEARCH NOT TRUSTWORTHY: {problem}")
        details += [hit.line() for hit in hits[:SHOWN_HITS]]
        if len(hits) > SHOWN_HITS:
            details.append(f"… and {len(hits) - SHOWN_HITS} more")
        name = f"{'visitor address' if label == 'address' else 'user agent'} in {store.name}"
        checks.append(Check(PART, name, str(len(hits)), "0", not hits and not problem,
                            [what, *details]))
    return checks


def check_referral_words(stores: list[Store], visitor: Visitor,
                         codenames: list[str]) -> Check:
    """The referral's codename and the visitor's words (a marker written in the message and
    the follow-up) are in no store in plain text: the codename is kept only as a keyed hash,
    messages only encrypted."""
    wanted = {"codename": [c.encode() for c in codenames],
              "message words": [visitor.marker.encode()]}
    details, total = [], 0
    for store in stores:
        found = scan(store.sources, wanted)
        count = sum(len(hits) for hits in found.values())
        total += count
        details.append(f"{store.name}: codename {len(found['codename'])}, "
                       f"words {len(found['message words'])}")
        details += [hit.line() for hits in found.values() for hit in hits[:SHOWN_HITS]]
    kept = {name: rows for store in stores for name, rows in store.rows.items()
            if re.search(r"referrals_(referral|mailboxmessage)$", name) and rows}
    details.insert(0, f"{len(codenames)} referrals made; rows kept (encrypted) in the dump: "
                      + (", ".join(f"{name} {rows}" for name, rows in kept.items()) or "none"))
    problem = ("no referral was made, so there was nothing to look for" if not codenames
               else "" if kept else "no referral row in the dump: the search missed them")
    if problem:
        details.insert(0, f"SEARCH NOT TRUSTWORTHY: {problem}")
    return Check(PART, "referral codename and words in plain text", str(total), "0",
                 total == 0 and not problem, details)


def check_exercise_answers(stores: list[Store], visitor: Visitor, made: int) -> Check:
    """What the visitor wrote in exercises and the personal plan (a marker in every answer,
    sent by POST for the page to print and the downloaded file) is in no store at all: not in
    the database, Redis, nginx's or gunicorn's logs, nor any file the stack wrote (nginx keeps
    request bodies and answers in memory: client_body_buffer_size, proxy_max_temp_file_size)."""
    details, total = [f"{made} pages and files made from answers"], 0
    for store in stores:
        hits = scan(store.sources, {"answers": [visitor.answer.encode()]})["answers"]
        total += len(hits)
        details.append(f"{store.name}: {len(hits)}")
        details += [hit.line() for hit in hits[:SHOWN_HITS]]
    problem = "" if made else "no answers were sent, so there was nothing to look for"
    if problem:
        details.insert(0, f"SEARCH NOT TRUSTWORTHY: {problem}")
    return Check(PART, "exercise answers anywhere on the server", str(total), "0",
                 total == 0 and not problem, details)


# ---------------------------------------------------------------------------------------------
# The part


def run(stack: Stack, *, short: bool, log: Callable[[str], None]) -> list[Check]:
    """The privacy part: crawl, journeys, the rate-limit control, then the searches."""
    visitor = make_visitor()
    log(f"privacy: visitor {visitor.address}, {visitor.user_agent}")
    checks: list[Check] = []
    try:
        facts = stack.inapp("site_facts", "facts")
    except Exception as exc:  # noqa: BLE001 (nothing can be measured without the page list)
        return [failed(PART, "public pages answering 200", "all", exc)]

    try:
        result = crawl(stack, visitor, facts)
        checks += [check_statuses(result), check_page_cookies(result),
                   check_form_cookies(result, facts["csrf_cookie"]),
                   check_cookie_lifetimes(result)]
        log(f"privacy: crawled {len(result.answers)} addresses")
    except Exception as exc:  # noqa: BLE001 (a broken measurement is a failed check)
        checks += [failed(PART, name, goal, exc) for name, goal in (
            ("public pages answering 200", "all"), ("cookies set by public pages", "0"))]

    browsing = Browsing(stack.origin, facts["quick_exit"])
    try:
        browsing = browse(stack, visitor, facts, short, log)
        checks += [check_journeys(browsing), check_other_hosts(browsing),
                   check_browser_cookies(browsing, facts["csrf_cookie"])]
    except Exception as exc:  # noqa: BLE001
        checks += [failed(PART, name, "0", exc) for name in (
            "browser journeys completed", "chromium requests to other hosts")]

    try:
        checks.append(check_address_reaches_app(stack, visitor))
    except Exception as exc:  # noqa: BLE001
        checks.append(failed(PART, "made-up address reaches the app as the client address",
                             "429 for it; 404 for another", exc))

    checks += search_stores(stack, visitor, browsing, log)
    return checks


def search_stores(stack: Stack, visitor: Visitor, browsing: Browsing,
                  log: Callable[[str], None]) -> list[Check]:
    """Search the database dump, Redis, the logs and the other files for both strings."""
    try:
        status = log_canary(stack, visitor)
        waited = settle(stack)
        log(f"privacy: {waited}; canary page answered {status}; searching the stores")
    except Exception as exc:  # noqa: BLE001 (a missing canary then fails the checks)
        log(f"privacy: canary or wait failed ({type(exc).__name__}: {exc}); searching anyway")
    readers: list[tuple[str, Callable[[], Store], bool]] = [
        ("database dump", lambda: dump_database(stack.database_url), False),
        ("Redis", lambda: read_redis(stack, visitor.canary), True),
        ("logs", lambda: read_logs(stack), True),
        ("other files the stack wrote", lambda: read_other_files(stack), False),
    ]
    checks, stores = [], []
    for name, read, canary in readers:
        try:
            store = read()
        except Exception as exc:  # noqa: BLE001
            checks += [failed(PART, f"{what} in {name}", "0", exc)
                       for what in ("visitor address", "user agent")]
            continue
        stores.append(store)
        checks += store_checks(store, scan(store.sources, needles(visitor)), visitor, canary)
    checks.append(check_referral_words(stores, visitor, browsing.codenames))
    checks.append(check_exercise_answers(stores, visitor, browsing.answers_made))
    return checks
