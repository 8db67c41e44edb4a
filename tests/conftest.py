"""Shared fixtures, and the rule for suites that need real servers.

Suites marked `postgres`, `redis`, `worker` or `browser` skip with a plain reason when their
server is missing, except under HELPPORTAL_REQUIRE_ALL=1 (CI), where a missing one fails.
"""

import os
from pathlib import Path

import pytest
from django.conf import settings

REQUIRE_ALL = os.environ.get("HELPPORTAL_REQUIRE_ALL") == "1"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def _missing() -> dict[str, str]:
    missing = {}
    if not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        missing["postgres"] = "needs PostgreSQL (DATABASE_URL=postgres://...)"
    if not os.environ.get("REDIS_URL"):
        missing["redis"] = "needs Redis (REDIS_URL=redis://...)"
        missing["worker"] = "needs Redis for a real Celery worker (REDIS_URL=redis://...)"
    if not Path(CHROMIUM).exists():
        missing["browser"] = f"needs chromium at {CHROMIUM}"
    return missing


def pytest_collection_modifyitems(config, items):
    missing = _missing()
    needed = {marker for item in items for marker in missing if marker in item.keywords}
    if needed and REQUIRE_ALL:
        reasons = "; ".join(f"{marker}: {missing[marker]}" for marker in sorted(needed))
        raise pytest.UsageError(f"HELPPORTAL_REQUIRE_ALL=1 and a server is missing ({reasons})")
    for item in items:
        for marker, reason in missing.items():
            if marker in item.keywords:
                item.add_marker(pytest.mark.skip(reason=reason))
