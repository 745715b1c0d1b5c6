"""CORS for browser clients: origins from CORS_ALLOWED_ORIGINS, nothing else."""

import pytest

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
    assert "Access-Control-Allow-Credentials" not in response


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

    # then: a browser refuses to send the request
    assert "Access-Control-Allow-Origin" not in response
    assert "Access-Control-Allow-Headers" not in response


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


def test_cors_applies_to_graphql_only(client, db):
    # when
    response = preflight(client, ALLOWED, path="/admin/login/")

    # then
    assert "Access-Control-Allow-Origin" not in response
