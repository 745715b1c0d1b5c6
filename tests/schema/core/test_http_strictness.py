"""The endpoint's HTTP edges: /graphql without the slash, and JSON that repeats a member."""

import json

import pytest

from schema.core.strict_json import RepeatedMemberError, json_loads
from tests.conftest import error_codes

TYPENAME = '{"query": "{ __typename }"}'


def test_graphql_without_the_slash_answers_like_with_it(client, db):
    # when
    post = client.post("/graphql", TYPENAME, content_type="application/json")
    get = client.get(
        "/graphql", {"query": "{ __typename }"}, headers={"Accept": "application/json"}
    )
    with_slash = client.post("/graphql/", TYPENAME, content_type="application/json")

    # then: no redirect, no HTML
    for response in (post, get, with_slash):
        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/json")
        assert response.json() == {"data": {"__typename": "Query"}}


def test_graphql_without_the_slash_gets_cors_headers(client, db, settings):
    # given
    settings.CORS_ALLOWED_ORIGINS = ["https://app.example.com"]

    # when
    preflight = client.options(
        "/graphql",
        headers={
            "Origin": "https://app.example.com",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )

    # then
    assert preflight["Access-Control-Allow-Origin"] == "https://app.example.com"


@pytest.mark.parametrize(
    "body",
    [
        '{"query": "{ __typename }", "query": "mutation { revokeAllTokens { revoked } }"}',
        '{"query": "query($v: Boolean!) { __typename @include(if: $v) }",'
        ' "variables": {"v": true, "v": false}}',
        '{"query": "{ __typename }", "extensions": {"persistedQuery": {"version": 1,'
        ' "version": 1}}}',
        '{"query": "{ __typename }", "variables": {"list": [{"a": 1, "b": {"c": 1, "c": 2}}]}}',
        '{"query": "{ __typename }", "\\u0071uery": "{ me { id } }"}',
        '{"query": "{ __typename }", "variables": {"a": "\\u003a", "a": "x"}}',
    ],
    ids=["query", "variables", "extensions", "nested", "escaped-name", "escaped-colon"],
)
def test_a_repeated_member_is_a_bad_request(client, db, body):
    # when
    response = client.post("/graphql/", body, content_type="application/json")

    # then
    assert response.status_code == 400
    assert error_codes(response.json()) == ["BAD_REQUEST"]
    assert "repeats a member name" in response.json()["errors"][0]["message"]


def test_a_repeated_url_parameter_is_a_bad_request(client, db):
    # when
    response = client.get(
        "/graphql/?query=%7B__typename%7D&query=%7Bme%7Bid%7D%7D",
        headers={"Accept": "application/json"},
    )
    in_variables = client.get(
        "/graphql/",
        {"query": "{ __typename }", "variables": '{"a": 1, "a": 2}'},
        headers={"Accept": "application/json"},
    )

    # then
    assert response.status_code == in_variables.status_code == 400
    assert error_codes(response.json()) == error_codes(in_variables.json()) == ["BAD_REQUEST"]


@pytest.mark.parametrize(
    "text",
    [
        '{"a": "x:y", "b": {"c:": ":", "d": [{"e": 1}, {"e": 1}]}}',
        '{"a": "\\u003a", "b": "\\\\u003a", "c": "\\\\\\u003A"}',
        '{"a" : 1 ,\n "b"\t:\r2}',
        "[" * 600 + '{"a": ":"}' + "]" * 600,
        '"just a string"',
    ],
    ids=[
        "colons-in-strings",
        "escaped-colons",
        "whitespace",
        "deeper-than-orjson-writes",
        "scalar",
    ],
)
def test_json_without_repeats_is_read_as_orjson_reads_it(text):
    # when / then
    assert json_loads(text.encode()) == json.loads(text)


def test_a_repeat_deeper_than_orjson_writes_is_found():
    # when / then
    with pytest.raises(RepeatedMemberError):
        json_loads(("[" * 600 + '{"a": 1, "a": 2}' + "]" * 600).encode())
