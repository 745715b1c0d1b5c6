import json
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
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "JWT_", "CORS_", "REFRESH_TOKEN_"))
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


STRONG_SECRET = "k3Y-q" * 12
POSTURE = (
    "GRAPHIQL_ENABLED",
    "GRAPHQL_INTROSPECTION_ENABLED",
    "GRAPHQL_SUGGESTIONS_ENABLED",
    "GRAPHQL_MASK_INTERNAL_ERRORS",
)


def _posture(**environment: str) -> dict[str, bool]:
    env = {
        key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "GRAPH"))
    }
    env.update(environment)
    code = (
        "import json; from config.settings import base; "
        f"print(json.dumps({{name: getattr(base, name) for name in {POSTURE!r}}}))"
    )
    result = subprocess.run(  # noqa: S603 (the code is built from constants above)
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


def test_production_posture_is_closed_by_default():
    # when
    posture = _posture(DJANGO_DEBUG="false", DJANGO_SECRET_KEY=STRONG_SECRET)

    # then
    assert posture == {
        "GRAPHIQL_ENABLED": False,
        "GRAPHQL_INTROSPECTION_ENABLED": False,
        "GRAPHQL_SUGGESTIONS_ENABLED": False,
        "GRAPHQL_MASK_INTERNAL_ERRORS": True,
    }


def test_development_posture_is_open_by_default():
    # when
    posture = _posture(DJANGO_DEBUG="true")

    # then
    assert posture == {
        "GRAPHIQL_ENABLED": True,
        "GRAPHQL_INTROSPECTION_ENABLED": True,
        "GRAPHQL_SUGGESTIONS_ENABLED": True,
        "GRAPHQL_MASK_INTERNAL_ERRORS": False,
    }


@pytest.mark.parametrize("name", POSTURE)
def test_each_posture_switch_is_an_environment_variable(name):
    # given
    production = _posture(DJANGO_DEBUG="false", DJANGO_SECRET_KEY=STRONG_SECRET)

    # when
    flipped = _posture(
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=STRONG_SECRET,
        **{name: str(not production[name]).lower()},
    )

    # then
    assert flipped == production | {name: not production[name]}


def _check_deploy(**environment: str) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    env.update(
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=STRONG_SECRET,
        DJANGO_ALLOWED_HOSTS="api.example.com",
        DJANGO_SETTINGS_MODULE="config.settings.base",
    )
    env.update(environment)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_check_deploy_is_clean_with_production_settings():
    # when
    result = _check_deploy()

    # then
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_flags_https_switched_off():
    # when
    result = _check_deploy(DJANGO_SECURE_SSL_REDIRECT="false", DJANGO_SECURE_HSTS_SECONDS="0")

    # then
    assert result.returncode != 0
    assert "security.W008" in result.stderr
    assert "security.W004" in result.stderr


def test_previous_signing_keys_come_from_the_environment():
    # given
    old_keys = ["0ld-K3y-" + "w9Rz" * 8, "0ld3r-K3y-" + "p2Lx" * 8]

    # when
    result = _import_settings_and_print(
        "s.JWT_PREVIOUS_VERIFYING_KEYS == tuple(" + repr(old_keys) + ")",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=STRONG_SECRET,
        JWT_PREVIOUS_SIGNING_KEYS=",".join(old_keys),
    )

    # then
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"
