"""Log lines (config/logging.py): one per answered request; Django's 4xx warning only without it."""

import json
import logging

from prometheus_client import REGISTRY

from config.logging import JsonFormatter
from config.metrics import request_observed


def test_a_refused_graphql_request_is_logged_once(client, db, log_lines):
    # when: a body that is not JSON (400 BAD_REQUEST from the endpoint)
    response = client.post("/graphql/", "{not json", content_type="application/json")

    # then: the request line, with the status and code; no django.request line beside it
    assert response.status_code == 400
    lines = log_lines()
    requests = [line for line in lines if line["logger"] == "graphql.request"]
    assert [(line["status"], line["error_codes"]) for line in requests] == [(400, ["BAD_REQUEST"])]
    assert [line for line in lines if line["logger"] == "django.request"] == []


def test_a_4xx_without_a_request_line_keeps_djangos_warning(client, db, log_lines):
    # when: a path off the GraphQL endpoint
    response = client.get("/graphql/no-such-thing/")

    # then
    assert response.status_code == 404
    warnings = [line for line in log_lines() if line["logger"] == "django.request"]
    assert [(line["level"], line["status_code"]) for line in warnings] == [("WARNING", 404)]


def test_the_log_line_is_one_json_object_with_the_extra_fields():
    # given
    record = logging.LogRecord(
        "graphql.request", logging.INFO, __file__, 1, "graphql %s", ("q",), None
    )
    record.error_codes = ["RATE_LIMITED"]
    record.user = object()

    # when
    line = JsonFormatter().format(record)

    # then: one line; what JSON cannot hold is written as text
    assert "\n" not in line
    entry = json.loads(line)
    assert (entry["message"], entry["error_codes"]) == ("graphql q", ["RATE_LIMITED"])
    assert entry["user"].startswith("<object object")


def test_requests_are_not_counted_while_metrics_are_off(settings):
    # given
    settings.METRICS_ENABLED = False
    labels = {"operation_name": "anonymous", "operation_type": "query"}
    before = REGISTRY.get_sample_value("graphql_requests_total", labels) or 0.0

    # when
    request_observed(
        operation_name=None,
        operation_type="query",
        error_codes=["RATE_LIMITED"],
        duration_seconds=0.01,
        sql_queries=0,
    )

    # then
    assert (REGISTRY.get_sample_value("graphql_requests_total", labels) or 0.0) == before
