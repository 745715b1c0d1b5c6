import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connection

from config.settings.base import BASE_DIR


def _import_base_settings(**environment: str) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    env.update(environment)
    return subprocess.run(
        [sys.executable, "-c", "import config.settings.base"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize(
    "secret",
    [None, "short", "django-insecure-" + "a1b2c3d4e5" * 6, "a" * 60],
)
def test_production_start_with_missing_or_weak_secret_fails_loudly(secret):
    # given
    environment = {"DJANGO_DEBUG": "false"}
    if secret is not None:
        environment["DJANGO_SECRET_KEY"] = secret

    # when
    result = _import_base_settings(**environment)

    # then
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is missing or weak" in result.stderr


def test_production_start_with_strong_secret_imports():
    # when
    result = _import_base_settings(DJANGO_DEBUG="false", DJANGO_SECRET_KEY="k3Y-q" * 12)

    # then
    assert result.returncode == 0, result.stderr


def test_short_jwt_signing_key_is_refused():
    # when
    result = _import_base_settings(DJANGO_DEBUG="true", JWT_SIGNING_KEY="too-short")

    # then
    assert result.returncode != 0
    assert "JWT_SIGNING_KEY must be at least 32 bytes" in result.stderr


def test_token_lifetimes_default_to_five_minutes_and_one_day():
    # then
    assert settings.JWT_ACCESS_TOKEN_LIFETIME.total_seconds() == 300
    assert settings.JWT_REFRESH_TOKEN_LIFETIME.total_seconds() == 86400


@pytest.mark.django_db
def test_database_is_the_one_ci_expects():
    # CI sets EXPECTED_DATABASE_VENDOR so the PostgreSQL run can never skip silently.
    expected = os.environ.get("EXPECTED_DATABASE_VENDOR")
    if not expected:
        pytest.skip("EXPECTED_DATABASE_VENDOR is not set")
    assert connection.vendor == expected
