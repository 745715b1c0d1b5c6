"""A span per GraphQL operation, and a span for each resolver slower than a threshold.

Imported only when tracing is on (config/tracing.py installs it into
schema/core/tracing_hook.py): with tracing off nothing here is loaded.

The operation span is a child of the Django request span and holds the whole
operation: the document pipeline (persisted query, cache, validation, cost),
execution and the answer, so the SQL and Redis spans of all of them nest under
it. Its attributes are bounded, since much of a request is client text:

- `graphql.operation.name`: the operation's name, cut to 100 characters; the span's
  own name is "<type> <name>" with the name bounded as the metrics bound it
  (config/metrics.py: the first METRICS_OPERATION_NAMES plain names, else "other");
- `graphql.operation.type`: query, mutation or subscription;
- `graphql.document.sha256`: the document's SHA-256 (the persisted-query hash),
  never its text (OpenTelemetry's `graphql.document` is the text: not sent) nor
  the variables;
- `graphql.error.codes`: the distinct `extensions.code` values answered (an enum);
- `graphql.planned`: whether a compiled plan answered (plan_run.py: no resolver spans then);
  the span's status is ERROR only for the server's own faults;
- `request.id`: the request id of the log lines (at most 128 plain characters).

Resolver spans are made after the fact: each field that goes through
graphql-core's `execute_field` (not the short path of plain scalar fields in
execution.py) costs two clock reads, and only one slower than
TRACING_RESOLVER_THRESHOLD_MS becomes a span, with its measured start and end,
a child of the operation span (its time includes its sub-fields'), at most
RESOLVER_SPANS_MAX per operation.
"""

import time

from django.conf import settings
from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace import Status, StatusCode

from accounts.request_context import request_context
from config.metrics import operation_names
from schema.core import tracing_hook
from schema.core.documents import query_digest
from schema.core.errors import DATABASE_UNAVAILABLE_ERRORS, ErrorCode, RequestError
from schema.core.execution import FastLeafExecutionContext
from schema.core.persisted import SHA256_HEX

OPERATION_NAME_MAX = 100
RESOLVER_SPANS_MAX = 50
KNOWN_CODES = frozenset(code.value for code in ErrorCode)
INTERNAL_SERVER_ERROR = ErrorCode.INTERNAL_SERVER_ERROR
SERVICE_UNAVAILABLE = ErrorCode.SERVICE_UNAVAILABLE
SERVER_FAULTS = frozenset({INTERNAL_SERVER_ERROR, SERVICE_UNAVAILABLE})


def document_digest(params) -> str | None:
    """The SHA-256 of the requested document: its persisted-query hash, or its text's."""
    persisted = (params.extensions or {}).get("persistedQuery")
    digest = persisted.get("sha256Hash") if isinstance(persisted, dict) else None
    if isinstance(digest, str) and SHA256_HEX.fullmatch(digest):
        return digest
    if isinstance(params.query, str):
        return query_digest(params.query)
    return None


def answered_codes(body) -> list[str]:
    """The distinct error codes of an answer's body, unknown ones as "UNKNOWN"."""
    codes = set()
    for error in body.get("errors", ()):
        code = (error.get("extensions") or {}).get("code")
        codes.add(code if code in KNOWN_CODES else "UNKNOWN")
    return sorted(codes)


class TracedExecutionContext(FastLeafExecutionContext):
    """FastLeafExecutionContext that turns the resolvers slower than the threshold into spans."""

    tracer: trace.Tracer | None = None

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.threshold_ns = int(settings.TRACING_RESOLVER_THRESHOLD_MS * 1_000_000)
        # The operation span, current while the operation executes.
        self.parent_context = otel_context.get_current()
        self.resolver_spans = 0

    def execute_field(self, parent_type, source, field_nodes, path):
        started = time.time_ns()
        result = super().execute_field(parent_type, source, field_nodes, path)
        ended = time.time_ns()
        if ended - started >= self.threshold_ns:
            self._resolver_span(parent_type, field_nodes[0].name.value, path, started, ended)
        return result

    def _resolver_span(self, parent_type, field_name, path, started, ended) -> None:
        if self.resolver_spans >= RESOLVER_SPANS_MAX:
            trace.get_current_span().set_attribute(
                "graphql.resolver_spans.dropped", self.resolver_spans - RESOLVER_SPANS_MAX + 1
            )
            self.resolver_spans += 1
            return
        self.resolver_spans += 1
        span = self.tracer.start_span(
            f"{parent_type.name}.{field_name}",
            context=self.parent_context,
            start_time=started,
            attributes={
                "graphql.field.name": field_name,
                "graphql.field.parent_type": parent_type.name,
                "graphql.field.path": ".".join(str(key) for key in path.as_list()),
            },
        )
        span.end(end_time=ended)


class OperationTracing:
    """tracing_hook.operation_traced: one operation, answered inside its own span."""

    def __init__(self, tracer: trace.Tracer) -> None:
        self.tracer = tracer

    def __call__(self, answer, request, params, media_type):
        context = request_context(request)
        log = context.graphql()
        # The pipeline names the operation in the request log once it finds it; in
        # a batch the log still holds the previous one's, which is put back if
        # this one never gets that far.
        before = (log.operation_name, log.operation_type)
        log.operation_name = log.operation_type = None
        log.planned = False
        codes: list[str] = []
        with self.tracer.start_as_current_span(
            "graphql", record_exception=False, set_status_on_exception=False
        ) as span:
            # The id on the request's log lines (config/middleware.py): logs to trace.
            span.set_attribute("request.id", context.request_id or "")
            try:
                body, status = answer(request, params, media_type, TracedExecutionContext)
                codes = answered_codes(body)
                return body, status
            except RequestError as error:
                codes = [error.code.value]
                raise
            except Exception as error:  # the view answers it (500, or 503 for the database)
                unavailable = isinstance(error, DATABASE_UNAVAILABLE_ERRORS)
                codes = [(SERVICE_UNAVAILABLE if unavailable else INTERNAL_SERVER_ERROR).value]
                raise
            finally:
                name, kind = log.operation_name, log.operation_type
                if name is None and kind is None:
                    log.operation_name, log.operation_type = before
                self._describe(span, params, name, kind, codes)
                span.set_attribute("graphql.planned", bool(log.planned))

    @staticmethod
    def _describe(span, params, name, kind, codes) -> None:
        if kind is not None:
            span.update_name(f"{kind} {operation_names.label(name)}")
            span.set_attribute("graphql.operation.type", kind)
        if name:
            span.set_attribute("graphql.operation.name", name[:OPERATION_NAME_MAX])
        digest = document_digest(params)
        if digest is not None:
            span.set_attribute("graphql.document.sha256", digest)
        if codes:
            span.set_attribute("graphql.error.codes", codes)
            if SERVER_FAULTS.intersection(codes):
                span.set_status(Status(StatusCode.ERROR, ",".join(codes)))


def operation_tracing_install(tracer: trace.Tracer) -> None:
    """Trace every GraphQL operation (and slow resolver) with `tracer`."""
    TracedExecutionContext.tracer = tracer
    tracing_hook.operation_traced = OperationTracing(tracer)


def operation_tracing_uninstall() -> None:
    tracing_hook.operation_traced = None
    TracedExecutionContext.tracer = None
