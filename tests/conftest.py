"""Shared fixtures, and the rule for suites that need real servers.

Suites marked `postgres`, `redis`, `worker` or `browser` skip with a plain reason when their
server is missing, except under HELPPORTAL_REQUIRE_ALL=1 (CI), where a missing one fails.
"""

import os
import uuid
from io import StringIO
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings

from proof.browser import CHROMIUM

REQUIRE_ALL = os.environ.get("HELPPORTAL_REQUIRE_ALL") == "1"


def pytest_configure(config):
    """Under pytest-xdist each worker has a Redis database of its own.

    pytest-django gives each worker its own test database (test_<name>_gw0, ...); the cache
    needs the same, because `cache.clear()` empties a whole Redis database, not one key prefix.
    Settings are read, but the cache not yet opened, when this runs.
    """
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    url = settings.REDIS_URL
    if not (worker.startswith("gw") and url):
        return
    parts = urlsplit(url)
    database = (int(parts.path.strip("/") or 0) + 1 + int(worker[2:])) % 16
    url = urlunsplit(parts._replace(path=f"/{database}"))
    settings.REDIS_URL = settings.STATS_REDIS_URL = os.environ["REDIS_URL"] = url
    settings.CACHES["default"]["LOCATION"] = url


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


# Hashing a password the production way costs about 40 ms each time a persona is made: half
# the unit tests' time. Tests use a fast hasher, except those marked `real_password_hashing`
# (sign-in, lockout, hashing itself) and the suites whose servers run in other processes,
# which must verify what the test process stored with the hasher production uses.
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
OTHER_PROCESS_MARKERS = ("worker", "browser", "real_password_hashing")
FAST_PASSWORD_KEY = {"opslimit": 1, "memlimit": 8192}


@pytest.fixture(autouse=True)
def _fast_password_hashing(request):
    if any(request.node.get_closest_marker(name) for name in OTHER_PROCESS_MARKERS):
        yield
        return
    settings_fixture = request.getfixturevalue("settings")
    settings_fixture.PASSWORD_HASHERS = FAST_HASHERS
    # The same for the Argon2id that wraps staff keys: libsodium's smallest parameters.
    settings_fixture.PASSWORD_KEY_OPSLIMIT = FAST_PASSWORD_KEY["opslimit"]
    settings_fixture.PASSWORD_KEY_MEMLIMIT = FAST_PASSWORD_KEY["memlimit"]
    yield


DEMO_DIRECTORY = Path(__file__).resolve().parents[1] / "directory" / "seed" / "demo-directory.json"
DB_FIXTURES = {"db", "transactional_db", "live_server", "django_db_reset_sequences"}


# The seeded content and directory, as serialized right after seeding: a transactional test
# empties the tables when it ends, and writing these rows back is several times quicker than
# seeding again (which parses, sanitises and keeps revisions).
SEEDED = {}
SEEDED_APPS = ("content", "directory")


def _seeded_rows() -> str:
    from django.apps import apps
    from django.core import serializers

    models = [model for app in SEEDED_APPS for model in apps.get_app_config(app).get_models()]
    models.append(apps.get_model("accounts", "OrganizationKey"))  # the demo organisations'
    objects = [obj for model in models for obj in model._default_manager.order_by("pk")]
    return serializers.serialize("json", objects, use_natural_foreign_keys=True)


def _seed_again() -> None:
    from django.core import serializers
    from django.db import transaction

    if "rows" not in SEEDED:
        from django.core.management import call_command

        from content.seed import seed_content

        seed_content()
        call_command("hsds_import", str(DEMO_DIRECTORY), "--skip-existing", verbosity=0)
        _demo_organization_keys()
        return
    with transaction.atomic():  # foreign keys are checked at commit, so order does not matter
        for obj in serializers.deserialize("json", SEEDED["rows"]):
            obj.save()


def _demo_organization_keys() -> None:
    """Keys for the demo organisations, their recovery keys kept where the factories look
    (tests.referrals.factories.grant_key gives members access with them)."""
    from django.core.management import call_command

    from tests.referrals.factories import ORGANIZATION_RECOVERY

    out = StringIO()
    call_command("organization_key", "--demo", stdout=out)
    for line in out.getvalue().splitlines():
        pk = line.split()[0]  # "<id>  <name>  recovery key: <key>"
        ORGANIZATION_RECOVERY[uuid.UUID(pk)] = line.rpartition("recovery key: ")[2]


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database starts with the seed content and the demo directory, its demo
    organisations with keys, as `dev.py run` sets the site up."""
    from django.core.management import call_command

    with django_db_blocker.unblock():
        call_command("seed_content", verbosity=0)
        call_command("hsds_import", str(DEMO_DIRECTORY), "--skip-existing", verbosity=0)
        _demo_organization_keys()  # as `dev.py run` does
        SEEDED["rows"] = _seeded_rows()


@pytest.fixture(autouse=True)
def _seeded_content_and_a_clean_cache(request):
    """Every database test sees the seed content and no rendering cached by another test.

    Transactional tests (live server, browser) empty the tables when they end; the next one
    loads the seed again.
    """
    uses_db = request.node.get_closest_marker("django_db") or DB_FIXTURES & set(
        request.fixturenames
    )
    if not uses_db:
        yield
        return
    from django.core.cache import cache

    from content.models import Pathway

    request.getfixturevalue("transactional_db" if "live_server" in request.fixturenames
                            or _is_transactional(request) else "db")
    if not Pathway.objects.exists():
        _seed_again()
    cache.clear()
    from content.selectors import forget_local
    from directory.selectors import forget_directory_local

    forget_local()
    forget_directory_local()
    yield


def _is_transactional(request) -> bool:
    marker = request.node.get_closest_marker("django_db")
    return bool(marker and (marker.kwargs.get("transaction") or (marker.args and marker.args[0])))
