"""Fixtures for the browser suites: one chromium per session, one context per test.

Every context records each request it makes and aborts any request for a host other than the
live server's, so no test can reach the network and a page that tries is caught ("foreign
requests"). Axe runs through `axe_violations`, which returns violations as readable lines.
"""

import os

# Playwright's sync API runs an event loop in this thread; Django would otherwise refuse the
# test database work (flushing between transactional tests) done from the same thread.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

from collections.abc import Callable, Iterator  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from urllib.parse import urlsplit  # noqa: E402

import pytest  # noqa: E402

from proof.browser import launch  # noqa: E402 (chromium's path and flags, for every harness)

DEFAULT_VIEWPORT = (1280, 800)
# Fail fast: every page is local and small.
TIMEOUT_MS = 15_000


@dataclass
class Visit:
    """A browser context and its page, with what they asked the network for."""

    context: object
    page: object
    base_url: str
    requests: list[str] = field(default_factory=list)
    foreign_requests: list[str] = field(default_factory=list)
    blocked_own: list[str] = field(default_factory=list)
    # Console errors, which include every load the Content Security Policy refused.
    console_errors: list[str] = field(default_factory=list)

    def other_hosts_asked(self) -> list[str]:
        """Every request the page made for another host, including any the CSP refused."""
        own = urlsplit(self.base_url).netloc
        return [url for url in self.requests if urlsplit(url).netloc != own]

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    def goto(self, path: str):
        response = self.page.goto(self.url(path), wait_until="load")
        assert response is not None, f"no response for {path}"
        assert response.status == 200, f"{path} answered {response.status}"
        return response

    def sign_in(self, user) -> None:
        """Sign in as a staff member would: the password form, then the code their
        authenticator app shows now (tests/staff/factories.py)."""
        from django_otp.plugins.otp_totp.models import TOTPDevice

        from tests.staff.factories import PASSWORD, code_for

        page = self.page
        self.goto("/staff/login/")
        page.fill("#id_username", user.username)
        page.fill("#id_password", PASSWORD)
        with page.expect_navigation():
            page.get_by_role("button", name="Log in").click()
        page.get_by_label("Code").fill(code_for(TOTPDevice.objects.get(user=user,
                                                                       confirmed=True)))
        with page.expect_navigation():
            page.get_by_role("button", name="Continue").click()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        browser = launch(playwright)
        try:
            yield browser
        finally:
            browser.close()
    finally:
        playwright.stop()


@pytest.fixture
def new_context(browser, live_server) -> Iterator[Callable[..., Visit]]:
    """A factory: new_context(javascript=True, viewport=(w, h), block_own_scripts=False).

    `block_own_scripts` aborts the site's own /static/js/ files: a stand-in for JavaScript off
    where a tool (axe) itself needs JavaScript to run.
    """
    base = live_server.url.rstrip("/")
    own_netloc = urlsplit(base).netloc
    opened = []

    def factory(
        javascript: bool = True,
        viewport: tuple[int, int] = DEFAULT_VIEWPORT,
        block_own_scripts: bool = False,
    ) -> Visit:
        context = browser.new_context(
            java_script_enabled=javascript,
            viewport={"width": viewport[0], "height": viewport[1]},
            locale="en-GB",
            service_workers="block",
        )
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)
        opened.append(context)
        visit = Visit(context=context, page=None, base_url=base)

        context.on("request", lambda request: visit.requests.append(request.url))

        def guard(route):
            url = route.request.url
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or parts.netloc != own_netloc:
                visit.foreign_requests.append(url)
                route.abort("blockedbyclient")
            elif block_own_scripts and parts.path.startswith("/static/js/"):
                visit.blocked_own.append(url)
                route.abort("blockedbyclient")
            else:
                route.continue_()

        context.route("**/*", guard)
        visit.page = context.new_page()
        visit.page.on(
            "console",
            lambda message: (
                visit.console_errors.append(message.text) if message.type == "error" else None
            ),
        )
        return visit

    yield factory
    for context in opened:
        context.close()


@pytest.fixture(scope="session")
def axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


def describe_violations(violations: list[dict]) -> list[str]:
    """One readable block per violation: id, impact, help, and the selectors it hit."""
    lines = []
    for violation in violations:
        targets = [
            " ".join(str(part) for part in node.get("target", [])) for node in violation["nodes"]
        ]
        lines.append(
            f"{violation['id']} ({violation.get('impact')}): {violation['help']}"
            f" [{violation.get('helpUrl', '')}]"
        )
        for node, target in zip(violation["nodes"], targets, strict=True):
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            lines.append(f"    {target}: {summary}")
    return lines


@pytest.fixture
def axe_violations(axe) -> Callable[[object], list[str]]:
    """axe_violations(page) -> readable violation lines (empty when axe finds none)."""

    def run(page) -> list[str]:
        results = axe.run(page)
        return describe_violations(results.response["violations"])

    return run


# Firefox ESR, driven through Marionette (marionette-driver). Each call of the `firefox` factory
# starts a fresh headless Firefox with its own new profile and the prefs given, so a journey
# can run as a Tor-Browser-like visitor (`javascript.enabled: False`, `svg.disabled: True`).
FIREFOX_BIN = "/usr/bin/firefox-esr"
# Keep Firefox from reaching the network on its own (updates, telemetry, safe browsing, the
# captive-portal and connectivity checks); the pages it opens are all local.
FIREFOX_QUIET_PREFS = {
    "app.update.disabledForTesting": True,
    "browser.safebrowsing.malware.enabled": False,
    "browser.safebrowsing.phishing.enabled": False,
    "browser.safebrowsing.downloads.enabled": False,
    "browser.shell.checkDefaultBrowser": False,
    "datareporting.policy.dataSubmissionEnabled": False,
    "network.captive-portal-service.enabled": False,
    "network.connectivity-service.enabled": False,
    "network.dns.disablePrefetch": True,
    "network.prefetch-next": False,
    "toolkit.telemetry.enabled": False,
    "services.settings.server": "http://127.0.0.1:9/",
}


@dataclass
class FirefoxVisit:
    """A Marionette client of one Firefox ESR, and the live server's address."""

    client: object
    base_url: str

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    def goto(self, path: str) -> None:
        self.client.navigate(self.url(path))

    def wait_for(self, condition: Callable[[], object], timeout: float = TIMEOUT_MS / 1000):
        from marionette_driver import Wait

        return Wait(self.client, timeout=timeout).until(lambda _client: condition())


@pytest.fixture
def firefox(live_server, tmp_path) -> Iterator[Callable[..., FirefoxVisit]]:
    """A factory: firefox(prefs={...}) -> FirefoxVisit, a headless Firefox ESR on the live server.

    Skipped only when /usr/bin/firefox-esr is not installed (.ci/run installs it).
    """
    if not os.path.exists(FIREFOX_BIN):
        pytest.skip(f"{FIREFOX_BIN} is not installed")
    base = live_server.url.rstrip("/")
    started = []

    def factory(prefs: dict | None = None) -> FirefoxVisit:
        visit = start_firefox(base, tmp_path / f"gecko-{len(started)}.log", prefs)
        started.append(visit.client)
        return visit

    yield factory
    for client in started:
        client.cleanup()


def start_firefox(base_url: str, gecko_log, prefs: dict | None = None) -> FirefoxVisit:
    """A headless Firefox ESR with a new profile and `prefs`; the caller calls client.cleanup().

    For a fixture of wider scope than `firefox` (one Firefox for a whole module); check
    FIREFOX_BIN first, as `firefox` does.
    """
    from marionette_driver.marionette import Marionette

    client = Marionette(
        bin=FIREFOX_BIN,
        headless=True,
        port=0,  # a free port, so runs do not collide
        gecko_log=str(gecko_log),
        prefs={**FIREFOX_QUIET_PREFS, **(prefs or {})},
    )
    try:
        client.start_session()
    except Exception:
        client.cleanup()
        raise
    client.timeout.page_load = TIMEOUT_MS / 1000
    client.timeout.implicit = 2
    return FirefoxVisit(client=client, base_url=base_url)
