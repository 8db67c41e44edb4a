"""Forms as a browser fills them, and a plain HTTP/1.1 visitor with a cookie jar.

FormParser reads every <form> of a page with its fields (enough of HTML for Django's rendered
forms); form_fill fills the referral form as a person would; codename_in finds the seven-word
codename on a page; Browser is one visitor talking HTTP/1.1 to gunicorn on loopback. Used by the
chaos harness (proof/chaos.py) and the fuzzer (proof/fuzz.py). TLSBrowser is one visitor through
a proof stack's nginx over TLS (the attack checks, proof/attack_*.py).
"""

from __future__ import annotations

import http.client
import re
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from urllib.parse import urlencode

from proof.stack import HOSTNAME, Stack

HOST = "127.0.0.1"


class FormError(Exception):
    """The page has no form to fill."""


class FormParser(HTMLParser):
    """Every <form> with its fields; enough of HTML for Django's rendered forms."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._textarea: str | None = None
        self._select: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = {name: value if value is not None else "" for name, value in attrs}
        if tag == "form":
            self._form = {"action": a.get("action", ""), "method": a.get("method", "get").lower(),
                          "fields": []}
            self.forms.append(self._form)
        if self._form is None:
            return
        if tag == "input" and a.get("name"):
            kind = a.get("type", "text").lower()
            self._form["fields"].append(
                {"tag": "input", "type": kind, "name": a["name"], "value": a.get("value"),
                 "checked": "checked" in a}
            )
        elif tag == "button" and a.get("name"):
            self._form["fields"].append(
                {"tag": "button", "type": a.get("type", "submit").lower(), "name": a["name"],
                 "value": a.get("value", "")}
            )
        elif tag == "textarea" and a.get("name"):
            self._textarea = a["name"]
            self._text = []
        elif tag == "select" and a.get("name"):
            self._select = a["name"]
            self._form["fields"].append({"tag": "select", "name": a["name"], "options": []})
        elif tag == "option" and self._select:
            select = self._form["fields"][-1]
            select["options"].append((a.get("value", ""), "selected" in a))

    def handle_data(self, data):
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "textarea" and self._textarea is not None and self._form is not None:
            self._form["fields"].append(
                {"tag": "textarea", "name": self._textarea, "value": "".join(self._text)}
            )
            self._textarea = None
        elif tag == "select":
            self._select = None
        elif tag == "form":
            self._form = None


def form_fill(html: str, message: str) -> tuple[str, list[tuple[str, str]]]:
    """(action, fields) of the form that has a textarea named message: every hidden input
    copied, every checkbox ticked, the first radio of a group chosen, selects left at their
    selected option, the message written, other texts as they were (empty)."""
    parser = FormParser()
    parser.feed(html)
    for form in parser.forms:
        if any(f["tag"] == "textarea" and f["name"] == "message" for f in form["fields"]):
            break
    else:
        raise FormError("no form with a textarea named 'message' on the page")
    fields: list[tuple[str, str]] = []
    radios_done: set[str] = set()
    for f in form["fields"]:
        name = f["name"]
        if f["tag"] == "textarea":
            fields.append((name, message if name == "message" else f["value"]))
        elif f["tag"] == "select":
            chosen = [value for value, selected in f["options"] if selected]
            if chosen or f["options"]:
                fields.append((name, (chosen or [f["options"][0][0]])[0]))
        elif f["tag"] == "button":
            continue  # a named submit button is added once, below
        elif f["type"] == "checkbox":
            fields.append((name, f["value"] if f["value"] is not None else "on"))
        elif f["type"] == "radio":
            if name not in radios_done:
                radios_done.add(name)
                fields.append((name, f["value"] or "on"))
        elif f["type"] in ("submit", "image", "reset", "file"):
            continue
        else:  # hidden, text, email, ...
            fields.append((name, f["value"] or ""))
    buttons = [f for f in form["fields"] if f["tag"] == "button" and f["type"] == "submit"]
    buttons += [f for f in form["fields"] if f["tag"] == "input" and f["type"] == "submit"]
    if buttons:
        fields.append((buttons[0]["name"], buttons[0]["value"] or ""))
    return form["action"], fields


CODENAME = re.compile(r"\b[a-z]{3,10}(?:-[a-z]{3,10}){6}\b")


def codename_in(html: str) -> str:
    """The seven-word codename shown on the page, if there is one (text or input value)."""
    text = re.sub(r"<[^>]+>", " ", html)
    match = CODENAME.search(text) or CODENAME.search(html)
    return match.group(0) if match else ""


class Browser:
    """One visitor: a cookie jar and plain HTTP/1.1 to gunicorn on loopback."""

    def __init__(self, port: int, timeout: float = 30):
        self.port, self.timeout = port, timeout
        self.cookies: dict[str, str] = {}
        self.origin = f"http://{HOST}:{port}"

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict[str, str] | None = None):
        conn = http.client.HTTPConnection(HOST, self.port, timeout=self.timeout)
        try:
            sent = {"Host": f"{HOST}:{self.port}", "Accept": "text/html",
                    "Accept-Language": "en", **(headers or {})}
            if self.cookies:
                sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            conn.request(method, path, body=body, headers=sent)
            response = conn.getresponse()
            data = response.read()
            for header in response.headers.get_all("Set-Cookie") or []:
                jar = SimpleCookie()
                jar.load(header)
                for name, morsel in jar.items():
                    self.cookies[name] = morsel.value
            return response.status, response.headers, data.decode("utf-8", "replace")
        finally:
            conn.close()


class TLSBrowser:
    """One visitor through a stack's nginx over TLS, "from" `address` (X-Forwarded-For, which
    the proof's nginx trusts from loopback): a cookie jar, and every Set-Cookie header it was
    sent (`set_cookies`, for checks on their attributes)."""

    def __init__(self, stack: Stack, address: str):
        self.stack, self.address = stack, address
        self.cookies: dict[str, str] = {}
        self.set_cookies: list[str] = []

    def request(self, method: str, path: str,
                fields: dict | None = None) -> tuple[int, str, str]:
        """The status, the Location header (or "") and the page."""
        conn = http.client.HTTPSConnection(HOSTNAME, self.stack.https_port, timeout=60,
                                           context=self.stack.ssl_context())
        headers = {"Accept": "text/html", "Accept-Language": "en",
                   "X-Forwarded-For": self.address, "Origin": self.stack.origin,
                   "Referer": self.stack.url(path)}
        body = None
        if fields is not None:
            body = urlencode(fields).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            html = response.read().decode("utf-8", "replace")
            for header in response.headers.get_all("Set-Cookie") or []:
                self.set_cookies.append(header)
                jar = SimpleCookie()
                jar.load(header)
                self.cookies.update({name: morsel.value for name, morsel in jar.items()})
            return response.status, response.headers.get("Location", ""), html
        finally:
            conn.close()
