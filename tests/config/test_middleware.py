import json
import logging

import pytest

from config.logging import JsonFormatter


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
