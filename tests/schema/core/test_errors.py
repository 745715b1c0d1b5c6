import logging

import pytest

from tests.conftest import PASSWORD, error_codes
from tests.schema.accounts.queries import TOKEN_AUTH


def test_syntax_error_says_graphql_parse_failed(api, db):
    # when
    result = api.execute("query { me { username ")

    # then
    assert error_codes(result) == ["GRAPHQL_PARSE_FAILED"]


def test_unknown_field_says_graphql_validation_failed(api, db):
    # when
    result = api.execute("query { noSuchField }")

    # then
    assert error_codes(result) == ["GRAPHQL_VALIDATION_FAILED"]


def test_bad_variable_value_says_bad_user_input(api, db):
    # when
    result = api.execute(TOKEN_AUTH, {"username": 12, "password": None})

    # then
    assert error_codes(result) == ["BAD_USER_INPUT", "BAD_USER_INPUT"]


def test_malformed_json_body_says_bad_request(client, db):
    # when
    response = client.post("/graphql/", "{not json", content_type="application/json")

    # then
    assert response.status_code == 400
    assert error_codes(response.json()) == ["BAD_REQUEST"]


def test_missing_query_says_bad_request(client, db):
    # when
    response = client.post("/graphql/", {}, content_type="application/json")

    # then
    assert response.status_code == 400
    assert error_codes(response.json()) == ["BAD_REQUEST"]


@pytest.fixture
def failing_sign_in(monkeypatch):
    """Make tokenAuth's service raise an unexpected exception carrying internals."""

    def explode(**kwargs):
        raise RuntimeError("database password is hunter2")

    monkeypatch.setattr("schema.accounts.mutations.token_obtain", explode)


def test_unexpected_exception_is_masked_and_logged(api, user, failing_sign_in, caplog):
    # when
    with caplog.at_level(logging.ERROR, logger="schema.errors"):
        result = api.execute(TOKEN_AUTH, {"username": "alice", "password": PASSWORD})

    # then
    assert error_codes(result) == ["INTERNAL_SERVER_ERROR"]
    assert result["errors"][0]["message"] == "Internal server error."
    assert "hunter2" not in str(result)
    assert len(caplog.records) == 1
    assert caplog.records[0].exc_info[0] is RuntimeError
    assert "hunter2" in caplog.text


def test_unexpected_exception_shows_its_message_when_masking_is_off(
    api, user, failing_sign_in, settings, caplog
):
    # given
    settings.GRAPHQL_MASK_INTERNAL_ERRORS = False

    # when
    result = api.execute(TOKEN_AUTH, {"username": "alice", "password": PASSWORD})

    # then
    assert error_codes(result) == ["INTERNAL_SERVER_ERROR"]
    assert "hunter2" in result["errors"][0]["message"]


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        ('mutation { tokenAuth(username: "al\\u0000ice", password: "x") { token } }', None),
        (TOKEN_AUTH, {"username": "al\x00ice", "password": "x"}),
        ("query($s: String) { organization(slug: $s) { id } }", {"s": "a\x00"}),
    ],
)
def test_nul_characters_are_bad_user_input(api, user, query, variables):
    # when
    result = api.execute(query, variables)

    # then
    assert error_codes(result) == ["BAD_USER_INPUT"]
    assert "NUL" in result["errors"][0]["message"]


def test_unused_variable_is_a_validation_error_not_bad_input(api, db):
    # when
    result = api.execute("query($a: Int) { __typename }")

    # then
    assert error_codes(result) == ["GRAPHQL_VALIDATION_FAILED"]


@pytest.mark.parametrize(
    "body",
    [
        "[" * 2000 + "]" * 2000,
        '{"query": "{ __typename }", "variables": ' + '{"a": ' * 1500 + "1" + "}" * 1501,
        '{"query": "query($id: ID!) { node(id: $id) { id } }", "variables": {"id": "\\ud800"}}',
    ],
)
def test_hostile_json_bodies_are_bad_requests(client, db, body):
    # when
    response = client.post("/graphql/", body, content_type="application/json")

    # then
    assert response.status_code == 400
    assert error_codes(response.json()) == ["BAD_REQUEST"]


def test_deep_but_parseable_variables_are_checked_without_recursion(api, db, settings):
    # given: 900 levels, which JSON parses and a recursive walk would not survive
    settings.GRAPHQL_MAX_VARIABLE_VALUES = 10_000
    deep: dict = {"leaf": "x"}
    for _ in range(900):
        deep = {"a": deep}

    # when
    result = api.execute(
        "query($v: Boolean!) { __typename @include(if: $v) }", {"v": True, "w": deep}
    )

    # then
    assert result == {"data": {"__typename": "Query"}}


def test_unpaired_surrogate_in_a_literal_is_refused_by_the_parser(api, db):
    # when
    result = api.execute('mutation { tokenAuth(username: "\\ud800", password: "x") { token } }')

    # then
    assert error_codes(result) == ["GRAPHQL_PARSE_FAILED"]


def test_variables_holding_too_many_values_are_refused(api, db, settings):
    # given: {"a": [[], ... 10 times]} is 13 values (the map, its key, the lists)
    settings.GRAPHQL_MAX_VARIABLE_VALUES = 13

    # when
    at_limit = api.execute("{ __typename }", {"a": [[] for _ in range(10)]})
    over = api.execute("{ __typename }", {"a": [[] for _ in range(11)]})

    # then
    assert at_limit == {"data": {"__typename": "Query"}}
    assert error_codes(over) == ["BAD_USER_INPUT"]
    assert "more than 13 values" in over["errors"][0]["message"]


def test_a_body_over_the_limit_is_refused_before_it_is_parsed(client, db, settings):
    # given
    settings.GRAPHQL_MAX_BODY_BYTES = 1_000
    at_limit = '{"query": "{ __typename }"}'.ljust(1_000)

    # when
    accepted = client.post("/graphql/", at_limit, content_type="application/json")
    refused = client.post("/graphql/", at_limit + " ", content_type="application/json")

    # then
    assert accepted.json() == {"data": {"__typename": "Query"}}
    assert refused.status_code == 413
    assert error_codes(refused.json()) == ["BAD_REQUEST"]
