"""Production (DEBUG off) refuses unsafe configuration, and passes Django's deploy checks."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOOD_KEY = "test-only-5c1f0a9e7b3d2c4f6a8e0b1d3f5a7c9e2b4d6f8a0c"  # only these subprocesses


def manage(*args, **env_overrides):
    # DJANGO_ALLOW_ASYNC_UNSAFE is set for the browser suites' own process; a deployment has it not.
    dropped = ("SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE")
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    env.update({"DEBUG": "0", "SECRET_KEY": GOOD_KEY, "ALLOWED_HOSTS": "help.example.org",
                "REFERRAL_KEYS": "dGVzdC1vbmx5LWZlcm5ldC1rZXktMDEyMzQ1Njc4OTA=",
                "CODENAME_KEY": "test-only-codename-key-0123456789abcdef"})
    env.update(env_overrides)
    env = {k: v for k, v in env.items() if v is not None}
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=120,
    )


def test_production_refuses_the_development_secret_key():
    from helpportal.settings import DEV_SECRET_KEY

    result = manage("check", SECRET_KEY=DEV_SECRET_KEY)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_refuses_a_missing_secret_key():
    result = manage("check", SECRET_KEY=None)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_refuses_an_empty_allowed_hosts():
    result = manage("check", ALLOWED_HOSTS="")
    assert result.returncode != 0
    assert "ALLOWED_HOSTS must name" in result.stderr


def test_production_refuses_to_start_without_the_codename_pepper():
    result = manage("check", CODENAME_KEY=None)
    assert result.returncode != 0
    assert "CODENAME_KEY (at least 32 characters) must be set" in result.stderr


def test_production_starts_without_referral_keys_once_every_referral_is_sealed():
    result = manage("check", REFERRAL_KEYS=None)
    assert result.returncode == 0, result.stderr


def test_a_secret_key_can_come_from_a_file(tmp_path):
    key_file = tmp_path / "secret"
    key_file.write_text(GOOD_KEY + "\n")
    result = manage("check", SECRET_KEY=None, SECRET_KEY_FILE=str(key_file))
    assert result.returncode == 0, result.stderr


def test_a_malformed_boolean_is_refused_loudly():
    result = manage("check", DEBUG="maybe")
    assert result.returncode != 0
    assert "DEBUG must be a boolean" in result.stderr


def test_check_deploy_is_clean_in_production_settings():
    result = manage("check", "--deploy", "--fail-level", "DEBUG")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
