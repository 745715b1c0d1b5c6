"""Traces of GraphQL requests (config/tracing.py, schema/core/operation_tracing.py).

No mock of anything: the real TracerProvider, BatchSpanProcessor and OTLP exporter
built by config/tracing.py from the OTEL_* variables, the real Django, psycopg and
Redis instrumentations, exporting over HTTP to a receiver the test starts
(tests/otlp_receiver.py), which decodes what arrives with opentelemetry-proto.
"""

import hashlib

import pytest
from django.conf import settings as django_settings
from django.db import connection

from schema.core.operation_tracing import OPERATION_NAME_MAX, RESOLVER_SPANS_MAX
from tests.conftest import error_codes
from tests.otlp_receiver import OtlpReceiver
from tests.tracing_spans import Traces, ancestors, only

ORGANIZATIONS = """
query OrgPage {
  organizations(first: 5) { totalCount edges { node { id name slug members { totalCount } } } }
}
"""
SERVER_SPAN = 2  # opentelemetry.proto's SPAN_KIND_SERVER


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def operation_span(spans):
    return only(spans, **{"graphql.operation.type": "query"})


@pytest.fixture
def traces(db, monkeypatch, settings):
    """Tracing on for this test, exported to a receiver of its own; off again after.

    PostgreSQL: only a connection opened while the psycopg instrumentation is on
    is traced. A `db` test's connection is open already (its transaction) and
    stays untraced; a transactional test's is closed here, so the next query opens
    a traced one, and closed again after, so no later test inherits it.
    """
    from config.tracing import tracer_provider_build, tracing_install, tracing_uninstall

    with OtlpReceiver() as receiver:
        monkeypatch.setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", receiver.endpoint)
        monkeypatch.setenv("OTEL_SERVICE_NAME", "graphql-api-test")
        monkeypatch.delenv("OTEL_TRACES_SAMPLER", raising=False)
        provider = tracer_provider_build()
        tracing_install(provider)
        _close_unless_in_transaction()
        try:
            yield Traces(provider, receiver)
        finally:
            _close_unless_in_transaction()
            tracing_uninstall()
            provider.shutdown()


def _close_unless_in_transaction() -> None:
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        connection.close()


@pytest.fixture
def signed_in(traces, api, user, make_organization):
    make_organization(user, name="Acme")
    make_organization(user, name="Globex")
    api.authenticate(user)
    traces.reset()
    return api


def test_one_trace_per_request_with_the_operation_span_under_the_request_span(traces, signed_in):
    # when
    results = [signed_in.execute(ORGANIZATIONS) for _ in range(2)]

    # then
    assert [error_codes(result) for result in results] == [[], []]
    by_trace = traces.by_trace()
    assert len(by_trace) == 2
    for spans in by_trace.values():
        roots = [span for span in spans if not span.parent_span_id]
        assert len(roots) == 1
        assert roots[0].kind == SERVER_SPAN
        assert roots[0].service_name == "graphql-api-test"
        operation = operation_span(spans)
        assert operation.name == "query OrgPage"
        assert operation.attributes["graphql.operation.name"] == "OrgPage"
        assert operation.attributes["graphql.document.sha256"] == sha256(ORGANIZATIONS)
        assert "graphql.error.codes" not in operation.attributes
        assert len(operation.attributes["request.id"]) == 32  # the log lines' request_id
        assert ancestors(operation, spans) == roots


def test_the_operation_span_carries_the_error_codes_never_the_document(traces, signed_in):
    # given
    document = 'query Broken { organization(by: {slug: "nope"}) { name } nope }'

    # when
    result = signed_in.execute(document, {"secret": "hunter2"})

    # then
    assert error_codes(result) == ["GRAPHQL_VALIDATION_FAILED"]
    spans = traces.collected()
    operation = operation_span(spans)
    assert operation.attributes["graphql.error.codes"] == ["GRAPHQL_VALIDATION_FAILED"]
    assert operation.attributes["graphql.document.sha256"] == sha256(document)
    everything = repr([span.attributes for span in spans])
    assert "nope" not in everything
    assert "hunter2" not in everything


def test_an_answer_with_a_field_error_has_its_code(traces, signed_in):
    # when
    result = signed_in.execute('query Missing { organization(by: {slug: "nope"}) { name } }')

    # then
    assert error_codes(result) == ["NOT_FOUND"]
    operation = operation_span(traces.collected())
    assert operation.attributes["graphql.error.codes"] == ["NOT_FOUND"]
    assert operation.status_code == 0  # unset: a client's error, not the server's


def test_a_long_operation_name_is_cut_and_unknown_names_are_bounded(traces, signed_in, settings):
    # given
    settings.METRICS_OPERATION_NAMES = 0  # every name is past the bound: "other"
    name = "N" * 300

    # when
    result = signed_in.execute(f"query {name} {{ me {{ username }} }}")

    # then
    assert error_codes(result) == []
    operation = operation_span(traces.collected())
    assert operation.attributes["graphql.operation.name"] == "N" * OPERATION_NAME_MAX
    assert operation.name == "query other"


def test_a_refusal_before_any_operation_is_traced_with_its_code(traces, client):
    # when a mutation comes over GET: refused with 405 by the pipeline
    response = client.get("/graphql/", {"query": "mutation M { revokeAllSessions }"})

    # then
    assert response.status_code == 405
    assert error_codes(response.json()) == ["BAD_REQUEST"]
    operation = only(traces.collected(), **{"graphql.operation.type": "mutation"})
    assert operation.attributes["graphql.error.codes"] == ["BAD_REQUEST"]


def test_a_planned_query_is_traced_as_planned(traces, signed_in):
    # when: a page a compiled plan answers (schema/core/plan_run.py)
    signed_in.execute(ORGANIZATIONS)

    # then: its operation span says so, and it has no resolver spans (no resolver ran)
    spans = traces.collected()
    assert operation_span(spans).attributes["graphql.planned"] is True
    assert [span for span in spans if "graphql.field.name" in span.attributes] == []


def test_resolver_spans_only_above_the_threshold(traces, signed_in, settings):
    # given graphql-core runs the query (no plan), and a threshold no resolver reaches
    settings.GRAPHQL_PLANS_ENABLED = False
    settings.TRACING_RESOLVER_THRESHOLD_MS = 60_000

    # when
    signed_in.execute(ORGANIZATIONS)

    # then
    assert [span for span in traces.collected() if "graphql.field.name" in span.attributes] == []

    # given a threshold every resolver reaches
    settings.TRACING_RESOLVER_THRESHOLD_MS = 0
    traces.reset()

    # when
    signed_in.execute(ORGANIZATIONS)

    # then the resolvers are spans under the operation, the plain scalar fields
    # (execution.py's short path) never are
    spans = traces.collected()
    operation = operation_span(spans)
    resolvers = [span for span in spans if "graphql.field.name" in span.attributes]
    names = {span.name for span in resolvers}
    assert "Query.organizations" in names
    assert not {"OrganizationNode.name", "OrganizationNode.slug"} & names
    assert all(span.parent_span_id == operation.span_id for span in resolvers)
    assert all(
        operation.start_ns <= span.start_ns <= span.end_ns <= operation.end_ns for span in resolvers
    )
    page = only(resolvers, **{"graphql.field.path": "organizations"})
    assert page.attributes["graphql.field.parent_type"] == "Query"
    assert len(resolvers) <= RESOLVER_SPANS_MAX


@pytest.mark.django_db(transaction=True)
def test_sql_spans_nest_under_the_operation_span(traces, signed_in):
    if connection.vendor != "postgresql":
        pytest.skip("the psycopg instrumentation traces PostgreSQL (DATABASE_URL)")

    # when
    signed_in.execute(ORGANIZATIONS)

    # then
    spans = traces.collected()
    operation = operation_span(spans)
    sql = [span for span in spans if span.attributes.get("db.system") == "postgresql"]
    assert sql
    under_operation = [span for span in sql if operation in ancestors(span, spans)]
    statements = [span.attributes.get("db.statement", "") for span in under_operation]
    assert any("organization_organization" in statement for statement in statements)
    assert {span.trace_id for span in sql} == {operation.trace_id}


def test_redis_spans_when_the_cache_is_redis(traces, signed_in):
    if not django_settings.CACHES["default"]["BACKEND"].endswith("RedisCache"):
        pytest.skip("the cache is Redis only with REDIS_URL")

    # when
    signed_in.execute(ORGANIZATIONS)

    # then the cost budget is charged in Redis, within the operation
    spans = traces.collected()
    operation = operation_span(spans)
    redis = [span for span in spans if span.attributes.get("db.system") == "redis"]
    assert redis
    assert all(operation in ancestors(span, spans) for span in redis)


@pytest.mark.django_db(transaction=True)
def test_a_server_fault_marks_the_operation_span_as_an_error(traces, api, user, monkeypatch):
    # given the database refuses every statement, as a down server does
    # (tests/schema/core/test_database_unavailable.py)
    def refuse(*args, **kwargs):
        raise connection.Database.OperationalError("connection refused")

    # when
    with monkeypatch.context() as patch:
        patch.setattr(connection, "create_cursor", refuse)
        result = api.execute(
            'mutation SignIn { tokenAuth(username: "alice", password: "x") { token } }'
        )

    # then
    assert error_codes(result) == ["SERVICE_UNAVAILABLE"]
    operation = only(traces.collected(), **{"graphql.operation.type": "mutation"})
    assert operation.attributes["graphql.error.codes"] == ["SERVICE_UNAVAILABLE"]
    assert operation.status_code == 2  # opentelemetry.proto's STATUS_CODE_ERROR
