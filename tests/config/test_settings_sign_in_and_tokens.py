"""Settings of sign-in throttling and token verification, read at start and checked."""

import pytest

from tests.config.test_settings import STRONG_SECRET, _import_settings_and_print

PRODUCTION = {"DJANGO_DEBUG": "false", "DJANGO_SECRET_KEY": STRONG_SECRET}
OLD_SECRET = "0ld-django-secret-" + "Tg5-Yh2_" * 6


def test_defaults():
    # when
    result = _import_settings_and_print(
        "s.TRUSTED_PROXIES, s.SIGN_IN_ATTEMPTS_PER_USERNAME, "
        "s.SIGN_IN_ATTEMPTS_PER_USERNAME_ALL_IPS, s.SIGN_IN_ATTEMPTS_PER_IP, "
        "s.JWT_LEEWAY, s.SECRET_KEY_FALLBACKS",
        **PRODUCTION,
    )

    # then
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[] 10 100 100 5 []"


def test_trusted_proxies_are_read_as_addresses_and_networks():
    # when
    result = _import_settings_and_print(
        "s.TRUSTED_PROXIES", TRUSTED_PROXIES="10.0.0.0/8,127.0.0.1,::1", **PRODUCTION
    )

    # then
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "['10.0.0.0/8', '127.0.0.1', '::1']"


@pytest.mark.parametrize(
    ("environment", "message"),
    [
        ({"TRUSTED_PROXIES": "10.0.0.0/8,proxy.internal"}, "'proxy.internal' is not an IP"),
        ({"TRUSTED_PROXY_COUNT": "1"}, "TRUSTED_PROXY_COUNT is no longer read"),
        (
            {"SIGN_IN_ATTEMPTS_PER_USERNAME": "20", "SIGN_IN_ATTEMPTS_PER_USERNAME_ALL_IPS": "10"},
            "SIGN_IN_ATTEMPTS_PER_USERNAME_ALL_IPS must be at least",
        ),
        ({"SIGN_IN_ATTEMPTS_PER_USERNAME_ALL_IPS": "0"}, "must be positive integers"),
        ({"JWT_LEEWAY": "-1"}, "JWT_LEEWAY must be 0 or more"),
        ({"JWT_LEEWAY": "300"}, "below JWT_ACCESS_TOKEN_LIFETIME"),
        ({"DJANGO_SECRET_KEY_FALLBACKS": "short"}, "DJANGO_SECRET_KEY_FALLBACKS holds a weak"),
    ],
)
def test_a_bad_value_refuses_to_start(environment, message):
    # when
    result = _import_settings_and_print("'imported'", **PRODUCTION, **environment)

    # then
    assert result.returncode != 0
    assert message in result.stderr


def test_trusted_proxy_count_zero_is_harmless():
    # when
    result = _import_settings_and_print("'imported'", TRUSTED_PROXY_COUNT="0", **PRODUCTION)

    # then
    assert result.returncode == 0, result.stderr


def test_secret_key_fallbacks_also_verify_access_tokens_when_they_sign_them():
    # given: JWT_SIGNING_KEY unset, so HS256 signs with DJANGO_SECRET_KEY
    environment = {**PRODUCTION, "DJANGO_SECRET_KEY_FALLBACKS": OLD_SECRET}

    # when
    result = _import_settings_and_print(
        f"s.SECRET_KEY_FALLBACKS == [s.JWT_PREVIOUS_VERIFYING_KEYS[-1]] == [{OLD_SECRET!r}]",
        **environment,
    )
    explicit = _import_settings_and_print(
        "s.JWT_PREVIOUS_VERIFYING_KEYS",
        JWT_SIGNING_KEY="its-own-jwt-key-" + "Rb6_" * 8,
        **environment,
    )

    # then: with its own JWT_SIGNING_KEY, DJANGO_SECRET_KEY's fallbacks are not JWT keys
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"
    assert explicit.returncode == 0, explicit.stderr
    assert explicit.stdout.strip() == "()"
