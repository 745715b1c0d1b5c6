"""Prometheus metrics (config/metrics.py): what /metrics counts, who may read it, the name bound."""

import os
from types import SimpleNamespace

import pytest
from prometheus_client import REGISTRY

from config import gunicorn
from config.metrics import ANONYMOUS, OTHER, operation_names, request_observed
from config.production import production_problems
from tests.conftest import PASSWORD, error_codes, rotations_aged_past_the_reuse_interval
from tests.schema.accounts.queries import REFRESH_TOKEN, TOKEN_AUTH

TOKEN = "scrape-secret-0123456789"


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


@pytest.fixture
def metrics_on(settings):
    settings.METRICS_ENABLED = True
    settings.METRICS_TOKEN = TOKEN
    operation_names.clear()
    yield
    operation_names.clear()


def scrape(client, token: str | None = TOKEN):
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return client.get("/metrics", headers=headers)


def test_metrics_are_off_by_default(client):
    # when
    response = scrape(client)

    # then
    assert response.status_code == 404


@pytest.mark.parametrize("token", [None, "wrong", TOKEN + "x", ""])
def test_metrics_need_the_token(client, metrics_on, token):
    # when
    response = scrape(client, token)

    # then
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="metrics"'


def test_a_request_is_counted_by_operation_name_and_type(api, metrics_on, user):
    # given
    labels = {"operation_name": "TokenAuth", "operation_type": "mutation"}
    before = sample("graphql_requests_total", **labels)
    signed_in = sample("graphql_sign_ins_total", outcome="succeeded")
    failed = sample("graphql_sign_ins_total", outcome="failed")
    invalid = sample("graphql_errors_total", code="INVALID_CREDENTIALS")

    # when
    api.execute(TOKEN_AUTH, {"username": user.username, "password": PASSWORD})
    wrong = api.execute(TOKEN_AUTH, {"username": user.username, "password": "not-the-password"})
    text = scrape(api.client).content.decode()

    # then
    assert error_codes(wrong) == ["INVALID_CREDENTIALS"]
    assert sample("graphql_requests_total", **labels) == before + 2
    assert sample("graphql_sign_ins_total", outcome="succeeded") == signed_in + 1
    assert sample("graphql_sign_ins_total", outcome="failed") == failed + 1
    assert sample("graphql_errors_total", code="INVALID_CREDENTIALS") == invalid + 1
    assert 'graphql_requests_total{operation_name="TokenAuth",operation_type="mutation"}' in text
    assert "graphql_request_duration_seconds_bucket" in text
    assert "graphql_sql_queries_per_request_count" in text


def test_refresh_token_reuse_is_counted(api, metrics_on, user):
    # given: a refresh token already rotated, past the reuse interval
    signed_in = api.execute(TOKEN_AUTH, {"username": user.username, "password": PASSWORD})
    first = signed_in["data"]["tokenAuth"]["refreshToken"]
    api.execute(REFRESH_TOKEN, {"refreshToken": first})
    rotations_aged_past_the_reuse_interval()
    before = sample("graphql_refresh_token_reuse_total")

    # when
    reused = api.execute(REFRESH_TOKEN, {"refreshToken": first})

    # then
    assert error_codes(reused) == ["REFRESH_TOKEN_REUSED"]
    assert sample("graphql_refresh_token_reuse_total") == before + 1


def test_a_throttled_sign_in_is_counted(api, metrics_on, user, settings):
    # given: one attempt per username
    settings.SIGN_IN_ATTEMPTS_PER_USERNAME = 1
    throttled = sample("graphql_sign_ins_total", outcome="throttled")
    refusals = sample("graphql_throttle_refusals_total", limiter="accounts")
    api.execute(TOKEN_AUTH, {"username": user.username, "password": "not-the-password"})

    # when
    refused = api.execute(TOKEN_AUTH, {"username": user.username, "password": PASSWORD})

    # then
    assert error_codes(refused) == ["RATE_LIMITED"]
    assert sample("graphql_sign_ins_total", outcome="throttled") == throttled + 1
    assert sample("graphql_throttle_refusals_total", limiter="accounts") == refusals + 1


def test_an_operation_over_the_cost_limit_is_counted(api, metrics_on, user, settings):
    # given
    settings.GRAPHQL_MAX_QUERY_COST = 0
    before = sample("graphql_cost_refusals_total", reason="limit")
    api.authenticate(user)

    # when
    refused = api.execute("query { me { username } }")

    # then
    assert error_codes(refused) == ["COST_LIMIT_EXCEEDED"]
    assert sample("graphql_cost_refusals_total", reason="limit") == before + 1


def test_the_document_cache_counts_hits_and_misses(api, metrics_on, user):
    # given: a document this process has not seen
    query = "query CacheProbe { me { username } }"
    hits, misses = (
        sample("graphql_document_cache_hits_total"),
        sample("graphql_document_cache_misses_total"),
    )
    api.authenticate(user)

    # when
    api.execute(query)
    api.execute(query)

    # then
    assert sample("graphql_document_cache_misses_total") == misses + 1
    assert sample("graphql_document_cache_hits_total") == hits + 1


def test_ten_thousand_names_make_a_bounded_number_of_series(settings, metrics_on):
    # given: room for 5 names
    settings.METRICS_OPERATION_NAMES = 5
    names = [f"Probe{number}" for number in range(10_000)]
    other_before = sample("graphql_requests_total", operation_name=OTHER, operation_type="query")

    # when
    for name in names:
        request_observed(
            operation_name=name,
            operation_type="query",
            error_codes=[],
            duration_seconds=0.01,
            sql_queries=1,
        )

    # then: the first 5 have series of their own, the others went to "other"
    labelled = {
        sample.labels["operation_name"]
        for metric in REGISTRY.collect()
        if metric.name == "graphql_requests"
        for sample in metric.samples
        if sample.labels.get("operation_name", "").startswith("Probe")
    }
    assert labelled == set(names[:5])
    other = sample("graphql_requests_total", operation_name=OTHER, operation_type="query")
    assert other == other_before + 9_995


@pytest.mark.parametrize(
    ("name", "label"),
    [
        (None, ANONYMOUS),
        ("", ANONYMOUS),
        ("has space", OTHER),
        ("x" * 101, OTHER),
        ("Ok_1", "Ok_1"),
    ],
)
def test_names_that_are_not_plain_are_grouped(metrics_on, name, label):
    # when/then
    assert operation_names.label(name) == label


def test_production_refuses_metrics_without_a_token(settings):
    # given
    settings.METRICS_ENABLED = True
    settings.METRICS_TOKEN = ""

    # when
    problems = production_problems()

    # then
    assert any("METRICS_TOKEN" in problem for problem in problems)


def test_production_accepts_metrics_with_a_token(settings):
    # given
    settings.METRICS_ENABLED = True
    settings.METRICS_TOKEN = TOKEN

    # when/then
    assert not any("METRICS_TOKEN" in problem for problem in production_problems())


def test_the_gunicorn_start_empties_the_metrics_directory(tmp_path, monkeypatch):
    # given: the files of an earlier run
    (tmp_path / "counter_123.db").write_bytes(b"old")
    (tmp_path / "keep.txt").write_text("not ours")
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))

    # when
    gunicorn._metrics_directory_emptied()

    # then
    assert sorted(os.listdir(tmp_path)) == ["keep.txt"]


def test_a_dead_workers_live_gauges_are_removed(tmp_path, monkeypatch):
    # given: the live-gauge file of worker 4242 and of a worker still running
    (tmp_path / "gauge_livesum_4242.db").write_bytes(b"")
    (tmp_path / "gauge_livesum_4343.db").write_bytes(b"")
    (tmp_path / "counter_4242.db").write_bytes(b"")
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))

    # when: gunicorn reports worker 4242 gone (its Worker object, as far as the hook reads it)
    gunicorn.child_exit(server=None, worker=SimpleNamespace(pid=4242))

    # then: its live gauges leave, its counters stay (they still count in the totals)
    assert sorted(os.listdir(tmp_path)) == ["counter_4242.db", "gauge_livesum_4343.db"]
