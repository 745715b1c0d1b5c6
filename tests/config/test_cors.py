"""CORS for browser clients: origins from CORS_ALLOWED_ORIGINS, nothing else."""

import json

import pytest

from tests.config.test_settings import STRONG_SECRET, _import_settings_and_print

ALLOWED = "https://app.example.com"


@pytest.fixture(autouse=True)
def allowed_origin(settings):
    settings.CORS_ALLOWED_ORIGINS = [ALLOWED]


def preflight(client, origin: str, path: str = "/graphql/"):
    return client.options(
        path,
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )


def test_preflight_from_an_allowed_origin_succeeds(client, db):
    # when
    response = preflight(client, ALLOWED)

    # then
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == ALLOWED
    allowed_headers = {h.strip() for h in response["Access-Control-Allow-Headers"].split(",")}
    assert {"authorization", "content-type"} <= allowed_headers
    assert "POST" in response["Access-Control-Allow-Methods"]
    # Cookie mode: the listed origin may send credentials, and the CSRF header.
    assert response["Access-Control-Allow-Credentials"] == "true"
    assert "x-csrf-token" in allowed_headers


@pytest.mark.parametrize(
    "origin",
    [
        "https://evil.example.com",
        "http://app.example.com",
        "https://app.example.com.evil.io",
        "null",
    ],
)
def test_preflight_from_any_other_origin_gets_no_cors_headers(client, db, origin):
    # when
    response = preflight(client, origin)

    # then: a browser refuses to send the request, with or without credentials
    assert "Access-Control-Allow-Origin" not in response
    assert "Access-Control-Allow-Headers" not in response
    assert "Access-Control-Allow-Credentials" not in response


def test_actual_request_from_an_allowed_origin_is_readable(client, db):
    # when
    response = client.post(
        "/graphql/",
        {"query": "{ __typename }"},
        content_type="application/json",
        headers={"Origin": ALLOWED},
    )

    # then
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == ALLOWED


def test_the_token_url_of_cookie_mode_has_the_same_cors(client, db):
    # when
    allowed = preflight(client, ALLOWED, path="/graphql/token/")
    other = preflight(client, "https://evil.example.com", path="/graphql/token/")

    # then
    assert allowed["Access-Control-Allow-Origin"] == ALLOWED
    assert allowed["Access-Control-Allow-Credentials"] == "true"
    assert "Access-Control-Allow-Origin" not in other
    assert "Access-Control-Allow-Credentials" not in other


def test_cors_applies_to_graphql_only(client, db):
    # when
    response = preflight(client, ALLOWED, path="/admin/login/")

    # then
    assert "Access-Control-Allow-Origin" not in response


@pytest.mark.parametrize(
    ("debug", "expected"),
    [
        (
            "true",
            [
                f"http://{host}:{port}"
                for host in ("localhost", "127.0.0.1")
                for port in (3000, 5173, 8080)
            ],
        ),
        ("false", []),
    ],
)
def test_the_usual_dev_servers_are_allowed_with_debug_on_only(debug, expected):
    # when: the settings are read as `make run` (debug on) and production (off) read them
    result = _import_settings_and_print(
        "__import__('json').dumps(s.CORS_ALLOWED_ORIGINS)",
        DJANGO_DEBUG=debug,
        DJANGO_SECRET_KEY=STRONG_SECRET,
        DJANGO_ALLOWED_HOSTS="api.example.com",
    )

    # then
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == expected


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("REFRESH_TOKEN_COOKIE_SAMESITE", "strict", "must be Strict, Lax or None"),
        ("JWT_REFRESH_TOKEN_REUSE_INTERVAL", "61", "between 0 and 60"),
        ("JWT_REFRESH_TOKEN_REUSE_INTERVAL", "-1", "between 0 and 60"),
    ],
)
def test_cookie_mode_and_reuse_interval_settings_refuse_bad_values(variable, value, message):
    # when
    result = _import_settings_and_print(
        "1", DJANGO_DEBUG="true", **{variable: value}, CORS_ALLOWED_ORIGINS=""
    )

    # then
    assert result.returncode != 0
    assert message in result.stderr


def test_an_allowed_origin_may_read_retry_after_the_challenge_and_the_request_id(client, db):
    # when: a POST from the allowed origin (no preflight needed to read the answer)
    response = client.post(
        "/graphql/",
        data={"query": "{ __typename }"},
        content_type="application/json",
        headers={"Origin": ALLOWED},
    )

    # then: the browser lets the app read the headers it needs to react to refusals
    assert response["Access-Control-Allow-Origin"] == ALLOWED
    exposed = {h.strip().lower() for h in response["Access-Control-Expose-Headers"].split(",")}
    assert {"retry-after", "www-authenticate", "x-request-id"} <= exposed
