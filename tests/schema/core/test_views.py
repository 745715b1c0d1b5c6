"""The GraphQL-over-HTTP spec, as graphql-http's audit reads it (schema/core/http_request.py)."""

import json

import pytest

from tests.conftest import error_codes
from tests.schema.accounts.queries import ME

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"


def post(client, body, *, accept=None, content_type="application/json"):
    headers = {"Accept": accept} if accept else {}
    data = body if isinstance(body, str) else json.dumps(body)
    return client.post("/graphql/", data, content_type=content_type, headers=headers)


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, "application/json"),
        ("*/*", "application/json"),
        ("application/json", "application/json"),
        (GRAPHQL_RESPONSE_JSON, GRAPHQL_RESPONSE_JSON),
        (f"{GRAPHQL_RESPONSE_JSON}, application/json;q=0.9", GRAPHQL_RESPONSE_JSON),
        (f"application/json, {GRAPHQL_RESPONSE_JSON}", "application/json"),
        (f"application/json;q=0.5, {GRAPHQL_RESPONSE_JSON}", GRAPHQL_RESPONSE_JSON),
        ("application/json, multipart/mixed", "application/json"),
    ],
)
def test_answer_media_type_follows_the_accept_header(client, db, accept, expected):
    # when
    response = post(client, {"query": "{ __typename }"}, accept=accept)

    # then
    assert response.status_code == 200
    assert response["Content-Type"] == f"{expected}; charset=utf-8"
    assert response.json() == {"data": {"__typename": "Query"}}


def test_accept_without_a_json_type_is_406(client, db):
    # when
    response = post(client, {"query": "{ __typename }"}, accept="text/plain")

    # then
    assert response.status_code == 406
    assert error_codes(response.json()) == ["BAD_REQUEST"]


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/graphql", "multipart/form-data"]
)
def test_unsupported_media_type_is_415(client, db, content_type):
    # when
    response = post(client, {"query": "{ __typename }"}, content_type=content_type)

    # then
    assert response.status_code == 415
    assert error_codes(response.json()) == ["BAD_REQUEST"]


def test_post_without_content_type_is_415(client, db):
    # when
    response = client.generic("POST", "/graphql/", '{"query": "{ __typename }"}', content_type="")

    # then
    assert response.status_code == 415
    assert error_codes(response.json()) == ["BAD_REQUEST"]


def test_json_with_utf8_charset_is_accepted(client, db):
    # when
    response = post(
        client,
        {
            "query": "query($n: Boolean!) { __typename @skip(if: $n) }",
            "variables": {"n": "Run🏃Swim🏊"},
        },
        content_type="application/json; charset=utf-8",
    )

    # then: the value was read as UTF-8, and echoed back as UTF-8
    assert response.status_code == 200
    assert error_codes(response.json()) == ["BAD_USER_INPUT"]
    assert "Run🏃Swim🏊" in response.json()["errors"][0]["message"]


@pytest.mark.parametrize("accept", ["application/json", GRAPHQL_RESPONSE_JSON])
def test_malformed_json_is_400_under_both_media_types(client, db, accept):
    # when
    response = post(client, '{ "not a JSON', accept=accept)

    # then
    assert response.status_code == 400
    assert response["Content-Type"].startswith(accept)
    assert error_codes(response.json()) == ["BAD_REQUEST"]


@pytest.mark.parametrize(
    "body",
    [
        {"qeury": "{ __typename }"},
        {"query": {"obj": "ect"}},
        {"query": 0},
        {"query": ["array"]},
        {"query": "{ __typename }", "operationName": 0},
        {"query": "{ __typename }", "variables": "string"},
        {"query": "{ __typename }", "variables": ["array"]},
        {"query": "{ __typename }", "extensions": False},
        "0",
    ],
)
def test_malformed_parameters_are_400(client, db, body):
    # when
    response = post(client, body)

    # then
    assert response.status_code == 400
    assert error_codes(response.json()) == ["BAD_REQUEST"]


def test_null_parameters_are_allowed(client, db):
    # when
    response = post(
        client,
        {"query": "{ __typename }", "variables": None, "operationName": None, "extensions": None},
    )

    # then
    assert response.status_code == 200
    assert response.json() == {"data": {"__typename": "Query"}}


@pytest.mark.parametrize(
    ("query", "variables", "code"),
    [
        ("{", None, "GRAPHQL_PARSE_FAILED"),
        ("{ noSuchField }", None, "GRAPHQL_VALIDATION_FAILED"),
        ("query CoerceFailure($id: ID!) { node(id: $id) { id } }", {"id": None}, "BAD_USER_INPUT"),
        ("query Unused($id: ID) { __typename }", None, "GRAPHQL_VALIDATION_FAILED"),
    ],
)
def test_refused_document_is_200_under_json_and_400_under_graphql_response_json(
    client, db, query, variables, code
):
    # when
    as_json = post(client, {"query": query, "variables": variables}, accept="application/json")
    as_graphql = post(
        client, {"query": query, "variables": variables}, accept=GRAPHQL_RESPONSE_JSON
    )

    # then: the same errors, no data entry, and the status each media type calls for
    assert as_json.status_code == 200
    assert as_graphql.status_code == 400
    for response in (as_json, as_graphql):
        body = response.json()
        assert "data" not in body
        assert error_codes(body) == [code]


def test_unknown_operation_name_is_a_request_error(client, db):
    # when
    response = post(
        client,
        {"query": "query A { __typename }", "operationName": "B"},
        accept=GRAPHQL_RESPONSE_JSON,
    )

    # then
    assert response.status_code == 400
    assert "data" not in response.json()
    assert error_codes(response.json()) == ["GRAPHQL_VALIDATION_FAILED"]


def test_field_error_is_200_with_data_under_graphql_response_json(client, db):
    # when: the document runs; a field fails
    response = post(
        client, {"query": "{ __typename me { username } }"}, accept=GRAPHQL_RESPONSE_JSON
    )

    # then
    assert response.status_code == 200
    body = response.json()
    assert body["data"] == {"__typename": "Query", "me": None}
    assert error_codes(body) == ["UNAUTHENTICATED"]


def test_get_runs_a_query_with_json_variables(client, db, settings):
    # given
    settings.GRAPHQL_INTROSPECTION_ENABLED = True

    # when
    response = client.get(
        "/graphql/",
        {
            "query": "query Type($name: String!) { __type(name: $name) { name } }",
            "variables": json.dumps({"name": "User"}),
        },
        headers={"Accept": GRAPHQL_RESPONSE_JSON},
    )

    # then
    assert response.status_code == 200
    assert response.json() == {"data": {"__type": {"name": "User"}}}


def test_get_with_a_mutation_is_405_and_does_not_run(client, user):
    # when
    response = client.get(
        "/graphql/",
        {"query": 'mutation { tokenAuth(username: "alice", password: "x") { token } }'},
    )

    # then
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert error_codes(response.json()) == ["BAD_REQUEST"]
    user.refresh_from_db()
    assert user.last_login is None


def test_get_with_invalid_variables_json_is_400(client, db):
    # when
    response = client.get("/graphql/", {"query": "{ __typename }", "variables": "{nope"})

    # then
    assert response.status_code == 400
    assert error_codes(response.json()) == ["BAD_REQUEST"]


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_other_methods_are_405(client, db, method):
    # when
    response = getattr(client, method)("/graphql/")

    # then
    assert response.status_code == 405
    assert response["Allow"] == "GET, POST"
    assert error_codes(response.json()) == ["BAD_REQUEST"]


def test_too_large_body_is_413(client, db, settings):
    # given
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000

    # when
    response = post(client, {"query": "{ __typename }", "variables": {"pad": "x" * 2_000}})

    # then
    assert response.status_code == 413
    assert error_codes(response.json()) == ["BAD_REQUEST"]


def test_unexpected_error_outside_execution_is_a_coded_500(client, db, monkeypatch):
    # given
    def explode(*args, **kwargs):
        raise RuntimeError("secret detail")

    monkeypatch.setattr("schema.core.pipeline.document_prepare", explode)

    # when
    response = post(client, {"query": "{ __typename }"})

    # then
    assert response.status_code == 500
    assert error_codes(response.json()) == ["INTERNAL_SERVER_ERROR"]
    assert "secret detail" not in response.content.decode()


def test_bearer_header_still_authenticates(api, user):
    # when
    api.authenticate(user)
    result = api.execute(ME)

    # then
    assert result == {"data": {"me": {"username": "alice"}}}
