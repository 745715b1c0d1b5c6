import json
import logging

import pytest

from config.logging import JsonFormatter
from tests.conftest import PASSWORD
from tests.schema.accounts.queries import TOKEN_AUTH


def test_request_id_is_generated_and_echoed(client):
    # when
    response = client.get("/healthz")

    # then
    assert len(response["X-Request-ID"]) == 32


def test_client_request_id_is_kept(client):
    # when
    response = client.get("/healthz", headers={"X-Request-ID": "edge-42.abc"})

    # then
    assert response["X-Request-ID"] == "edge-42.abc"


@pytest.mark.parametrize("offered", ["has space", "x" * 129, "line\nbreak", ""])
def test_unsafe_request_id_is_replaced(client, offered):
    # when
    response = client.get("/healthz", headers={"X-Request-ID": offered})

    # then
    assert response["X-Request-ID"] != offered
    assert len(response["X-Request-ID"]) == 32


def test_json_formatter_writes_one_line_with_extra_fields():
    # given
    record = logging.LogRecord("graphql.request", logging.INFO, __file__, 1, "hi %s", ("x",), None)
    record.request_id = "abc"
    record.sql_queries = 3

    # when
    line = JsonFormatter().format(record)

    # then
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["message"] == "hi x"
    assert (entry["request_id"], entry["sql_queries"], entry["level"]) == ("abc", 3, "INFO")


@pytest.fixture
def graphql_log_lines(caplog):
    caplog.set_level(logging.INFO, logger="graphql.request")
    return lambda: [r for r in caplog.records if r.name == "graphql.request"]


def test_one_log_line_per_graphql_request_without_secrets(api, user, graphql_log_lines):
    # when
    api.execute(TOKEN_AUTH, {"username": "alice", "password": PASSWORD})
    api.authenticate(user)
    api.client.post(
        "/graphql/",
        {"query": "query Me { me { username } nope: me { username } }"},
        content_type="application/json",
        headers={"Authorization": f"Bearer {api.token}", "X-Request-ID": "req-1"},
    )
    api.token = None
    api.execute("query Anonymous { me { username } }")

    # then
    sign_in, me, anonymous = graphql_log_lines()
    assert (sign_in.operation_type, sign_in.operation_name) == ("mutation", "TokenAuth")
    assert sign_in.error_codes == []
    assert sign_in.sql_queries >= 1
    assert (me.request_id, me.user_id, me.operation_name) == ("req-1", str(user.pk), "Me")
    assert me.status == 200 and me.duration_ms >= 0
    assert (anonymous.user_id, anonymous.error_codes) == (None, ["UNAUTHENTICATED"])
    rendered = [JsonFormatter().format(record) for record in graphql_log_lines()]
    assert not any(PASSWORD in line or "eyJ" in line for line in rendered)


def test_request_errors_are_logged_with_their_code(client, db, graphql_log_lines):
    # when
    client.post("/graphql/", "{not json", content_type="application/json")

    # then
    (line,) = graphql_log_lines()
    assert line.error_codes == ["BAD_REQUEST"]
    assert line.status == 400
