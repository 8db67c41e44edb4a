"""Debian's chromium, driven by Playwright, with the flags every harness and suite uses.

Never a downloaded browser (no `playwright install`): the executable is Debian's package
(CHROMIUM_PATH, default /usr/bin/chromium), and the flags keep it from reaching beyond loopback
on its own (no background networking, component updates, sync or QUIC). tests/e2e, the
privacy audit, the XSS check and Lighthouse all start it from here.

    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        browser = launch(playwright, stack.trust_args())
"""

from __future__ import annotations

import os
from collections.abc import Sequence

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def launch(playwright, extra_args: Sequence[str] = (), **options):
    """A headless chromium from a started Playwright (sync API), with CHROMIUM_FLAGS and then
    `extra_args` (e.g. trust in a run's certificate)."""
    return playwright.chromium.launch(
        executable_path=CHROMIUM, args=[*CHROMIUM_FLAGS, *extra_args], headless=True, **options
    )
