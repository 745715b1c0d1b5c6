"""The database down or too slow: SERVICE_UNAVAILABLE, never a 500 or a traceback.

The outage is simulated where the driver meets the server: every new cursor
fails as psycopg (or sqlite3) does when the server refuses connections, so
Django wraps it exactly as in production. tests/system/test_postgres_restart.py
restarts a real PostgreSQL under load.
"""

import json
import logging
import time
from contextlib import contextmanager

import pytest
from django.db import OperationalError, connection

from tests.conftest import PASSWORD, error_codes
from tests.schema.accounts.queries import ME, TOKEN_AUTH

pytestmark = pytest.mark.django_db(transaction=True)

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
SERVER_DETAIL = 'connection to server at "10.0.0.7", port 5432 failed: Connection refused'


@pytest.fixture
def database_down(monkeypatch):
    """A context manager: inside it, every database statement fails as with a down server."""

    @contextmanager
    def down(kind: str = "OperationalError"):
        error_class = getattr(connection.Database, kind)

        def refuse(*args, **kwargs):
            raise error_class(SERVER_DETAIL)

        with monkeypatch.context() as patch:
            patch.setattr(connection, "create_cursor", refuse)
            yield

    return down


def post(client, query, variables=None, *, token=None, accept=None):
    headers = {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if accept:
        headers["Accept"] = accept
    return client.post(
        "/graphql/",
        json.dumps({"query": query, "variables": variables or {}}),
        content_type="application/json",
        headers=headers,
    )


@pytest.mark.parametrize("kind", ["OperationalError", "InterfaceError"])
@pytest.mark.parametrize("accept", [None, GRAPHQL_RESPONSE_JSON])
def test_signed_in_request_is_503_when_the_token_user_cannot_be_loaded(
    client, api, user, database_down, caplog, kind, accept
):
    # given
    api.authenticate(user)

    # when: authentication, before execution, needs the user's row
    with database_down(kind), caplog.at_level(logging.WARNING, logger="schema.errors"):
        response = post(client, ME, token=api.token, accept=accept)

    # then: refused before it ran, so no data, under both media types
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    body = response.json()
    assert "data" not in body
    assert error_codes(body) == ["SERVICE_UNAVAILABLE"]
    assert "5432" not in response.content.decode()
    assert "Traceback" not in response.content.decode()
    (warning,) = [record for record in caplog.records if record.name == "schema.errors"]
    assert warning.exc_info is None
    assert f"Database unavailable ({kind}) at authentication" in warning.getMessage()


def test_field_that_needs_the_database_is_service_unavailable_with_data(
    client, user, database_down, caplog
):
    # when: tokenAuth runs and reads the user
    with database_down(), caplog.at_level(logging.WARNING, logger="schema.errors"):
        response = post(
            client,
            TOKEN_AUTH,
            {"username": "alice", "password": PASSWORD},
            accept=GRAPHQL_RESPONSE_JSON,
        )

    # then: the document ran; the field failed (the spec wants 200 with data)
    assert response.status_code == 200
    body = response.json()
    assert body["data"] == {"tokenAuth": None}
    assert error_codes(body) == ["SERVICE_UNAVAILABLE"]
    assert body["errors"][0]["message"] == (
        "The service is temporarily unavailable; retry in a few seconds."
    )
    assert "5432" not in response.content.decode()
    assert all(record.exc_info is None for record in caplog.records)
    assert "Database unavailable (OperationalError)" in caplog.text


def test_fields_without_the_database_still_answer(client, database_down):
    # when
    with database_down():
        response = post(client, "{ __typename }")

    # then
    assert response.status_code == 200
    assert response.json() == {"data": {"__typename": "Query"}}


def test_service_unavailable_is_in_the_request_log_line(client, api, user, database_down, caplog):
    # given
    api.authenticate(user)

    # when
    with database_down(), caplog.at_level(logging.INFO, logger="graphql.request"):
        post(client, ME, token=api.token)

    # then
    (line,) = [record for record in caplog.records if record.name == "graphql.request"]
    assert line.status == 503
    assert line.error_codes == ["SERVICE_UNAVAILABLE"]
    assert line.user_id is None


def test_the_api_answers_again_once_the_database_is_back(client, api, user, database_down):
    # given
    api.authenticate(user)
    with database_down():
        assert post(client, ME, token=api.token).status_code == 503

    # when
    response = post(client, ME, token=api.token)

    # then
    assert response.status_code == 200
    assert response.json() == {"data": {"me": {"username": "alice"}}}


def test_a_statement_past_the_timeout_is_service_unavailable(client, api, user, monkeypatch):
    # given: PostgreSQL cancels a statement after statement_timeout (here 100 ms)
    if connection.vendor != "postgresql":
        pytest.skip("statement_timeout is PostgreSQL's; CI's PostgreSQL pass runs this")
    api.authenticate(user)

    def slow_user_lookup(*, user_id):
        with connection.cursor() as cursor:
            cursor.execute("SET statement_timeout = 100")
            try:
                cursor.execute("SELECT pg_sleep(5)")
            finally:
                cursor.execute("RESET statement_timeout")

    monkeypatch.setattr("accounts.authentication.user_get_active", slow_user_lookup)

    # when
    started = time.monotonic()
    response = post(client, ME, token=api.token)
    elapsed = time.monotonic() - started

    # then: cancelled, not hung for the 5 s the statement wanted
    assert response.status_code == 503
    assert error_codes(response.json()) == ["SERVICE_UNAVAILABLE"]
    assert elapsed < 2


def test_the_database_gone_in_the_middle_of_a_plan_is_service_unavailable(
    client, api, user, caplog
):
    # given: a page a compiled plan answers (its document cached), and a database that
    # goes away once the request's user is loaded: at its first organizations query
    api.authenticate(user)
    query = "{ organizations(first: 5) { totalCount edges { node { name } } } }"
    assert "errors" not in api.execute(query)

    def gone(execute, sql, params, many, context):
        if "organization_organization" in sql:
            raise OperationalError(SERVER_DETAIL)
        return execute(sql, params, many, context)

    # when
    with connection.execute_wrapper(gone), caplog.at_level(logging.INFO):
        response = post(client, query, token=api.token)

    # then: graphql-core ran it again and worded it; no plan failure, no traceback
    assert response.status_code == 200
    assert error_codes(response.json()) == ["SERVICE_UNAVAILABLE"]
    assert "A plan failed" not in caplog.text
    assert all(record.exc_info is None for record in caplog.records)
