"""Fuzzing of every public form and of the staff sign-in (issue 7, part "security").

Goal: hypothesis-driven fuzzing of every public form and the staff login, 10,000 requests,
0 server errors.

Hypothesis draws one request per example: a target (a form, or a page that reads query
parameters), the fields of that form and one of three shapes:

- valid: what a browser sends after filling the form in (a valid CSRF cookie and token, the
  form's one-time token, every field from its own choices). These get through CSRF and into
  the views, so the code behind validation runs too (referrals and mailbox messages are made).
- near: the valid request with exactly one thing changed (one field replaced with hostile
  text, dropped, repeated or emptied; an extra field; another method, content type, charset,
  CSRF or one-time token, cookie or header).
- wild: everything drawn (arbitrary or hostile text in every field, fields missing or
  repeated, any method, any body encoding including invalid UTF-8, garbage cookies).

The forms and pages (found by reading the URLconfs, views, forms and templates):

    GET   /<lang>/find-help/                  directory search: country, language, mode, cost,
                                              accepting (and q); the service pages under it
    GET   /<lang>/urgent-help/                helplines by country (CountryForm)
    GET   /<lang>/open-data/                  open-data range: from, to
    GET   /api/stats/{daily,weekly}.json      open-data feed: from, to
    GET   /api/hsds/...                       HSDS API: page, per_page, service/organization id
    GET   /<lang>/for-professionals/card/     the printable card, A4 and A6
    GET   /, /<lang>/..., /<lang>/go/<slug>/  language choice (links, not a form; / reads
                                              Accept-Language) and the landing pages
    POST  /<lang>/self-check/                 the self-check (one radio group per question)
    POST  /<lang>/find-help/<id>/refer/       the referral form (demo service)
    POST  /<lang>/mailbox/                    mailbox: open, write, delete, forget,
                                              forget_confirmed (codenames made for the run)
    POST  /staff/login/, /staff/admin/login/  staff sign-in, password step
    POST  /staff/verify/                      second step (TOTP or backup code), signed-in
                                              session made for the run
    POST  /staff/enrol/                       second-factor enrolment, for a user without one

Requests go straight to gunicorn (plain HTTP on loopback, Host: localhost, X-Forwarded-Proto:
https as nginx sends them) so nginx cannot turn an application error into something else; a
share of about 5 % goes through nginx over TLS to confirm the same answers there. Any 5xx, or
no answer at all, is a failure. Afterwards the gunicorn log of the fuzz window is searched
for tracebacks and ERROR lines.
"""

from __future__ import annotations

import contextlib
import datetime
import http.client
import ipaddress
import json
import queue
import random
import re
import resource
import secrets
import ssl
import string
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import quote, urlencode

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from .checks import Check, failed
from .forms import Browser, FormParser
from .public_urls import DEMO_SERVICE
from .stack import HOSTNAME, LOOPBACK, ROOT, Stack

PART = "security"
THREADS = 6  # senders; gunicorn runs 3 sync workers, so 6 keep it busy without queueing long
NGINX_SHARE = 0.05
TIMEOUT = 40.0  # seconds for one answer (gunicorn's own worker timeout is 30 s)
ONCE_REUSE = 30  # a sender fetches a fresh one-time token after this many uses of one
DJANGO_ORIGIN = f"https://{HOSTNAME}"  # the origin Django sees (nginx passes $host, no port)
LANGS = ("en", "fi", "sv")
ODD_LANGS = ("xx", "EN", "en-gb", "zh-hans", "", "..", "%00", "fi-FI", "sv_SE", "ar", "he")
ACTIONS = ("open", "write", "delete", "forget", "forget_confirmed")


# ---------------------------------------------------------------------------------------------
# Values

INJECTIONS = (
    "{{", "}}", "{%", "%}", "{{ request.META }}", "{% debug %}", "{{7*7}}", "${7*7}", "#{7*7}",
    "{% load log %}{% get_admin_log 10 as x %}", "' OR 1=1 --", "\" OR \"\"=\"", "'; DROP TABLE "
    "referrals_referral; --", "1' UNION SELECT NULL--", "%00", "\x00", "a\x00b", "%", "%%",
    "%s%s%s%n", "../../../../etc/passwd", "..%2f..%2f..%2fetc%2fpasswd", "..\\..\\windows",
    "/etc/passwd\x00.html", "<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>",
    "javascript:alert(1)", "//evil.example/", "/\\evil.example", "https://evil.example/",
    "/%2f%2fevil.example", "/staff/login/", "/staff/admin/", "\u202e\u2066abc\u2069",
    "\u200f\u200e", "\ufeff", "\u0000\u0001\u001f\u007f", "😀", "👨‍👩‍👧‍👦", "ﷺ", "İı", "ß",
    "\uffff", "\U0010ffff", "a\u0301\u0301\u0301", "Ｅｎ", "١٢٣", "²", "null", "None", "undefined",
    "NaN", "Infinity", "-1", "0", "-0", "1e309", "0x10", "99999999999999999999999999999999",
    "-9223372036854775809", "true", "false", "[]", "{}", "\r\n", "\n\n\n", "\t", " ", "",
    "\\", "\"", "'", "`", "<", ">", "&", "&amp;", "&#0;", "+", "=", "&=&=", ";", "a;b",
    "AAAA-BBBB-CCCC", "1970-01-01", "0000-00-00", "9999-12-31", "2024-02-30", "2025-13-01",
)
LONG_UNITS = ("a", "é", "😀", "\u202e", "{{", "x\r\n", "' OR 1=1 --", "\x00", "9", " ", "-",
              "word-")
# Around the limits: message 20..5000, contact 200, codename 300, username 150, code 16/32,
# int() parses at most 4300 digits, gunicorn's request line 4094 and nginx's 8 KiB.
LONG_LENGTHS = (19, 20, 21, 33, 151, 199, 200, 201, 299, 300, 301, 4299, 4300, 4301, 4999,
                5000, 5001, 6000, 9000, 20000)
HUGE_LENGTHS = (262_145, 300_000, 1_100_000)  # the upload limit (256 KiB), nginx's 1 MiB
FIELD_NAMES = ("csrfmiddlewaretoken", "once", "action", "next", "__proto__", "page", "per_page",
               "a[]", "", " ", "q", "from", "to", "country", "message", "codename", "body",
               "username", "password", "code", "acknowledge", "_method", "x" * 300)
ODD_DATES = ("0001-01-01", "9999-12-31", "2024-02-29", "2025-02-29", "2025-13-01",
             "2025-00-10", "2025-1-1", "20250101", "2025-01-01T00:00", " 2025-01-01 ",
             "２０２５-０１-０１", "2025-01-01\x00", "-2025-01-01", "+2025-01-01")
ACCEPT_LANGUAGES = ("en", "fi", "sv", "fi-FI,fi;q=0.9,en;q=0.8", "sv-SE", "de", "*", "",
                    "en;q=abc", "xx-YY", "zh-Hans-CN", "ar;q=0.5,he", "fi;q=0,sv;q=0",
                    "en-US,en;q=0.9," * 40, "\u202eфи", "a" * 500)
ODD_METHODS = ("PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "HEAD", "PROPFIND", "FOO", "get",
               "POST")
ODD_HEADERS = (  # (the first is drawn most often: a harmless one)
    ("Accept", "application/json"), ("Host", "evil.example"), ("Host", "localhost:99999"),
    ("Host", ""),
    ("X-Forwarded-Proto", "http"), ("X-Forwarded-Proto", "https, http"),
    ("X-Forwarded-Host", "evil.example"), ("Accept", "*/*;q=garbage"),
    ("Range", "bytes=0-10,5-"), ("If-None-Match", "*"),
    ("X-HTTP-Method-Override", "DELETE"), ("Referer", "https://evil.example/"),
    ("Referer", f"{DJANGO_ORIGIN}/en/"), ("Accept-Encoding", "gzip, br, zstd"),
    ("Content-Language", "xx"), ("Authorization", "Basic Zm9vOmJhcg=="),
)
ODD_COOKIES = ("=", ";;;", "a", "__Host-csrftoken=", "__Host-sessionid=x",
               "__Host-csrftoken=" + "A" * 64, "csrftoken=x; csrftoken=y",
               "__Host-csrftoken=\"quoted\"", "$Version=1; a=b", "__Host-csrftoken=%00%ff",
               "x=" + "y" * 6000)
ODD_IPS = ("", "::1", "unknown", "1.2.3.4, 5.6.7.8", "999.1.1.1", "fe80::1%eth0")
RAW_QUERIES = ("%", "%zz", "%ff%fe", "a=%C0%AF", "&&&==", ";", "a[]=1&a[]=2", "=%00",
               "%E2%80%AE", "from=%ED%A0%80", "country=%FF", "&".join(["x=1"] * 250))
RAW_BODIES = (b"message=\xff\xfe\xfd", b"codename=\xc0\xaf", b"\xed\xa0\x80=\xed\xbf\xbf",
              b"a=%ff%fe&b=\x80", b"csrfmiddlewaretoken=\x00\x00", b"%" * 100,
              b"message=" + b"\xf0\x9f" * 50)
CHARSETS = ("utf-16", "latin-1", "bogus", "utf-7", "ascii", "", "utf-8; boundary=x",
            "\"utf-8\"", "utf-32-be", "cp1252")
ENCODINGS = ("multipart", "multipart-broken", "json", "text", "raw", "none", "chunked")
CSRF_BREAKS = ("header", "none", "cookie-only", "token-only", "garbage", "mismatch",
               "no-origin", "bad-origin")
NEXTS = ("/staff/admin/", "/staff/portal/", "/staff/verify/", "//evil.example/",
         "/\\evil.example", "https://evil.example/", "/en/", "")
CODES = ("123 456", "123-456", "abcdefgh", "ABCD-EFGH", "0000000", "1" * 16, "1" * 17,
         "a" * 32, "a" * 33, " ", "１２３４５６")
PAGE_NUMBERS = ("0", "-1", "1e3", "٣", "²", "100", "101", "9" * 4301, "9" * 30, " 1", "1.0")
QUERY_ALPHABET = string.ascii_letters + string.digits + "%&=;[]+,./:?@!$'()*~-_"

# Hypothesis validates a strategy the first time it is drawn from; strategies are therefore
# built once and kept (building them per example made drawing ten times slower).
_MEMO: dict = {}


def memo(key, build: Callable[[], st.SearchStrategy]) -> st.SearchStrategy:
    strategy = _MEMO.get(key)
    if strategy is None:
        strategy = _MEMO[key] = build()
    return strategy


def pick(values: tuple) -> st.SearchStrategy:
    return memo(("pick", values), lambda: st.sampled_from(values))


def _long(pair) -> str:
    unit, length = pair
    return (unit * (length // len(unit) + 1))[:length]


def text_values(max_size: int = 40) -> st.SearchStrategy[str]:
    """Arbitrary and hostile text (never lone surrogates: they cannot be sent as UTF-8)."""
    return memo(("text", max_size), lambda: st.one_of(
        st.text(max_size=max_size),
        st.sampled_from(INJECTIONS),
        st.tuples(st.sampled_from(INJECTIONS), st.text(max_size=12),
                  st.sampled_from(INJECTIONS)).map("".join),
        st.integers(min_value=-(10**40), max_value=10**40).map(str),
        st.floats().map(repr),
        st.tuples(st.sampled_from(LONG_UNITS), st.sampled_from(LONG_LENGTHS)).map(_long),
    ))


def field_names() -> st.SearchStrategy[str]:
    return memo("names", lambda: st.one_of(st.sampled_from(FIELD_NAMES), st.text(max_size=12)))


def extra_fields(min_size: int = 0) -> st.SearchStrategy[list]:
    return memo(("extra", min_size), lambda: st.lists(
        st.tuples(field_names(), text_values(20)), min_size=min_size, max_size=3))


def dates() -> st.SearchStrategy[str]:
    return memo("dates", lambda: st.one_of(
        st.dates().map(lambda d: d.isoformat()),
        st.dates(min_value=datetime.date(2024, 1, 1),
                 max_value=datetime.date(2027, 12, 31)).map(lambda d: d.isoformat()),
        st.sampled_from(ODD_DATES),
        text_values(20),
    ))


def in_path() -> st.SearchStrategy[str]:
    """A path segment: a uuid, or any text percent-encoded."""
    return memo("in-path", lambda: st.one_of(
        st.uuids().map(str), text_values(20).map(lambda t: quote(t, safe=""))))


def message_text() -> st.SearchStrategy[str]:
    """A message a person could write: 20 to 200 characters, any script."""
    return memo("message", lambda: st.tuples(
        st.just("I would like some help, please. "), st.text(max_size=170)).map("".join))


@dataclass(frozen=True)
class Slot:
    """A value only the sender knows when it sends: a token, a codename, a reply id."""

    kind: str  # csrf, once, codename, codename-variant, codename-disposable, reply
    arg: int = 0


@dataclass
class Plan:
    """One fuzz request, drawn by hypothesis and completed and sent by a sender."""

    target: str
    mode: str  # valid, near, wild
    method: str
    path: str  # ASCII, percent-encoded
    query: str = ""  # ASCII
    fields: list[tuple[str, object]] | None = None  # a form body (values str or Slot)
    encoding: str = "form"  # form, multipart, multipart-broken, json, text, raw, none, chunked
    raw: bytes = b""
    charset: str = ""
    csrf: str = "valid"  # valid, or one of CSRF_BREAKS
    session: str = ""  # "", verify, enrol, garbage
    cookie: str = ""  # a raw Cookie header to add to the cookies the plan calls for
    ip: str = "random"  # random, fixed, absent, or a literal value
    headers: list[tuple[str, str]] = field(default_factory=list)
    via_nginx: bool = False


# ---------------------------------------------------------------------------------------------
# Drawing requests


class Drawer:
    """The hypothesis strategies of every target. Choices found on the pages at start."""

    def __init__(self, found: dict):
        self.found = found
        self.demo = found["demo"]
        self.targets: list[tuple[str, int, Callable]] = [
            ("directory search", 9, self.directory),
            ("helplines country", 6, self.urgent),
            ("open-data range", 6, self.open_data),
            ("open-data feed", 6, self.feed),
            ("hsds api", 4, self.hsds),
            ("printable card", 3, self.card),
            ("language and landing", 4, self.language),
            ("self-check", 12, self.selfcheck),
            ("referral form", 14, self.referral),
            ("mailbox", 15, self.mailbox),
            ("staff login", 8, self.login),
            ("staff second step", 7, self.verify),
            ("staff enrolment", 3, self.enrol),
        ]
        self.weighted = tuple(name for name, weight, _ in self.targets for _ in range(weight))
        self.by_name = {name: draw for name, _, draw in self.targets}
        directory = found["directory"]
        self.directory_choices = {
            "country": st.one_of(st.sampled_from(directory.get("country") or ["FI"]),
                                 st.sampled_from(["fi", "FI-18", "ZZ", "XK", "001", "EU"])),
            "language": st.sampled_from(directory.get("language") or ["en"]),
            "mode": st.sampled_from(directory.get("mode") or ["online"]),
            "cost": st.sampled_from(directory.get("cost") or ["free"]),
            "accepting": st.sampled_from(["1", "on", "yes", "true"]),
            "q": text_values(20),
        }
        self.urgent_choices = {"country": st.one_of(
            st.sampled_from(found.get("urgent") or ["FI"]),
            st.sampled_from(["fi", "ZZ", "XK", "EU"]))}
        recent = st.dates(min_value=datetime.date(2025, 6, 1),
                          max_value=datetime.date(2026, 12, 31)).map(lambda d: d.isoformat())
        self.range_choices = {"from": st.one_of(recent, dates()), "to": st.one_of(recent, dates())}
        numbers = st.one_of(st.sampled_from(("1", "1", "2", "50")), st.sampled_from(PAGE_NUMBERS))
        self.page_choices = {"page": numbers, "per_page": numbers}
        self.card_choices = {"size": st.sampled_from(["a4", "a6"]), "print": st.just("1")}
        self.language_choices = {"lang": st.sampled_from(LANGS), "language": st.sampled_from(LANGS)}
        self.selfcheck_choices = {name: st.sampled_from(values)
                                  for name, values in found["selfcheck"].items()}
        self.referral_choices = {
            "acknowledge": st.sampled_from(["on", "1", "true"]),
            # The demo service works with people from 18: its form asks them to say so.
            "ages": st.sampled_from(["on", "1", "true"]),
            "message": message_text(),
            "preferred_language": st.sampled_from(["", "en", "fi", "sv"]),
            "contact": st.sampled_from(["", "", "a@example.org", "+358 40 123 4567"]),
            "once": st.just(Slot("once")),
        }
        self.nexts = st.one_of(st.sampled_from(NEXTS), text_values(20))
        staff = found["staff"]
        self.staff = staff
        names = st.sampled_from(["admin", "staff", "editor", "root", staff["login"]])
        self.usernames = st.one_of(names, names, names, st.just(staff["login"]),
                                   text_values(20))
        self.codes = st.one_of(st.integers(0, 999999).map(lambda n: f"{n:06d}"),
                               st.sampled_from(CODES), text_values(20))

    # -- common parts

    def chance(self, data, one_in: int) -> bool:
        return data.draw(st.integers(0, one_in - 1)) == 0

    def lang(self, data, mode: str) -> str:
        if mode == "wild" and self.chance(data, 6):
            return quote(data.draw(pick(ODD_LANGS)), safe="%")
        return data.draw(pick(("en", "en", "en", "fi", "sv")))

    def envelope(self, data, plan: Plan) -> Plan:
        """Headers: Accept-Language, the client's address, odd headers and cookies."""
        if data.draw(st.booleans()):
            plan.headers.append(("Accept-Language", data.draw(memo(
                "accept", lambda: st.one_of(st.sampled_from(ACCEPT_LANGUAGES), text_values(30))))))
        if plan.mode != "wild":
            return plan
        roll = data.draw(st.integers(0, 99))
        if roll < 3:
            plan.ip = "fixed"
        elif roll < 5:
            plan.ip = data.draw(memo("ips", lambda: st.one_of(st.sampled_from(ODD_IPS),
                                                              text_values(20))))
        if self.chance(data, 20):
            plan.headers.append(data.draw(pick(ODD_HEADERS)))
        if self.chance(data, 10):
            plan.cookie = data.draw(memo("cookies", lambda: st.one_of(
                st.sampled_from(ODD_COOKIES), text_values(40))))
        return plan

    def query_from(self, params: list[tuple[str, str]], data, mode: str) -> str:
        query = urlencode(params)
        if mode == "wild" and self.chance(data, 6):
            raw = data.draw(memo("raw-query", lambda: st.one_of(
                st.sampled_from(RAW_QUERIES), st.text(alphabet=QUERY_ALPHABET, max_size=40))))
            query = f"{query}&{raw}" if query else raw
        return query

    def params(self, data, mode: str, choices: dict[str, st.SearchStrategy]) -> list:
        """Query parameters: valid ones drawn from their choices, then changed by mode."""
        params = [(name, data.draw(choice)) for name, choice in choices.items()
                  if data.draw(st.booleans())]
        if mode == "near":
            params = self.mutate(data, params, list(choices))
        elif mode == "wild":
            params = self.wild_fields(data, list(choices), choices)
        return params

    def mutate(self, data, fields: list, names: list[str]) -> list:
        """Exactly one change to a list of valid fields."""
        fields = list(fields)
        kind = data.draw(pick(("replace", "replace", "replace", "drop", "repeat", "empty",
                               "extra")))
        name = data.draw(pick(tuple(names)))
        if kind == "replace":
            fields = [(k, v) for k, v in fields if k != name]
            fields.append((name, data.draw(text_values())))
        elif kind == "drop":
            fields = [(k, v) for k, v in fields if k != name]
        elif kind == "repeat":
            value = next((v for k, v in fields if k == name), "")
            fields += [(name, value if data.draw(st.booleans()) else data.draw(text_values()))
                       for _ in range(data.draw(st.integers(1, 3)))]
        elif kind == "empty":
            fields = [(k, v) for k, v in fields if k != name] + [(name, "")]
        else:
            fields += data.draw(extra_fields(1))
        return fields

    def wild_fields(self, data, names: list[str], choices: dict | None = None) -> list:
        """Every field drawn: valid, hostile, missing or repeated; and extra fields."""
        fields = []
        for name in names:
            how = data.draw(pick(("valid", "random", "random", "missing", "repeat")))
            if how == "missing":
                continue
            for _ in range(data.draw(st.integers(2, 4)) if how == "repeat" else 1):
                if how == "valid" and choices and name in choices:
                    fields.append((name, data.draw(choices[name])))
                else:
                    fields.append((name, data.draw(text_values())))
        fields += data.draw(extra_fields())
        if self.chance(data, 40):  # around DATA_UPLOAD_MAX_NUMBER_FIELDS (200)
            fields += [("n", str(i)) for i in range(data.draw(pick((150, 201, 400))))]
        return fields

    def get(self, data, target: str, mode: str, path: str, params: list) -> Plan:
        method = "GET"
        if mode == "wild" and self.chance(data, 5):
            method = data.draw(pick(ODD_METHODS))
        elif mode == "near" and self.chance(data, 10):
            method = data.draw(pick(("HEAD", "POST", "OPTIONS", "PUT")))
        plan = Plan(target, mode, method, path, self.query_from(params, data, mode),
                    fields=None, csrf="none")
        if method not in ("GET", "HEAD") and data.draw(st.booleans()):
            plan.fields = list(params)
            plan.csrf = data.draw(pick(("valid", "none", "garbage")))
        return self.envelope(data, plan)

    def post(self, data, target: str, mode: str, path: str, valid: list, names: list[str],
             choices: dict | None = None, session: str = "") -> Plan:
        """A form POST: the valid fields with the CSRF token, then changed by mode."""
        fields = [("csrfmiddlewaretoken", Slot("csrf")), *valid]
        plan = Plan(target, mode, "POST", path, "", fields=fields, session=session)
        if mode == "near":
            if data.draw(pick(("field",) * 6 + ("envelope",) * 3)) == "field":
                plan.fields = self.mutate(data, fields, names)
            else:
                self.envelope_mutation(data, plan)
        elif mode == "wild":
            plan.fields = self.wild_fields(data, names, choices)
            if not self.chance(data, 4):
                plan.fields.insert(0, ("csrfmiddlewaretoken", Slot("csrf")))
            plan.csrf = data.draw(pick(("valid",) * 3 + CSRF_BREAKS))
            if self.chance(data, 4):
                self.envelope_mutation(data, plan)
            if session and self.chance(data, 5):
                plan.session = data.draw(pick(("", "garbage")))
        return self.envelope(data, plan)

    def envelope_mutation(self, data, plan: Plan) -> None:
        kind = data.draw(pick(("method", "encoding", "encoding", "charset", "csrf", "query",
                               "huge")))
        if kind == "method":
            plan.method = data.draw(pick((*ODD_METHODS, "GET")))
        elif kind == "encoding":
            plan.encoding = data.draw(pick(ENCODINGS))
            if plan.encoding == "raw":
                plan.raw = data.draw(memo("raw-body", lambda: st.one_of(
                    st.binary(max_size=300), st.sampled_from(RAW_BODIES))))
        elif kind == "charset":
            plan.charset = data.draw(pick(CHARSETS))
        elif kind == "csrf":
            plan.csrf = data.draw(pick(CSRF_BREAKS))
        elif kind == "query":
            plan.query = self.query_from(data.draw(extra_fields(1)), data, "wild")
        elif plan.fields:  # one field over the upload limit (and, through nginx, its 1 MiB)
            name = plan.fields[-1][0]
            unit = data.draw(pick(("a", "😀", "%")))
            plan.fields[-1] = (name, _long((unit, data.draw(pick(HUGE_LENGTHS)))))

    # -- GET targets

    def directory(self, data, mode):
        lang = self.lang(data, mode)
        if self.chance(data, 8):  # a service's page (the search's results)
            pk = data.draw(st.one_of(st.just(self.demo), in_path()))
            return self.get(data, "directory search", mode, f"/{lang}/find-help/{pk}/", [])
        return self.get(data, "directory search", mode, f"/{lang}/find-help/",
                        self.params(data, mode, self.directory_choices))

    def urgent(self, data, mode):
        return self.get(data, "helplines country", mode, f"/{self.lang(data, mode)}/urgent-help/",
                        self.params(data, mode, self.urgent_choices))

    def open_data(self, data, mode):
        return self.get(data, "open-data range", mode, f"/{self.lang(data, mode)}/open-data/",
                        self.params(data, mode, self.range_choices))

    def feed(self, data, mode):
        period = data.draw(pick(("daily", "weekly", "daily", "weekly", "monthly")))
        return self.get(data, "open-data feed", mode, f"/api/stats/{period}.json",
                        self.params(data, mode, self.range_choices))

    def hsds(self, data, mode):
        kind = data.draw(pick(("root", "services", "services", "organizations", "service",
                               "organization")))
        if kind in ("service", "organization"):
            ids = tuple(self.found["hsds"].get(kind) or [self.demo])
            pk = data.draw(st.one_of(pick(ids), in_path()))
            return self.get(data, "hsds api", mode, f"/api/hsds/{kind}s/{pk}", [])
        path = "/api/hsds/" if kind == "root" else f"/api/hsds/{kind}"
        return self.get(data, "hsds api", mode, path,
                        self.params(data, mode, self.page_choices))

    def card(self, data, mode):
        size = data.draw(pick(("", "a6/", "a5/")))
        return self.get(data, "printable card", mode,
                        f"/{self.lang(data, mode)}/for-professionals/card/{size}",
                        self.params(data, mode, self.card_choices))

    def language(self, data, mode):
        kind = data.draw(pick(("root", "home", "landing", "page")))
        lang = data.draw(pick(LANGS + ODD_LANGS))
        lang = quote(lang, safe="%")
        if kind == "root":
            path = "/"
        elif kind == "home":
            path = f"/{lang}/"
        elif kind == "landing":
            slug = data.draw(st.one_of(pick(("search", "platform", "test", "a-b")), in_path()))
            path = f"/{lang}/go/{slug}/"
        else:
            path = f"/{lang}/" + data.draw(pick(
                ("about/", "privacy/", "confidentiality/", "browsing-privately/",
                 "for-professionals/", "pathways/", "pathways/x/1/", "self-check/", "mailbox/")))
        plan = self.get(data, "language and landing", mode, path,
                        self.params(data, mode, self.language_choices))
        if not any(k == "Accept-Language" for k, _ in plan.headers):
            plan.headers.append(("Accept-Language", data.draw(pick(ACCEPT_LANGUAGES))))
        return plan

    # -- POST targets

    def selfcheck(self, data, mode):
        path = f"/{self.lang(data, mode)}/self-check/"
        if self.chance(data, 20):
            return self.get(data, "self-check", mode, path, [])
        choices = self.selfcheck_choices
        valid = [(name, data.draw(choice)) for name, choice in choices.items()]
        return self.post(data, "self-check", mode, path, valid, list(choices), choices)

    def referral(self, data, mode):
        lang = self.lang(data, mode)
        service = self.demo
        if mode == "wild" and self.chance(data, 10):
            service = data.draw(in_path())
        path = f"/{lang}/find-help/{service}/refer/"
        if self.chance(data, 20):
            return self.get(data, "referral form", mode, path, [])
        choices = self.referral_choices
        valid = [(name, data.draw(choice)) for name, choice in choices.items()]
        return self.post(data, "referral form", mode, path, valid, list(choices), choices)

    def mailbox(self, data, mode):
        path = f"/{self.lang(data, mode)}/mailbox/"
        if self.chance(data, 20):
            return self.get(data, "mailbox", mode, path, [])
        action = data.draw(pick(ACTIONS))
        keeper = data.draw(st.integers(0, 1000))
        codename = (Slot("codename-disposable") if action == "forget_confirmed"
                    else Slot("codename", keeper))
        if mode != "valid" and self.chance(data, 4):
            codename = Slot("codename-variant", keeper)
        valid = [("codename", codename), ("action", action)]
        if action == "write":
            valid += [("once", Slot("once")), ("body", data.draw(message_text()))]
        elif action == "delete":
            valid.append(("message", Slot("reply", keeper)))
        choices = {
            "codename": st.one_of(st.just(Slot("codename", keeper)), text_values()),
            "action": memo("actions", lambda: st.one_of(st.sampled_from(ACTIONS),
                                                         text_values(10))),
            "once": st.just(Slot("once")),
            "message": st.one_of(st.just(Slot("reply", keeper)), text_values(10)),
        }
        names = [name for name, _ in valid] + (["body", "message"] if mode == "wild" else [])
        return self.post(data, "mailbox", mode, path, valid, names, choices)

    def login(self, data, mode):
        path = data.draw(pick(("/staff/login/",) * 4 + ("/staff/admin/login/",)))
        if self.chance(data, 10):
            return self.get(data, "staff login", mode, path,
                            self.params(data, mode, {"next": self.nexts}))
        # Usernames: mostly a few names, so django-axes locks them after 5 failures and later
        # tries are answered 429 without a password hash; sometimes the run's user with its
        # right password (a real sign-in) or a wrong one; sometimes anything.
        username = data.draw(self.usernames)
        right = username == self.staff["login"] and data.draw(st.booleans())
        password = self.staff["password"] if right else data.draw(text_values())
        valid = [("username", username), ("password", password)]
        if data.draw(st.booleans()):
            valid.append(("next", data.draw(self.nexts)))
        choices = {"username": st.just(username), "password": st.just(password),
                   "next": self.nexts}
        return self.post(data, "staff login", mode, path, valid, list(choices), choices)

    def verify(self, data, mode):
        path = "/staff/verify/"
        if self.chance(data, 20):
            return self.get(data, "staff second step", mode, path, [])
        valid = [("code", data.draw(self.codes))]
        if self.chance(data, 4):
            valid.append(("next", data.draw(pick(("/staff/admin/", "//evil.example",
                                                  "/staff/verify/")))))
        return self.post(data, "staff second step", mode, path, valid, ["code", "next"],
                         session="verify")

    def enrol(self, data, mode):
        path = "/staff/enrol/"
        if self.chance(data, 10):
            return self.get(data, "staff enrolment", mode, path, [])
        return self.post(data, "staff enrolment", mode, path, [("code", data.draw(self.codes))],
                         ["code", "next"], session="enrol")

    def draw(self, data) -> Plan:
        target = data.draw(pick(self.weighted))
        mode = data.draw(pick(("valid", "near", "near", "near", "wild", "wild", "wild", "wild")))
        plan = self.by_name[target](data, mode)
        if target in ("staff second step", "staff enrolment") and plan.method == "GET" and \
                mode != "wild":
            plan.session = "verify" if target == "staff second step" else "enrol"
        return plan


# ---------------------------------------------------------------------------------------------
# Sending


@dataclass
class Outcome:
    target: str
    via: str
    method: str
    url: str
    body: bytes
    status: int | None  # None: no answer
    error: str = ""
    answer: str = ""
    at: float = 0.0


def _random_ip(rng: random.Random) -> str:
    if rng.random() < 0.2:
        return str(ipaddress.IPv6Address(rng.getrandbits(128)))
    return str(ipaddress.IPv4Address(rng.getrandbits(32)))


def _clean_header(value: str) -> bytes:
    """Header bytes http.client will send: no CR or LF (they would end the header)."""
    return value.replace("\r", "").replace("\n", "").encode("utf-8")


class Shared:
    """What the senders share: the stack, tokens, codenames and sessions of the run, results."""

    def __init__(self, stack: Stack, prepared: dict, sessions: dict[str, list[str]],
                 cookie_names: dict[str, str]):
        self.stack = stack
        self.keepers: list[dict] = prepared["keepers"]
        self.disposable: list[str] = list(prepared["disposable"])
        self.sessions = sessions
        self.cookie_names = cookie_names
        self.lock = threading.Lock()
        self.outcomes: list[Outcome] = []
        self.helper: Counter = Counter()  # status of helper requests (tokens)
        self.helper_failures: list[str] = []
        self.client_errors: Counter = Counter()
        self.disposables_used = 0
        self.fuzzer_cpu = 0.0

    def take_disposable(self) -> str | None:
        with self.lock:
            if self.disposable:
                self.disposables_used += 1
                return self.disposable.pop()
        return None


class Sender(threading.Thread):
    """Takes plans from the queue, completes them with live tokens, sends them, records."""

    def __init__(self, shared: Shared, work: queue.Queue, index: int):
        super().__init__(daemon=True, name=f"fuzz-sender-{index}")
        self.shared, self.work = shared, work
        self.rng = random.Random(secrets.randbits(64))
        self.fixed_ip = f"203.0.113.{index + 1}"
        self.direct: http.client.HTTPConnection | None = None
        self.tls: http.client.HTTPSConnection | None = None
        self.csrf_cookie = self.csrf_token = self.once = ""
        self.once_uses = 0
        self.failure: BaseException | None = None

    # -- tokens, as a browser gets them: GET the referral form

    def refresh_tokens(self) -> None:
        stack = self.shared.stack
        browser = Browser(stack.web_port, timeout=TIMEOUT)
        if self.csrf_cookie:
            browser.cookies[self.shared.cookie_names["csrf"]] = self.csrf_cookie
        path = f"/en/find-help/{DEMO_SERVICE}/refer/"
        status, _headers, html = browser.request("GET", path, headers=_direct_headers(
            _random_ip(self.rng)))
        with self.shared.lock:
            self.shared.helper[status] += 1
            if status >= 500:
                self.shared.helper_failures.append(f"GET {path} (tokens) -> {status}")
        if status != 200:
            return
        fields = _hidden_fields(html)
        self.csrf_cookie = browser.cookies.get(self.shared.cookie_names["csrf"], self.csrf_cookie)
        self.csrf_token = fields.get("csrfmiddlewaretoken", self.csrf_token)
        self.once = fields.get("once", self.once)
        self.once_uses = 0

    def resolve(self, value, plan: Plan) -> str:
        if not isinstance(value, Slot):
            return value
        keepers = self.shared.keepers
        if value.kind == "csrf":
            return self.csrf_token if plan.csrf not in ("cookie-only", "mismatch", "garbage") \
                else ("x" * 64 if plan.csrf == "mismatch" else secrets.token_urlsafe(24))
        if value.kind == "once":
            self.once_uses += 1
            return self.once
        if value.kind == "codename":
            return keepers[value.arg % len(keepers)]["codename"]
        if value.kind == "codename-variant":
            words = keepers[value.arg % len(keepers)]["codename"].split("-")
            joiner = self.rng.choice([" ", "  ", "-", "_", ".", "\u00a0", "\n", "—"])
            return joiner.join(w.upper() if self.rng.random() < 0.3 else w for w in words)
        if value.kind == "codename-disposable":
            return self.shared.take_disposable() or "gone-gone-gone-gone-gone-gone-gone"
        if value.kind == "reply":
            replies = keepers[value.arg % len(keepers)]["replies"]
            return str(self.rng.choice(replies)) if replies else "1"
        raise ValueError(value.kind)

    def build(self, plan: Plan) -> tuple[str, str, list[tuple[str, bytes]], bytes | None, bool]:
        """(method, url, headers, body, chunked) of a plan."""
        fields = [(k, self.resolve(v, plan)) for k, v in plan.fields] if plan.fields else None
        query = plan.query
        body: bytes | None = None
        content_type = ""
        if fields is not None and plan.method.upper() in ("GET", "HEAD"):
            extra = urlencode(fields)
            query = f"{query}&{extra}" if query else extra
        elif fields is not None:
            body, content_type = _encode(plan, fields, self.rng)
        url = plan.path + (f"?{query}" if query else "")

        headers: list[tuple[str, bytes]] = []
        names = {k.lower() for k, _ in plan.headers}
        if "host" not in names:
            headers.append(("Host", (HOSTNAME if not plan.via_nginx
                                     else f"{HOSTNAME}:{self.shared.stack.https_port}").encode()))
        if not plan.via_nginx and "x-forwarded-proto" not in names:
            headers.append(("X-Forwarded-Proto", b"https"))
        # A client address of its own for (almost) every request: the app keys its per-client
        # rate limits (mailbox attempts, referrals per day) on X-Real-IP, which nginx sets from
        # the peer. From one address, the mailbox would answer 429 after ten tries and the fuzz
        # would test the limiter instead of the forms. A few requests share one address so the
        # limit answers are fuzzed too. Through nginx the address goes in X-Forwarded-For,
        # which the stack's nginx trusts from loopback (realip) and turns into X-Real-IP.
        if plan.ip != "absent":
            address = {"random": _random_ip(self.rng), "fixed": self.fixed_ip}.get(plan.ip,
                                                                                    plan.ip)
            headers.append(("X-Forwarded-For" if plan.via_nginx else "X-Real-IP",
                            _clean_header(address)))
        cookies = []
        if plan.csrf in ("valid", "header", "cookie-only", "mismatch", "no-origin",
                         "bad-origin") and self.csrf_cookie:
            cookies.append(f"{self.shared.cookie_names['csrf']}={self.csrf_cookie}")
        elif plan.csrf == "garbage":
            cookies.append(f"{self.shared.cookie_names['csrf']}={secrets.token_urlsafe(24)}")
        if plan.session in ("verify", "enrol") and self.shared.sessions.get(plan.session):
            session = self.rng.choice(self.shared.sessions[plan.session])
            cookies.append(f"{self.shared.cookie_names['session']}={session}")
        elif plan.session == "garbage":
            cookies.append(f"{self.shared.cookie_names['session']}={secrets.token_hex(16)}")
        if plan.cookie:
            cookies.append(plan.cookie)
        if cookies:
            headers.append(("Cookie", _clean_header("; ".join(cookies))))
        if plan.method.upper() not in ("GET", "HEAD") and plan.csrf != "none":
            if plan.csrf == "bad-origin":
                headers.append(("Origin", b"https://evil.example"))
            elif plan.csrf != "no-origin":
                headers.append(("Origin", DJANGO_ORIGIN.encode()))
            if plan.csrf == "header":
                headers.append(("X-CSRFToken", self.csrf_token.encode()))
        if content_type:
            headers.append(("Content-Type", _clean_header(content_type)))
        headers += [(k, _clean_header(v)) for k, v in plan.headers]
        headers.append(("Accept", b"text/html,application/json;q=0.9,*/*;q=0.8"))
        chunked = plan.encoding == "chunked" and body is not None
        return plan.method, url, headers, body, chunked

    def connection(self, via_nginx: bool, fresh: bool = False):
        stack = self.shared.stack
        if via_nginx:
            if fresh or self.tls is None:
                with contextlib.suppress(Exception):
                    self.tls and self.tls.close()
                self.tls = http.client.HTTPSConnection(
                    HOSTNAME, stack.https_port, timeout=TIMEOUT, context=stack.ssl_context())
            return self.tls
        if fresh or self.direct is None:
            with contextlib.suppress(Exception):
                self.direct and self.direct.close()
            self.direct = http.client.HTTPConnection(LOOPBACK, stack.web_port, timeout=TIMEOUT)
        return self.direct

    def send(self, plan: Plan) -> Outcome:
        method, url, headers, body, chunked = self.build(plan)
        via = "nginx" if plan.via_nginx else "gunicorn"
        outcome = Outcome(plan.target, via, method, url, body or b"", None, at=time.time())
        # One retry on a fresh connection when a kept-alive one turns out to be closed.
        for attempt in range(2):
            conn = self.connection(plan.via_nginx, fresh=attempt > 0)
            reused = conn.sock is not None
            try:
                try:
                    self.write(conn, method, url, headers, body, chunked)
                except (BrokenPipeError, ConnectionResetError, ssl.SSLError) as exc:
                    # A server may answer (414, 400, 413) and close before it has read all of
                    # an oversized request: the answer is then waiting to be read.
                    if reused and attempt == 0:
                        conn.close()
                        continue
                    outcome.error = f"while sending: {type(exc).__name__}: {exc}"
                response = conn.getresponse()
                data = response.read()
                outcome.status = response.status
                outcome.error = ""
                if response.status >= 500:
                    outcome.answer = data[:300].decode("utf-8", "replace")
                if response.will_close:
                    conn.close()
                return outcome
            except (http.client.RemoteDisconnected, BrokenPipeError,
                    ConnectionResetError) as exc:
                conn.close()
                if reused and attempt == 0 and not outcome.error:
                    continue
                outcome.error = (outcome.error + "; " if outcome.error else "") + \
                    f"{type(exc).__name__}: {exc}"
                return outcome
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                outcome.error = (outcome.error + "; " if outcome.error else "") + \
                    f"{type(exc).__name__}: {exc}"
                return outcome
        return outcome

    @staticmethod
    def write(conn, method: str, url: str, headers, body: bytes | None, chunked: bool) -> None:
        conn.putrequest(method, url, skip_host=True, skip_accept_encoding=True)
        for name, value in headers:
            conn.putheader(name, value)
        if chunked:
            conn.putheader("Transfer-Encoding", "chunked")
            conn.endheaders()
            half = len(body) // 2
            for piece in (body[:half], body[half:]):
                if piece:
                    conn.send(f"{len(piece):X}\r\n".encode() + piece + b"\r\n")
            conn.send(b"0\r\n\r\n")
        else:
            if body is not None:
                conn.putheader("Content-Length", str(len(body)))
            conn.endheaders(message_body=body)

    def run(self) -> None:
        try:
            self.refresh_tokens()
            while True:
                plan = self.work.get()
                if plan is None:
                    return
                if self.once_uses >= ONCE_REUSE or not self.csrf_token:
                    self.refresh_tokens()
                try:
                    outcome = self.send(plan)
                except (ValueError, UnicodeError, TypeError) as exc:  # the harness's own fault
                    with self.shared.lock:
                        self.shared.client_errors[f"{type(exc).__name__}: {exc}"[:120]] += 1
                    continue
                with self.shared.lock:
                    self.shared.outcomes.append(outcome)
        except BaseException as exc:  # noqa: BLE001 (reported by run())
            self.failure = exc
            while True:  # keep draining so the producer never blocks forever
                if self.work.get() is None:
                    return


def _direct_headers(address: str) -> dict[str, str]:
    return {"Host": HOSTNAME, "X-Forwarded-Proto": "https", "X-Real-IP": address,
            "Origin": DJANGO_ORIGIN}


def _hidden_fields(html: str) -> dict[str, str]:
    parser = FormParser()
    parser.feed(html)
    found = {}
    for form in parser.forms:
        for f in form["fields"]:
            if f["tag"] == "input" and f["type"] == "hidden" and f["value"] is not None:
                found.setdefault(f["name"], f["value"])
    return found


def _encode(plan: Plan, fields: list[tuple[str, str]], rng: random.Random) -> tuple[bytes, str]:
    """The body of a plan and its content type."""
    charset = f"; charset={plan.charset}" if plan.charset else ""
    encoding = plan.encoding
    if encoding in ("form", "chunked"):
        return urlencode(fields).encode("ascii"), "application/x-www-form-urlencoded" + charset
    if encoding in ("multipart", "multipart-broken"):
        boundary = f"----fuzz{rng.getrandbits(48):x}"
        parts = []
        for name, value in fields:
            head = f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"'
            if rng.random() < 0.1:
                head += '; filename="../../etc/passwd"\r\nContent-Type: text/plain'
            parts.append(head.encode("utf-8", "replace") + b"\r\n\r\n"
                         + value.encode("utf-8", "replace") + b"\r\n")
        body = b"".join(parts)
        if encoding == "multipart":
            body += f"--{boundary}--\r\n".encode()
            return body, f"multipart/form-data; boundary={boundary}{charset}"
        broken = rng.choice(["no-end", "other-boundary", "no-boundary"])
        if broken == "no-end":
            return body, f"multipart/form-data; boundary={boundary}"
        if broken == "other-boundary":
            return body + b"--x--\r\n", "multipart/form-data; boundary=x"
        return body, "multipart/form-data"
    if encoding == "json":
        return json.dumps(dict(fields)).encode(), "application/json" + charset
    if encoding == "text":
        return "\n".join(f"{k}={v}" for k, v in fields).encode("utf-8", "replace"), \
            "text/plain" + charset
    if encoding == "raw":
        return plan.raw, "application/x-www-form-urlencoded" + charset
    return b"", ""  # "none": a POST without a body


# ---------------------------------------------------------------------------------------------
# Preparing the run: staff users, codenames, sessions, choices found on the pages


def _prepare(stack: Stack, demo: str, disposable: int) -> dict:
    return stack.inapp("fuzz_setup", "prepare", {
        "password": secrets.token_urlsafe(18), "suffix": secrets.token_hex(3), "demo": demo,
        "keepers": 8, "disposable": disposable,
    })


def _browser(stack: Stack) -> Browser:
    return Browser(stack.web_port, timeout=TIMEOUT)


def _get(browser: Browser, path: str) -> tuple[int, str]:
    status, _headers, html = browser.request(
        "GET", path, headers=_direct_headers(_random_ip(random.Random())))
    return status, html


def _sign_in(stack: Stack, username: str, password: str, cookie_names: dict) -> str:
    """Sign in with the password (the first step) and return the session cookie."""
    browser = _browser(stack)
    status, html = _get(browser, "/staff/login/")
    if status != 200:
        raise RuntimeError(f"GET /staff/login/ answered {status}")
    token = _hidden_fields(html).get("csrfmiddlewaretoken", "")
    status, headers, _ = browser.request(
        "POST", "/staff/login/",
        body=urlencode({"csrfmiddlewaretoken": token, "username": username,
                        "password": password}).encode(),
        headers={**_direct_headers(_random_ip(random.Random())),
                 "Content-Type": "application/x-www-form-urlencoded"},
    )
    session = next((v for k, v in browser.cookies.items() if "session" in k), "")
    if status != 302 or not session:
        raise RuntimeError(f"staff sign-in of {username} answered {status}")
    cookie_names["session"] = next(k for k in browser.cookies if "session" in k)
    return session


def _discover(stack: Stack, demo: str) -> tuple[dict, dict]:
    """The choices each form offers, read from its page; and the cookie names."""
    browser = _browser(stack)
    found: dict = {"demo": demo, "hsds": {}}
    cookie_names = {"csrf": "__Host-csrftoken", "session": "__Host-sessionid"}

    status, html = _get(browser, "/en/self-check/")
    if status != 200:
        raise RuntimeError(f"GET /en/self-check/ answered {status}")
    cookie_names["csrf"] = next((k for k in browser.cookies if "csrf" in k), cookie_names["csrf"])
    parser = FormParser()
    parser.feed(html)
    questions: dict[str, list[str]] = defaultdict(list)
    for form in parser.forms:
        for f in form["fields"]:
            if f["tag"] == "input" and f["type"] == "radio":
                questions[f["name"]].append(f["value"] or "")
    if not questions:
        raise RuntimeError("the self-check page shows no questions")
    found["selfcheck"] = dict(questions)

    for key, path in (("directory", "/en/find-help/"), ("urgent", "/en/urgent-help/")):
        status, html = _get(browser, path)
        if status != 200:
            raise RuntimeError(f"GET {path} answered {status}")
        parser = FormParser()
        parser.feed(html)
        options = {}
        for form in parser.forms:
            for f in form["fields"]:
                if f["tag"] == "select":
                    options[f["name"]] = [v for v, _ in f["options"] if v]
        found[key] = options if key == "directory" else options.get("country", [])

    for kind in ("service", "organization"):
        status, text = _get(browser, f"/api/hsds/{kind}s?per_page=50")
        with contextlib.suppress(ValueError, KeyError, TypeError):
            found["hsds"][kind] = [item["id"] for item in json.loads(text)["contents"]]
    return found, cookie_names


# ---------------------------------------------------------------------------------------------
# The gunicorn log of the fuzz window

RECORD_START = re.compile(
    r"^(?:(?P<time>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d),\d+ (?P<level>[A-Z]+) (?P<logger>\S+)"
    r"|\[(?P<gtime>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4})\] \[\d+\] \[(?P<glevel>[A-Z]+)\])"
)


@dataclass
class LogRecord:
    level: str
    logger: str
    text: str  # the record's lines, a traceback included
    at: float | None  # seconds since the epoch


def _log_records(text: str) -> list[LogRecord]:
    """The records of a gunicorn log: Django's lines ("<time> LEVEL logger message") and
    gunicorn's ("[<time>] [pid] [LEVEL] message"); continuation lines (tracebacks) join the
    record before them."""
    records: list[LogRecord] = []
    for line in text.splitlines():
        match = RECORD_START.match(line)
        if match is None and records:
            records[-1].text += "\n" + line
            continue
        at = None
        if match and match.group("time"):  # Django's asctime: the local time of the machine
            with contextlib.suppress(ValueError, OverflowError):
                at = time.mktime(time.strptime(match.group("time"), "%Y-%m-%d %H:%M:%S"))
        elif match and match.group("gtime"):
            with contextlib.suppress(ValueError):
                at = datetime.datetime.strptime(
                    match.group("gtime"), "%Y-%m-%d %H:%M:%S %z").timestamp()
        level = (match and (match.group("level") or match.group("glevel"))) or ""
        logger = (match and match.group("logger")) or ("gunicorn" if match else "")
        records.append(LogRecord(level, logger, line, at))
    return records


def _refused(record: LogRecord) -> bool:
    """Django's own record of hostile input it answered with a 4xx: its security loggers
    (DisallowedHost, too many fields, a body over the upload limit: always at ERROR and with
    the exception) and django.request's warnings (a body it could not parse: with the
    exception). The request got its 400; the record is not an error of the site."""
    return record.logger.startswith("django.security.") or (
        record.logger == "django.request" and record.level == "WARNING")


def _log_problems(records: list[LogRecord]) -> tuple[list[LogRecord], Counter]:
    """Records with a traceback or at ERROR or CRITICAL; and apart, counted, the refusals."""
    problems, refused = [], Counter()
    for record in records:
        if record.level not in ("ERROR", "CRITICAL") and "Traceback" not in record.text:
            continue
        if _refused(record):
            first = record.text.splitlines()[0]
            message = first.split(record.logger, 1)[-1].strip()
            refused[f"{record.logger}: {message[:70]}"] += 1
            continue
        problems.append(record)
    return problems, refused


def _near(records: list[LogRecord], at: float) -> list[str]:
    """Django's errors (first) and gunicorn's warnings within three seconds of `at`."""
    errors, warnings = [], []
    for record in records:
        if record.at is None or abs(record.at - at) > 3:
            continue
        lines = record.text.splitlines()
        if record.level in ("ERROR", "CRITICAL") and not _refused(record):
            errors.append(f"{lines[0][:160]} ... {lines[-1][:200]}")
        elif record.logger == "gunicorn" and record.level in ("WARNING", "ERROR", "CRITICAL"):
            warnings.append(lines[0][:160])
    return list(dict.fromkeys(errors + warnings))[:3]


# ---------------------------------------------------------------------------------------------
# The run


def run(stack: Stack, *, requests: int, log: Callable[[str], None]) -> list[Check]:
    names = ("fuzzing: requests sent", "fuzzing: server errors (5xx)",
             "fuzzing: tracebacks in the app log", "fuzzing: status mix")
    try:
        return _run(stack, requests=requests, log=log)
    except Exception as exc:  # noqa: BLE001 (the check itself broke: report it)
        return [failed(PART, names[1], "0", exc), failed(PART, names[2], "0", exc)]


def _run(stack: Stack, *, requests: int, log: Callable[[str], None]) -> list[Check]:
    demo = DEMO_SERVICE
    log("fuzz: preparing staff users, codenames and sessions")
    prepared = _prepare(stack, demo, disposable=max(20, requests // 100))
    found, cookie_names = _discover(stack, demo)
    found["staff"] = prepared["staff"]
    staff = prepared["staff"]
    sessions = {
        "verify": [_sign_in(stack, staff["verify"], staff["password"], cookie_names)
                   for _ in range(3)],
        "enrol": [_sign_in(stack, staff["enrol"], staff["password"], cookie_names)
                  for _ in range(2)],
    }
    shared = Shared(stack, prepared, sessions, cookie_names)
    drawer = Drawer(found)

    log_path = stack.dir / "gunicorn.log"
    log_offset = log_path.stat().st_size if log_path.exists() else 0
    work: queue.Queue = queue.Queue(maxsize=THREADS * 8)
    senders = [Sender(shared, work, i) for i in range(THREADS)]
    for sender in senders:
        sender.start()

    produced = 0
    cpu = resource.getrusage(resource.RUSAGE_SELF)
    started = time.monotonic()
    last_note = started

    def put(plan: Plan) -> None:
        nonlocal produced, last_note
        # Every twentieth request goes through nginx (TLS), the rest straight to gunicorn.
        plan.via_nginx = produced % round(1 / NGINX_SHARE) == 7
        work.put(plan)
        produced += 1
        now = time.monotonic()
        if now - last_note >= 15:
            last_note = now
            done = len(shared.outcomes)
            log(f"fuzz: {done}/{requests} requests sent ({done / (now - started):.0f}/s)")

    # Hypothesis draws the requests; its search is not steered by the answers (no failing
    # example to shrink: every answer is recorded and the fuzz goes on), so the generate
    # phase alone runs. Several runs only if one ends before the budget (it should not).
    log(f"fuzz: {requests} requests over {len(drawer.targets)} targets, {THREADS} senders, "
        f"~{NGINX_SHARE:.0%} through nginx")
    rounds = 0
    while produced < requests and rounds < 10:
        rounds += 1

        @settings(max_examples=requests - produced, database=None, deadline=None,
                  suppress_health_check=list(HealthCheck), derandomize=False,
                  phases=[Phase.generate], report_multiple_bugs=False, print_blob=False)
        @given(st.data())
        def example(data):
            put(drawer.draw(data))

        example()
        if any(sender.failure for sender in senders):
            break
    for _ in senders:
        work.put(None)
    for sender in senders:
        sender.join(timeout=TIMEOUT * 3)
    elapsed = time.monotonic() - started
    used = resource.getrusage(resource.RUSAGE_SELF)
    shared.fuzzer_cpu = used.ru_utime + used.ru_stime - cpu.ru_utime - cpu.ru_stime
    sender_failures = [f"{s.name}: {type(s.failure).__name__}: {s.failure}"
                       for s in senders if s.failure]
    time.sleep(1.0)  # the last log lines
    log_text = ""
    if log_path.exists():
        with log_path.open("rb") as handle:
            handle.seek(log_offset)
            log_text = handle.read().decode("utf-8", "replace")

    outcomes = shared.outcomes
    sent = len(outcomes)
    log(f"fuzz: {sent} requests in {elapsed:.0f} s ({sent / max(elapsed, 0.001):.0f}/s)")
    return _checks(shared, outcomes, requests, elapsed, log_text, sender_failures)


def _short(value: str | bytes, limit: int) -> str:
    text = repr(value[:limit])
    return text + (f" (+{len(value) - limit})" if len(value) > limit else "")


def _checks(shared: Shared, outcomes: list[Outcome], requests: int, elapsed: float,
            log_text: str, sender_failures: list[str]) -> list[Check]:
    records = _log_records(log_text)
    sent = len(outcomes)
    per_target = Counter(o.target for o in outcomes)
    via = Counter(o.via for o in outcomes)
    status_mix = Counter(str(o.status) if o.status is not None else "no answer"
                         for o in outcomes)
    per_target_mix: dict[str, Counter] = defaultdict(Counter)
    for o in outcomes:
        per_target_mix[o.target][str(o.status) if o.status is not None else "no answer"] += 1

    sent_details = [f"{target}: {count}" for target, count in sorted(per_target.items())]
    sent_details += [
        f"through gunicorn directly: {via['gunicorn']}, through nginx (TLS): {via['nginx']}",
        f"helper requests (fetching CSRF and one-time tokens): {sum(shared.helper.values())} "
        f"{dict(shared.helper)}",
        f"{elapsed:.0f} s, {sent / max(elapsed, 0.001):.0f} requests/s (the fuzzer itself used "
        f"{shared.fuzzer_cpu:.0f} s of CPU)",
        f"mailbox codenames forgotten (forget_confirmed): {shared.disposables_used}",
    ]
    if shared.client_errors:
        sent_details.append(f"not sent (harness errors): {dict(shared.client_errors)}")
    if sender_failures:
        sent_details += sender_failures

    bad = [o for o in outcomes if o.status is None or o.status >= 500]
    distinct: dict[tuple, list[Outcome]] = defaultdict(list)
    for o in bad:
        distinct[(o.target, o.via, o.method, o.url.split("?")[0], o.status, o.error[:40])].append(o)
    bad_details = []
    for (_target, where, method, _path, status, error), group in list(distinct.items())[:20]:
        o = group[0]
        bad_details.append(
            f"{o.target} via {where}: {method} {_short(o.url, 200)} -> "
            f"{status if status is not None else 'no answer: ' + error} (x{len(group)}); "
            f"body {_short(o.body, 200)}"
            + (f"; answer {_short(o.answer, 150)}" if o.answer else "")
            + f"; at {time.strftime('%H:%M:%S', time.localtime(o.at))}"
            + "".join(f"; log: {line}" for line in _near(records, o.at))
        )
    if len(distinct) > 20:
        bad_details.append(f"... and {len(distinct) - 20} more distinct failing requests")
    bad_details += shared.helper_failures[:5]
    bad_count = len(bad) + len(shared.helper_failures)
    short = sent < requests
    if short:
        bad_details.insert(0, f"only {sent} of {requests} requests were sent")

    problems, refused = _log_problems(records)
    log_details = [_short(p.text, 1500) for p in problems[:10]]
    if len(problems) > 10:
        log_details.append(f"... and {len(problems) - 10} more")
    if refused:
        log_details.append(
            "not counted: Django's records of hostile input it refused with a 400 (its security "
            "loggers at ERROR, django.request at WARNING, with the exception): "
            + "; ".join(f"{k} (x{v})" for k, v in refused.most_common(12)))

    mix_details = [f"{target}: {dict(sorted(mix.items()))}"
                   for target, mix in sorted(per_target_mix.items())]
    return [
        Check(PART, "fuzzing: requests sent", str(sent), f">= {requests}", None, sent_details),
        Check(PART, "fuzzing: server errors (5xx)", str(bad_count), "0",
              bad_count == 0 and not short and not sender_failures, bad_details),
        Check(PART, "fuzzing: tracebacks in the app log", str(len(problems)), "0",
              not problems, log_details),
        Check(PART, "fuzzing: status mix",
              ", ".join(f"{k}: {v}" for k, v in sorted(status_mix.items())), "", None,
              mix_details),
    ]


if __name__ == "__main__":  # a run of its own: python -m proof.fuzz [requests]
    import sys

    from .stack import free_port

    count = int(sys.argv[1]) if len(sys.argv) > 1 else 500

    def say(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    with Stack(ROOT / "var" / "proof-dev-fuzz", log=say, http_port=free_port(),
               https_port=free_port()) as running:
        for check in run(running, requests=count, log=say):
            print(f"{check.verdict:5} {check.name}: {check.figure} (goal {check.goal})")
            for line in check.details:
                print(f"        {line}")
