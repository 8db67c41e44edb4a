"""XSS: a list of payloads through editor content, referral messages and mailbox replies,
each rendered in chromium; no script may run.

The payloads (56: script tags, self-firing handlers, javascript:/data: URLs, SVG and MathML,
iframe srcdoc, meta refresh, base, attribute and element breakouts, mutation XSS, entity
encodings, Django and client-side template syntax, a Markdown link) are sent in groups that
fit a 200-character field, one referral or pathway step per group. Three routes, through the
running stack (nginx, gunicorn, DEBUG off):

1. Editor content. A pathway of its own (the groups as the titles and bodies of its steps;
   every payload in its intro and summary) and a campaign landing page are saved and
   published through the content models and services (the save sanitises with nh3, as the
   admin's does); a page text of its own is written, saved and published by an editor in the
   real admin, in chromium, after a TOTP sign-in. The visitors' pages (home, pathway, steps,
   landing page), the staff previews and the admin pages that show these texts are opened.
2. Referral messages. Each group is the message and the contact of a referral sent through
   the public form in chromium: first without the acknowledgement (the form comes back with
   the words), then sent; then once more to a closed service (the words are handed back).
   Each is a visitor of its own (X-Forwarded-For, which nginx trusts from loopback), so the
   per-visitor limits are not hit. A clinician of the receiving service signs in with TOTP
   and opens every page of the inbox and every referral.
3. Mailbox replies. The clinician replies with the group through the reply form; the
   visitor opens the mailbox with the codename and reads it.

Every payload calls __xss(<id>) or alert(<id>). The browser contexts expose __xss (in every
frame) and record dialogs, uncaught errors naming the marker, and every Content Security
Policy refusal in the console. After each load every inline event handler that survived is
fired with a synthetic event of its type, and the document is searched for URLs with a
javascript:, vbscript: or data: scheme and for live markup carrying a payload marker.

Each document is also replayed from its bytes in a second browser (a thread of its own) with
the CSP switched off (bypass_csp): a payload that runs only there reached the page as live
markup and was stopped by the CSP alone. Positive controls (raw payloads on a page of the
site's origin without and with the site's CSP, and replayed) must show the detector working,
and every payload must be seen as text where words are shown as written, or the checks fail
as not measured.

What this makes (pathway, page, campaign, organisation and services, referrals, two staff
users) is deleted at the end.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import queue
import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from proof.browser import launch
from proof.checks import Check, failed
from proof.stack import Stack

PART = "security"
NAME_RENDERED = "XSS: payloads rendered"
NAME_RUN = "XSS: scripts run"
NAME_CSP = "XSS: payloads stopped only by CSP"
NAME_LINKS = "XSS: unsafe link schemes"

TIMEOUT_MS = 15_000
FIRST_ID = 101
CONTROL_IDS = (901, 902, 903, 904)
CONTROL_CSP_IDS = (911, 912, 913, 914)
MARKER = re.compile(r"(?:__xss|alert)\((\d{3})\)")
CONTEXT_OPTIONS = {"locale": "en-GB", "service_workers": "block",
                   "viewport": {"width": 1280, "height": 800}}


# ---------------------------------------------------------------------------------------------
# The payloads

# {m} is replaced with __xss(<id>), {a} with alert(<id>), {i} with the bare id. Each payload is
# one line; the first ones come from tests/content/test_sanitizer.py, with the marker in place
# of alert(1).
TEMPLATES = [
    ("script tag", "<script>{m}</script>"),
    ("img onerror", "<img src=x onerror={m}>"),
    ("svg onload", "<svg onload={m}><circle r=1 /></svg>"),
    ("body onload", "<body onload={m}>"),
    ("autofocus onfocus", "<input autofocus onfocus={m}>"),
    ("details ontoggle", "<details open ontoggle={m}><summary>s{i}</summary></details>"),
    ("iframe srcdoc", '<iframe srcdoc="<script>{a}</script>"></iframe>'),
    ("iframe javascript: src", '<iframe src="javascript:{a}"></iframe>'),
    ("a javascript: href", '<a href="javascript:{m}">x{i}</a>'),
    ("a mixed-case scheme", '<a href="JaVaScRiPt:{m}">x{i}</a>'),
    ("a tab in the scheme", '<a href="java&#x09;script:{m}">x{i}</a>'),
    ("a entity-encoded scheme",
     '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;{m}">x{i}</a>'),
    ("a data: href", '<a href="data:text/html;base64,{b64}">{m}</a>'),
    ("a leading-space scheme", '<a href=" &#14; javascript:{m}">x{i}</a>'),
    ("svg script", "<svg><script>{m}</script></svg>"),
    ("svg xlink:href",
     '<svg><a xlink:href="javascript:{m}"><text x="9" y="9">x{i}</text></a></svg>'),
    ("svg animate onbegin", "<svg><animate onbegin={m} attributeName=x dur=1s></svg>"),
    ("mathml mglyph style", "<math><mtext><table><mglyph><style><img src=x onerror={m}>"),
    ("svg style img", "<svg><style><img src=x onerror={m}></style></svg>"),
    ("noscript mutation", '<noscript><p title="</noscript><img src=x onerror={m}>">'),
    ("template style mutation",
     "<select><template><style><img src=x onerror={m}></style></template></select>"),
    ("xmp mutation", '<xmp><p title="</xmp><img src=x onerror={m}>">'),
    ("meta refresh", '<meta http-equiv="refresh" content="0;url=javascript:{m}">'),
    ("object data", '<object data="javascript:{m}"></object>'),
    ("embed src", '<embed src="javascript:{m}">'),
    ("script data: src", '<script src="data:text/javascript,{m}"></script>'),
    ("button formaction", '<form><button formaction="javascript:{m}">x{i}</button></form>'),
    ("form action", '<form action="javascript:{m}"><input type=submit value=x{i}></form>'),
    ("base href", '<base href="javascript:{m}//">'),
    ("attribute breakout, double quote", '"><img src=x onerror={m}>'),
    ("attribute breakout, single quote", "'><img src=x onerror={m}>"),
    ("textarea breakout", "</textarea><script>{m}</script>"),
    ("title breakout", "</title><script>{m}</script>"),
    ("script breakout", "</script><script>{m}</script>"),
    ("comment breakout", "--><script>{m}</script>"),
    ("nested script", "<<script>script>{m}<</script>/script>"),
    ("split script", "<scr<script>ipt>{m}</scr</script>ipt>"),
    ("slash separators", "<img/src=x/onerror={m}>"),
    ("entity-encoded tag", "&lt;script&gt;{m}&lt;/script&gt;"),
    ("numeric-entity tag", "&#60;img src=x onerror={m}&#62;"),
    ("entity-encoded handler", '<img src=x onerror="&#95;&#95;xss&#40;{i}&#41;">{m}'),
    ("onmouseover", '<div onmouseover="{m}">hover {i}</div>'),
    ("onclick on p", '<p onclick="{m}">x{i}</p>'),
    ("link with handlers",
     '<a href="https://ok.example/" onfocus="{m}" onmouseover="{m}" autofocus>ok{i}</a>'),
    ("audio onerror", "<audio src=x onerror={m}>"),
    ("video source onerror", "<video><source onerror={m}></video>"),
    ("marquee onstart", "<marquee onstart={m}>m{i}</marquee>"),
    ("style animation", '<style>@keyframes k{i}{{}}</style><div style="animation-name:k{i}" '
     'onanimationstart="{m}">{i}</div>'),
    ("style url", '<p style="background:url(javascript:{m})">x{i}</p>'),
    ("conditional comment", "<p>a</p><!--[if gte IE 4]><script>{m}</script><![endif]-->"),
    ("django variable", '{{{{ "ssti"|add:"-{i}" }}}} {m}'),
    ("django tag", "{{% filter upper %}}ssti-{i}{{% endfilter %}} {m}"),
    ("client-side template", "{{{{constructor.constructor('{m}')()}}}}"),
    ("markdown link", "[x{i}](javascript:{m})"),
    ("bare javascript: URL", "javascript:{m}"),
    ("unicode line separator", "\u2028</p><svg/onload={m}>"),
]


@dataclass(frozen=True)
class Payload:
    id: int
    name: str
    html: str


def payloads() -> list[Payload]:
    found = []
    for offset, (name, template) in enumerate(TEMPLATES):
        number = FIRST_ID + offset
        data = base64.b64encode(f"<script>alert({number})</script>".encode()).decode()
        html = template.format(m=f"__xss({number})", a=f"alert({number})", i=number, b64=data)
        found.append(Payload(number, name, html))
    return found


def evaluated_markers(payload: Payload) -> list[str]:
    """Text that appears only if a server-side template evaluated the payload."""
    if payload.name == "django variable":
        return [f"ssti-{payload.id}"]
    if payload.name == "django tag":
        return [f"SSTI-{payload.id}"]
    return []


# ---------------------------------------------------------------------------------------------
# What the browser saw

PROBE = r"""(evaluated) => {
  const RE = /(?:__xss|alert)\((\d{3})\)/g;
  const ids = (text) => {
    const out = new Set();
    for (const m of String(text || "").matchAll(RE)) out.add(+m[1]);
    return [...out];
  };
  const decoded = (value) => {
    const m = /^\s*data:([^,]*?)(;base64)?,([\s\S]*)$/i.exec(value || "");
    if (!m) return "";
    try { return m[2] ? atob(m[3]) : decodeURIComponent(m[3]); } catch (e) { return ""; }
  };
  const scheme = (value) => {
    const t = String(value || "").replace(/[\u0000-\u0020]/g, "").toLowerCase();
    const m = /^([a-z][a-z0-9+.\-]*):/.exec(t);
    return m ? m[1] : "";
  };
  const BAD = new Set(["javascript", "vbscript", "data"]);
  const URLISH = new Set(["href", "xlink:href", "src", "action", "formaction", "data", "poster",
                          "background", "codebase", "cite"]);
  const LIVE = new Set(["script", "iframe", "frame", "object", "embed", "base", "style", "applet",
                        "meta", "link"]);
  const short = (el) => el.outerHTML.slice(0, 160);
  const unsafe = [], live = [], fired = [];
  const own = location.origin;
  const all = Array.from(document.querySelectorAll("*"));
  for (const el of all) {
    const name = el.localName;
    const attrs = Array.from(el.attributes);
    const attrText = attrs.map((a) => a.name + "=" + a.value).join(" ");
    const bodyText = (name === "script" || name === "style") ? el.textContent : "";
    let markers = ids(attrText + " " + bodyText);
    for (const a of attrs) {
      const n = a.name.toLowerCase();
      if (URLISH.has(n) || n.endsWith(":href")) {
        const s = scheme(a.value);
        const icon = name === "link" && /icon/i.test(el.getAttribute("rel") || "");
        if (BAD.has(s) && !icon) {
          const found = ids(a.value + " " + decoded(a.value));
          unsafe.push({ids: found, what: `<${name} ${n}="${a.value.slice(0, 80)}">`});
          markers = [...new Set([...markers, ...found])];
        }
      }
      if (name === "meta" && /refresh/i.test(el.getAttribute("http-equiv") || "")) {
        const target = (el.getAttribute("content") || "").split(/url\s*=/i)[1] || "";
        if (BAD.has(scheme(target))) {
          unsafe.push({ids: ids(target), what: short(el)});
        }
      }
    }
    if (!markers.length) continue;
    const handlers = attrs.filter((a) => a.name.toLowerCase().startsWith("on"));
    const ownScript = name === "script" && el.src && el.src.startsWith(own + "/static/");
    if (handlers.length || (LIVE.has(name) && !ownScript)) {
      live.push({ids: markers, what: short(el)});
    }
    for (const h of handlers) {
      try { el.dispatchEvent(new Event(h.name.slice(2).toLowerCase())); fired.push(h.name); }
      catch (e) { /* ignored */ }
    }
  }
  // Text a reader sees (not script or style), and the values of form fields.
  const parts = [];
  const walker = document.createTreeWalker(document.documentElement, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const parent = walker.currentNode.parentElement;
    if (parent && (parent.localName === "script" || parent.localName === "style")) continue;
    parts.push(walker.currentNode.nodeValue);
  }
  for (const el of document.querySelectorAll("input, textarea")) parts.push(el.value);
  const text = parts.join("\n");
  return {
    url: location.href,
    unsafe, live, fired: fired.length,
    shown: ids(text),
    evaluated: (evaluated || []).filter((needle) => text.includes(needle)),
  };
}"""



def confirm_ages(page) -> None:
    """Tick the age question of a service with ages (the demo service's is from 18)."""
    if page.locator("#id_ages").count():
        page.locator("#id_ages").check()


def batches(items: list[Payload], limit: int = 200) -> list[list[Payload]]:
    """Payloads in groups whose text, joined by spaces, fits a field of `limit` characters
    (a step title, a referral's contact): one referral or step per group, not per payload."""
    groups: list[list[Payload]] = [[]]
    for item in items:
        joined = " ".join(p.html for p in [*groups[-1], item])
        if groups[-1] and len(joined) > limit:
            groups.append([])
        groups[-1].append(item)
    return groups


def span(group: list[Payload]) -> str:
    return f"{group[0].id}-{group[-1].id}" if len(group) > 1 else str(group[0].id)


def evaluated_in(group: list[Payload]) -> list[str]:
    return [needle for item in group for needle in evaluated_markers(item)]


@dataclass
class Snapshot:
    route: str
    label: str
    url: str
    status: int
    body: bytes


@dataclass
class Findings:
    runs: list[tuple[str, str, str]] = field(default_factory=list)  # route, label, what
    csp: list[tuple[str, str, str]] = field(default_factory=list)
    live: list[tuple[str, str, str]] = field(default_factory=list)
    unsafe: list[tuple[str, str, str]] = field(default_factory=list)
    evaluated: list[tuple[str, str, str]] = field(default_factory=list)
    left: list[tuple[str, str, str]] = field(default_factory=list)
    errors: list[tuple[str, str, str]] = field(default_factory=list)
    shown: dict[str, set[int]] = field(default_factory=dict)  # "route: page kind" -> ids
    pages: dict[str, int] = field(default_factory=dict)  # route -> pages looked at


class Observer:
    """Watches the pages of its browser contexts and says which payloads did what.

    Events (binding calls, dialogs, console lines, errors) arrive while Playwright waits, so
    each is put down to the route and page named by the last `at()`: every navigation names
    its page first.
    """

    def __init__(self, *, replay: bool = False,
                 on_snapshot: Callable[[Snapshot], None] | None = None):
        self.replay = replay
        self.on_snapshot = on_snapshot
        self.findings = Findings()
        self.route = ""
        self.label = ""
        self.snapshots: list[Snapshot] = []
        self.csp_header = ""
        self.started = time.monotonic()

    def watch(self, context):
        context.expose_binding("__xss", self._binding)
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)
        return context

    def new_page(self, context):
        page = context.new_page()
        page.on("dialog", self._dialog)
        page.on("console", self._console)
        page.on("pageerror", self._page_error)
        return page

    def at(self, route: str, label: str) -> None:
        self.route, self.label = route, label

    # -- events

    def _binding(self, source, value=None) -> None:
        frame = source.get("frame") if isinstance(source, dict) else None
        where = getattr(frame, "url", "")[:80] if frame is not None else ""
        self.findings.runs.append((self.route, self.label, f"__xss({value}) in {where}"))

    def _dialog(self, dialog) -> None:
        self.findings.runs.append((self.route, self.label, f"{dialog.type}({dialog.message})"))
        with contextlib.suppress(Exception):  # a closing page takes its dialog with it
            dialog.dismiss()

    def _console(self, message) -> None:
        text = message.text
        if "Content Security Policy" in text or text.startswith("Refused to"):
            self.findings.csp.append((self.route, self.label, text[:300]))

    def _page_error(self, error) -> None:
        text = str(error)
        if "__xss" in text or "alert" in text:
            self.findings.runs.append((self.route, self.label,
                                       f"an error naming the marker: {text[:200]}"))
        else:
            self.findings.errors.append((self.route, self.label, text[:200]))

    # -- pages

    def go(self, page, url: str, *, route: str, label: str, **kwargs) -> dict:
        self.at(route, label)
        response = page.goto(url, wait_until="load")
        return self.observe(page, response, route=route, label=label, **kwargs)

    def send(self, page, selector: str, *, route: str, label: str, **kwargs) -> dict:
        """Submit a form (click `selector`) and look at the page it leads to."""
        self.at(route, label)
        response = submit(page, selector)
        return self.observe(page, response, route=route, label=label, **kwargs)

    def observe(self, page, response, *, route: str, label: str, evaluated=(),
                expect_status: tuple[int, ...] = (200,), keep: bool = True) -> dict:
        """Look at the page now loaded, after firing the inline handlers that survived."""
        self.at(route, label)
        status = response.status if response is not None else 0
        if status not in expect_status:
            hint = (" (a rate limit: the global hourly referral limit may have been used up by "
                    "an earlier part)" if status == 429 else "")
            raise RuntimeError(f"{route} / {label}: {page.url} answered {status}, not "
                               f"{expect_status}{hint}")
        if response is not None and not self.csp_header:
            self.csp_header = response.headers.get("content-security-policy", "")
        url = page.url
        result = page.evaluate(PROBE, list(evaluated))
        page.wait_for_timeout(30)  # handlers fired just now report through the binding
        page.evaluate("1")
        if page.url != url:
            self.findings.left.append((route, label, f"the page went to {page.url[:120]}"))
        for item in result["unsafe"]:
            self.findings.unsafe.append((route, label, f"{item['what']} ids={item['ids']}"))
        for item in result["live"]:
            self.findings.live.append((route, label, f"{item['what']} ids={item['ids']}"))
        for needle in result["evaluated"]:
            self.findings.evaluated.append((route, label, f"template evaluated: {needle}"))
        kind = f"{route}: {label.split(' [')[0]}"
        self.findings.shown.setdefault(kind, set()).update(result["shown"])
        self.findings.pages[route] = self.findings.pages.get(route, 0) + 1
        if keep and response is not None and not self.replay:
            snapshot = Snapshot(route, label, url, status, response.body())
            self.snapshots.append(snapshot)
            if self.on_snapshot is not None:
                self.on_snapshot(snapshot)
        return result


def submit(page, selector: str):
    """Click a submit button and return the response of the page it leads to."""
    with page.expect_navigation(wait_until="load") as navigation:
        page.locator(selector).first.click()
    return navigation.value


# ---------------------------------------------------------------------------------------------
# Signing in (the content is set up and removed by proof/inapp/xss_content.py)

def totp_code(user: dict) -> str:
    """The code the user's authenticator app shows now (django-otp's own TOTP)."""
    from django_otp.oath import totp

    value = totp(bytes.fromhex(user["key"]), user["step"], user["t0"], user["digits"],
                 user["drift"])
    return str(value).zfill(user["digits"])


def sign_in(observer: Observer, page, stack: Stack, user: dict, password: str) -> None:
    observer.at("sign-in", user["username"])
    page.goto(stack.url("/staff/login/"), wait_until="load")
    page.fill("#id_username", user["username"])
    page.fill("#id_password", password)
    submit(page, "#login-form [type=submit]")
    if "/staff/verify/" not in page.url:
        raise RuntimeError(f"the password step of {user['username']} led to {page.url} "
                           "(on ports other than 443, CSRF_TRUSTED_ORIGINS must name the "
                           "origin with its port)")
    page.fill("#id_code", totp_code(user))
    submit(page, "#login-form [type=submit]")
    if "/staff/verify/" in page.url or "/staff/login/" in page.url:
        raise RuntimeError(f"the TOTP step of {user['username']} did not go through")


# ---------------------------------------------------------------------------------------------
# The routes


def route_editor(stack: Stack, observer: Observer, visitor, editor, setup: dict,
                 groups: list[list[Payload]], editor_user: dict, password: str,
                 log: Callable[[str], None]) -> None:
    route = "editor"
    items = [item for group in groups for item in group]
    everything = "\n".join(item.html for item in items)
    evaluated = evaluated_in(items)

    # An editor writes a page text in the admin, saves it and publishes it there.
    sign_in(observer, editor, stack, editor_user, password)
    pk = setup["page_text"]
    pathway_text, first_step = setup["pathway_text"], setup["steps"][0]["pk"]
    observer.at(route, "admin: page text")
    editor.goto(stack.url(f"/staff/admin/content/pagetext/{pk}/change/"), wait_until="load")
    editor.fill("#id_title", " ".join(item.html for item in groups[0]))
    editor.fill("#id_summary", everything)
    # The body's box is the rich text editor's hidden textarea (content/forms.py): a hostile
    # editor posts what they like, so the payloads go into the form's field as they are,
    # past the editor, for the sanitiser to meet.
    editor.locator("#id_body").evaluate("(box, html) => { box.value = html; }", everything)
    observer.send(editor, "input[name=_continue]", route=route, label="admin: page text saved",
                  evaluated=evaluated)
    observer.at(route, "admin: page texts")
    editor.goto(stack.url(f"/staff/admin/content/pagetext/?q={setup['campaign']}"),
                wait_until="load")
    editor.locator(f"input[name=_selected_action][value='{pk}']").check()
    editor.select_option("select[name=action]", "publish")
    observer.send(editor, "button[name=index]", route=route, label="admin: page texts published")
    observer.go(editor, stack.url(f"/staff/admin/content/pagetext/{pk}/change/"), route=route,
                label="admin: page text published", evaluated=evaluated)
    revision = editor.evaluate(
        "() => { const a = [...document.querySelectorAll('a')].find("
        "(a) => /\\/content\\/revision\\/\\d+\\/change\\//.test(a.getAttribute('href') || ''));"
        " return a ? a.getAttribute('href') : ''; }"
    )
    staff_pages = [
        ("preview: page", f"/staff/preview/page/{pk}/"),
        ("preview: pathway", f"/staff/preview/pathway/{pathway_text}/"),
        ("preview: step", f"/staff/preview/step/{first_step}/"),
        ("admin: pathway text", f"/staff/admin/content/pathwaytext/{pathway_text}/change/"),
        ("admin: step texts", "/staff/admin/content/steptext/?q=group"),
        ("admin: step text", f"/staff/admin/content/steptext/{first_step}/change/"),
        ("admin: revisions", "/staff/admin/content/revision/"),
        ("admin: campaigns", f"/staff/admin/content/campaign/?q={setup['campaign']}"),
        ("admin: campaign", f"/staff/admin/content/campaign/{setup['campaign_pk']}/change/"),
    ]
    if revision:
        staff_pages.append(("admin: revision of the page text", revision))
    for label, path in staff_pages:
        observer.go(editor, stack.url(path), route=route, label=label, evaluated=evaluated)

    # Visitors: the home page (title and summary), the pathway, each step, the campaign.
    key = setup["pathway"]
    # The home page carries a query the site ignores: nginx may hold the plain address for a
    # minute, as it does for every visitor.
    pages = [("home", f"/en/?proof={setup['campaign']}"), ("pathway", f"/en/pathways/{key}/"),
             ("campaign landing page", f"/en/go/{setup['campaign']}/")]
    pages += [(f"step [{span(group)}]", f"/en/pathways/{key}/{step['number']}/")
              for group, step in zip(groups, setup["steps"], strict=True)]
    for label, path in pages:
        observer.go(visitor, stack.url(path), route=route, label=label, evaluated=evaluated)
    log(f"xss: editor content on {observer.findings.pages.get(route, 0)} pages "
        f"({time.monotonic() - observer.started:.0f} s)")


def route_referrals(stack: Stack, observer: Observer, visitor_context, visitor, clinician,
                    setup: dict, groups: list[list[Payload]], clinician_user: dict,
                    password: str, log: Callable[[str], None]) -> tuple[dict, dict]:
    """Send each group of payloads as a referral. Returns the codename and the clinician's
    address of each referral, by group (its span of payload ids)."""
    route = "referral"
    form = stack.url(f"/en/find-help/{setup['open_service']}/refer/")
    closed = f"/en/find-help/{setup['closed_service']}/refer/"
    codenames: dict[str, str] = {}
    network = secrets.randbelow(200) + 20
    for index, group in enumerate(groups):
        ids = span(group)
        # A visitor of their own (nginx takes the address from X-Forwarded-For on loopback).
        visitor_context.set_extra_http_headers({"X-Forwarded-For": f"198.18.{network}.{index + 1}"})
        message = f"Proof payloads [{ids}]:\n" + "\n".join(item.html for item in group)
        contact = " ".join(item.html for item in group)
        observer.at(route, f"form [{ids}]")
        visitor.goto(form, wait_until="load")
        visitor.fill("#id_message", message)
        visitor.fill("#id_contact", contact)
        observer.send(visitor, "main form button[type=submit]", route=route,
                      label=f"form shown again [{ids}]", evaluated=evaluated_in(group),
                      expect_status=(400,))
        visitor.locator("#id_acknowledge").check()
        confirm_ages(visitor)
        observer.send(visitor, "main form button[type=submit]", route=route,
                      label=f"codename page [{ids}]", keep=False)
        codenames[ids] = visitor.locator("#codename").inner_text().strip()

        # The same words to a service that takes none now: handed back, not sent.
        observer.at(route, f"form [{ids}]")
        visitor.goto(form, wait_until="load")
        visitor.fill("#id_message", message)
        visitor.fill("#id_contact", contact)
        visitor.locator("#id_acknowledge").check()
        confirm_ages(visitor)
        visitor.evaluate("(action) => { document.querySelector('main form').action = action; }",
                         closed)
        observer.send(visitor, "main form button[type=submit]", route=route,
                      label=f"closed service hands the words back [{ids}]",
                      evaluated=evaluated_in(group), expect_status=(409,))
    log(f"xss: {len(groups)} referrals sent ({time.monotonic() - observer.started:.0f} s)")

    # The clinician: every page of the inbox, then each referral.
    sign_in(observer, clinician, stack, clinician_user, password)
    next_url = stack.url(f"/staff/portal/organisations/{setup['organization']}/referrals/")
    links: list[str] = []
    while next_url:
        observer.go(clinician, next_url, route=route, label="inbox")
        links += clinician.eval_on_selector_all(
            "a[href*='/staff/portal/referrals/']", "(els) => els.map((a) => a.href)"
        )
        older = clinician.locator("a", has_text="Older")
        next_url = older.first.evaluate("(a) => a.href") if older.count() else ""
    if len(set(links)) != len(groups):
        raise RuntimeError(f"the inbox lists {len(set(links))} referrals, not {len(groups)}")
    by_group: dict[str, str] = {}
    for link in sorted(set(links)):
        observer.at(route, "clinician's referral")
        response = clinician.goto(link, wait_until="load")
        found = re.search(r"Proof payloads \[([\d-]+)\]",
                          clinician.locator(".referral-message").inner_text())
        ids = found.group(1) if found else "?"
        by_group[ids] = link
        group = next((g for g in groups if span(g) == ids), [])
        observer.observe(clinician, response, route=route,
                         label=f"clinician's referral [{ids}]", evaluated=evaluated_in(group))
    return codenames, by_group


def route_mailbox(stack: Stack, observer: Observer, visitor_context, visitor, clinician,
                  groups: list[list[Payload]], codenames: dict[str, str],
                  referral_links: dict[str, str], log: Callable[[str], None]) -> None:
    route = "mailbox"
    network = secrets.randbelow(200) + 20
    for index, group in enumerate(groups):
        ids = span(group)
        observer.at(route, f"clinician's referral [{ids}]")
        clinician.goto(referral_links[ids], wait_until="load")
        clinician.fill("#id_body", f"Reply [{ids}]:\n" + "\n".join(item.html for item in group))
        observer.send(clinician, "form:has(#id_body) button[type=submit]", route=route,
                      label=f"clinician's thread with the reply [{ids}]",
                      evaluated=evaluated_in(group))

        visitor_context.set_extra_http_headers({"X-Forwarded-For": f"198.19.{network}.{index + 1}"})
        observer.at(route, f"mailbox [{ids}]")
        visitor.goto(stack.url("/en/mailbox/"), wait_until="load")
        visitor.fill("#id_codename", codenames[ids])
        observer.send(visitor, "main form button[type=submit]", route=route,
                      label=f"visitor's mailbox [{ids}]", evaluated=evaluated_in(group))
    log(f"xss: {len(groups)} replies read in the mailbox "
        f"({time.monotonic() - observer.started:.0f} s)")


# ---------------------------------------------------------------------------------------------
# Positive controls and the replay without CSP

CONTROL_HTML = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Proof control</title></head><body><main>
<script>__xss({0})</script>
<img src="/static/proof-xss-control-missing.png" onerror="__xss({1})">
<div onmouseover="__xss({2})">hover</div>
<script>alert({3})</script>
<a href="javascript:__xss({0})">unsafe</a>
</main></body></html>"""


def _ran(entries) -> set[int]:
    return {int(m) for _, _, what in entries for m in re.findall(r"\((\d{3})\)", what)}


def _fulfil_with(body: str, headers: dict[str, str], status: int = 200):
    def fulfil(route):
        route.fulfill(status=status, body=body,
                      headers={"content-type": "text/html; charset=utf-8", **headers})

    return fulfil


def controls(stack: Stack, observer: Observer, page) -> list[str]:
    """Raw payloads on a page of the site's origin (served by the browser itself): the
    detector must see them run without a CSP, and see the site's CSP refuse them. Returns the
    problems (none when the detector works)."""
    problems = []
    if not observer.csp_header:
        problems.append("no Content-Security-Policy header was seen on the site's pages")
    plain_url = stack.url("/proof-xss-control/plain/")
    csp_url = stack.url("/proof-xss-control/csp/")
    guarded = CONTROL_HTML.format(*CONTROL_CSP_IDS)
    page.route(lambda url: url == plain_url,
               _fulfil_with(CONTROL_HTML.format(*CONTROL_IDS), {}), times=1)
    page.route(lambda url: url == csp_url,
               _fulfil_with(guarded, {"content-security-policy": observer.csp_header}), times=1)

    before = len(observer.findings.runs)
    result = observer.go(page, plain_url, route="control", label="raw payloads, no CSP",
                         keep=False)
    missing = sorted(set(CONTROL_IDS) - _ran(observer.findings.runs[before:]))
    if missing:
        problems.append(f"control without a CSP: payloads {missing} ran but were not seen")
    if not any(CONTROL_IDS[0] in item["ids"] for item in result["unsafe"]):
        problems.append("control without a CSP: its javascript: link was not counted")
    if not any(CONTROL_IDS[1] in item["ids"] for item in result["live"]):
        problems.append("control without a CSP: its onerror handler was not seen as live markup")

    runs, refusals = len(observer.findings.runs), len(observer.findings.csp)
    observer.go(page, csp_url, route="control", label="raw payloads, the site's CSP", keep=False)
    page.wait_for_timeout(100)
    page.evaluate("1")
    if len(observer.findings.runs) != runs:
        problems.append("control with the site's CSP: a payload ran despite the CSP: "
                        f"{observer.findings.runs[runs:]}")
    if len(observer.findings.csp) == refusals:
        problems.append("control with the site's CSP: no CSP refusal was seen")
    return problems


class Replayer(threading.Thread):
    """Loads each document again from its saved bytes, with the CSP switched off, in a browser
    of its own in this thread, while the routes go on (documents arrive through `queue`)."""

    def __init__(self, stack: Stack):
        super().__init__(name="xss-replay", daemon=True)
        self.stack = stack
        self.queue: queue.Queue[Snapshot | None] = queue.Queue()
        self.observer = Observer(replay=True)
        self.problems: list[str] = []
        self.error: BaseException | None = None
        self.replayed = 0

    def run(self) -> None:
        from playwright.sync_api import sync_playwright

        try:
            with sync_playwright() as playwright:
                browser = launch(playwright, self.stack.trust_args())
                try:
                    context = self.observer.watch(
                        browser.new_context(bypass_csp=True, **CONTEXT_OPTIONS)
                    )
                    page = self.observer.new_page(context)
                    self._control(page)
                    seen: set[str] = set()
                    while (snapshot := self.queue.get()) is not None:
                        digest = hashlib.sha256(snapshot.body).hexdigest()
                        if digest not in seen:
                            seen.add(digest)
                            self._one(page, snapshot)
                finally:
                    browser.close()
        except BaseException as exc:  # noqa: BLE001 (handed to the main thread)
            self.error = exc

    def _control(self, page) -> None:
        url = self.stack.url("/proof-xss-control/replay/")
        page.route(lambda address: address == url,
                   _fulfil_with(CONTROL_HTML.format(*CONTROL_CSP_IDS),
                                {"content-security-policy": "default-src 'none'"}),
                   times=1)
        findings = self.observer.findings
        before = len(findings.runs)
        self.observer.go(page, url, route="control", label="control replayed, CSP bypassed")
        missing = sorted(set(CONTROL_CSP_IDS) - _ran(findings.runs[before:]))
        if missing:
            self.problems.append(f"replay control: payloads {missing} did not run with the CSP "
                                 "off")

    def _one(self, page, snapshot: Snapshot) -> None:
        target = snapshot.url
        page.route(lambda address: address == target,
                   _fulfil_with(snapshot.body, {}, snapshot.status), times=1)
        self.observer.go(page, target, route=snapshot.route, label=snapshot.label,
                         expect_status=(snapshot.status,))
        self.replayed += 1

    def finish(self, timeout: float = 180) -> None:
        self.queue.put(None)
        self.join(timeout)
        if self.is_alive():
            raise RuntimeError("the replay without CSP did not finish in time")
        if self.error is not None:
            raise RuntimeError(f"the replay without CSP failed: {self.error!r}") from self.error


# ---------------------------------------------------------------------------------------------
# The checks


def _lines(entries, limit: int = 40) -> list[str]:
    out = [f"{route} / {label}: {what}" for route, label, what in entries[:limit]]
    if len(entries) > limit:
        out.append(f"... and {len(entries) - limit} more")
    return out


def _distinct(entries) -> int:
    """Payloads (by route) named in the entries. An entry that names none (a CSP line) counts
    once for its page, unless other entries of that page name the payloads."""
    named: dict[tuple[str, str], set[int]] = {}
    for route, label, what in entries:
        named.setdefault((route, label), set()).update(int(m) for m in MARKER.findall(what))
    keys: set = set()
    for (route, label), numbers in named.items():
        keys.update({(route, number) for number in numbers} or {(route, label)})
    return len(keys)


def run(stack: Stack, *, log: Callable[[str], None]) -> list[Check]:
    names = (NAME_RENDERED, NAME_RUN, NAME_CSP, NAME_LINKS)
    goals = ("info", "0", "0", "0")
    started = time.monotonic()
    tag = secrets.token_hex(4)
    password = secrets.token_urlsafe(24)
    items = payloads()
    groups = batches(items)
    try:
        log(f"xss: {len(items)} payloads in {len(groups)} groups; setting up content, two "
            "services and two staff users")
        setup = stack.inapp("xss_content", "setup", {
            "groups": [[item.html for item in group] for group in groups], "tag": tag,
            "password": password})
    except Exception as exc:  # noqa: BLE001
        return [failed(PART, name, goal, exc) for name, goal in zip(names, goals, strict=True)]
    try:
        return _run(stack, log, setup, groups, password, started)
    except Exception as exc:  # noqa: BLE001
        return [failed(PART, name, goal, exc) for name, goal in zip(names, goals, strict=True)]
    finally:
        try:
            removed = stack.inapp("xss_content", "teardown", {"tag": tag})
            log(f"xss: removed what it made (rows, with cascades): {removed}")
        except Exception as exc:  # noqa: BLE001
            log(f"xss: could not remove what it made: {exc}")


def _run(stack: Stack, log, setup: dict, groups: list[list[Payload]], password: str,
         started: float) -> list[Check]:
    from playwright.sync_api import sync_playwright

    items = [item for group in groups for item in group]
    replayer = Replayer(stack)
    replayer.start()
    real = Observer(on_snapshot=replayer.queue.put)
    try:
        with sync_playwright() as playwright:
            browser = launch(playwright, stack.trust_args())
            try:
                visitor_context = real.watch(browser.new_context(**CONTEXT_OPTIONS))
                editor_context = real.watch(browser.new_context(**CONTEXT_OPTIONS))
                clinician_context = real.watch(browser.new_context(**CONTEXT_OPTIONS))
                visitor = real.new_page(visitor_context)
                editor = real.new_page(editor_context)
                clinician = real.new_page(clinician_context)

                route_editor(stack, real, visitor, editor, setup, groups,
                             setup["users"]["editor"], password, log)
                codenames, links = route_referrals(
                    stack, real, visitor_context, visitor, clinician, setup, groups,
                    setup["users"]["clinician"], password, log,
                )
                route_mailbox(stack, real, visitor_context, visitor, clinician, groups,
                              codenames, links, log)
                visitor_context.set_extra_http_headers({})
                problems = controls(stack, real, real.new_page(visitor_context))
            finally:
                browser.close()
    except BaseException:
        replayer.queue.put(None)  # the replay stops after what it has; the error goes on
        replayer.join(30)
        raise
    log(f"xss: waiting for the replay without CSP ({replayer.replayed} of "
        f"{len(real.snapshots)} documents done)")
    replayer.finish()
    return _checks(real.findings, replayer.observer.findings, items,
                   problems + replayer.problems, time.monotonic() - started)


COVERAGE = (
    "editor: admin: page text saved", "editor: admin: pathway text", "editor: pathway",
    "editor: home", "editor: step", "referral: form shown again",
    "referral: closed service hands the words back", "referral: clinician's referral",
    "mailbox: clinician's thread with the reply", "mailbox: visitor's mailbox",
)


def _checks(real: Findings, replayed: Findings, items: list[Payload], problems: list[str],
            seconds: float) -> list[Check]:
    def outside_controls(entries):
        return [entry for entry in entries if entry[0] != "control"]

    # Every payload must have reached, as text, the pages that show words as they were written.
    wanted = {item.id for item in items}
    coverage = [
        f"{kind}: payloads {sorted(wanted - real.shown.get(kind, set()))} were not shown"
        for kind in COVERAGE if wanted - real.shown.get(kind, set())
    ]
    runs = outside_controls(real.runs) + outside_controls(real.evaluated)
    csp_only = (outside_controls(real.csp) + outside_controls(real.live)
                + [(route, label, f"ran with the CSP off: {what}")
                   for route, label, what in outside_controls(replayed.runs)])
    unsafe = outside_controls(real.unsafe) + outside_controls(real.left)

    pages = {route: count for route, count in real.pages.items() if route != "control"}
    replayed_pages = sum(count for route, count in replayed.pages.items() if route != "control")
    rendered = Check(
        PART, NAME_RENDERED,
        f"{len(items)} payloads, 3 routes, {sum(pages.values())} pages "
        f"(+{replayed_pages} replayed with the CSP off)", "info", None,
        [f"{route}: {count} pages" for route, count in sorted(pages.items())]
        + [f"{kind}: {len(ids & wanted)} of {len(items)} payloads shown as text"
           for kind, ids in sorted(real.shown.items()) if not kind.startswith("control")]
        + [f"script errors on the pages (not from payloads): {len(real.errors)}"]
        + _lines(real.errors, 5) + [f"{seconds:.0f} s"],
    )
    trouble = problems + coverage
    if trouble:
        reason = ["The detector or the coverage failed, so nothing is proven:", *trouble]
        return [
            rendered,
            Check(PART, NAME_RUN, "not measured", "0", False, reason + _lines(runs)),
            Check(PART, NAME_CSP, "not measured", "0", False, reason + _lines(csp_only)),
            Check(PART, NAME_LINKS, "not measured", "0", False, reason + _lines(unsafe)),
        ]
    note = ("positive controls passed: raw payloads on a page of the site's origin ran and were "
            "seen; under the site's CSP they were refused and the refusal seen; replayed with "
            "the CSP off they ran and were seen")
    return [
        rendered,
        Check(PART, NAME_RUN, str(_distinct(runs)), "0", not runs,
              _lines(runs) + ["counted: __xss() calls from any frame, dialogs, errors naming "
                              "the marker, Django template syntax that was evaluated", note]),
        Check(PART, NAME_CSP, str(_distinct(csp_only)), "0", not csp_only,
              _lines(csp_only) + ["counted: CSP refusals in the console, live markup (inline "
                                  "handlers, script, iframe, object, embed, base, style, meta, "
                                  "link) carrying a payload marker, and payloads that ran when "
                                  "the same bytes were replayed with the CSP switched off"]),
        Check(PART, NAME_LINKS, str(_distinct(unsafe)), "0", not unsafe,
              _lines(unsafe) + ["counted: href, src, action, formaction, data, xlink:href with "
                                "a javascript:, vbscript: or data: scheme; meta refresh to "
                                "one; a page that navigated away by itself"]),
    ]


if __name__ == "__main__":
    import sys
    from pathlib import Path

    from proof.stack import free_port

    workdir = Path(sys.argv[1] if len(sys.argv) > 1 else "var/proof-dev-xss").resolve()
    port = free_port()
    # On a port other than 443 the Origin of a form names the port; Django must trust it.
    with Stack(workdir, http_port=free_port(), https_port=port,
               extra_env={"CSRF_TRUSTED_ORIGINS": f"https://localhost:{port}"}) as running:
        for check in run(running, log=print):
            print(json.dumps(check.as_dict(), indent=1, ensure_ascii=False))
