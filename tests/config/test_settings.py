import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connection

from config.settings.base import BASE_DIR

STRONG_SECRET = "k3Y-q" * 12


def _import_settings_and_print(expression: str, **environment: str) -> subprocess.CompletedProcess:
    env = {
        key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "JWT_"))
    }
    env.update(environment)
    # The command is the test's own text, never outside input.
    return subprocess.run(  # noqa: S603
        [sys.executable, "-c", f"import config.settings.base as s; print({expression})"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def _import_base_settings(**environment: str) -> subprocess.CompletedProcess:
    return _import_settings_and_print("'imported'", **environment)


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
    result = _import_base_settings(DJANGO_DEBUG="false", DJANGO_SECRET_KEY=STRONG_SECRET)

    # then
    assert result.returncode == 0, result.stderr


def test_production_start_with_a_weak_jwt_signing_key_fails_loudly():
    # when
    result = _import_base_settings(
        DJANGO_DEBUG="false", DJANGO_SECRET_KEY=STRONG_SECRET, JWT_SIGNING_KEY="a" * 40
    )

    # then
    assert result.returncode != 0
    assert "ImproperlyConfigured: JWT_SIGNING_KEY is weak" in result.stderr


@pytest.mark.parametrize("algorithm", ["RS256", "ES256"])
def test_production_start_with_asymmetric_algorithm_and_no_key_fails_loudly(algorithm):
    # when
    result = _import_base_settings(
        DJANGO_DEBUG="false", DJANGO_SECRET_KEY=STRONG_SECRET, JWT_ALGORITHM=algorithm
    )

    # then
    assert result.returncode != 0
    assert f"ImproperlyConfigured: {algorithm} needs JWT_PRIVATE_KEY" in result.stderr


def test_production_start_with_rs256_keys_from_the_environment(rsa_key_pair):
    # given: one-line environments carry PEM text with "\\n" escapes
    one_line_private_key = rsa_key_pair.private_pem.replace("\n", "\\n")

    # when
    result = _import_settings_and_print(
        "s.JWT_ALGORITHM, s.JWT_VERIFYING_KEY == s.GRAPHQL_JWT['JWT_PUBLIC_KEY']",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=STRONG_SECRET,
        JWT_ALGORITHM="RS256",
        JWT_PRIVATE_KEY=one_line_private_key,
        JWT_PUBLIC_KEY=rsa_key_pair.public_pem,
    )

    # then
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "RS256 True"


def test_hs256_key_defaults_to_the_django_secret():
    # when
    result = _import_settings_and_print(
        "s.JWT_ALGORITHM, s.JWT_SIGNING_KEY == s.SECRET_KEY == s.JWT_VERIFYING_KEY",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=STRONG_SECRET,
    )

    # then
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "HS256 True"


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
