"""Prometheus metrics: what they count, the bound on operation names, and `/metrics`.

prometheus-client in multiprocess mode when PROMETHEUS_MULTIPROC_DIR is set (gunicorn:
every worker writes its values to files there, and whichever worker answers
`/metrics` adds them all up; config/gunicorn.py empties the directory at start and
marks dead workers). Without it, this process's own values.

Operation names are chosen by clients, so they are bounded: a label is the
operation's name only if it is a plain GraphQL name (at most 100 characters) and
one of the first METRICS_OPERATION_NAMES distinct names this process saw (the
allow-list's operations, in allow-list mode, are all a client can send, so set it
at least that high); any other is "other", an operation without a name
"anonymous". So a client sending 10,000 names makes at most
METRICS_OPERATION_NAMES + 2 series per worker, not 10,000.

Not public: off unless METRICS_ENABLED; with METRICS_TOKEN set, a scrape must send
`Authorization: Bearer <token>` (compared in constant time). Production refuses to
start with metrics on and no token (config/production.py).
"""

import hmac
import re
import threading

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

OTHER = "other"
ANONYMOUS = "anonymous"
_PLAIN_NAME = re.compile(r"^[_A-Za-z][_0-9A-Za-z]{0,99}$")
OPERATION_TYPES = frozenset({"query", "mutation", "subscription"})

REQUESTS = Counter(
    "graphql_requests",
    "GraphQL requests answered, by operation name (bounded) and type.",
    ["operation_name", "operation_type"],
)
DURATION = Histogram(
    "graphql_request_duration_seconds",
    "Time to answer a GraphQL request, by operation name (bounded) and type.",
    ["operation_name", "operation_type"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
ERRORS = Counter("graphql_errors", "Errors answered, by extensions.code.", ["code"])
SQL_QUERIES = Histogram(
    "graphql_sql_queries_per_request",
    "SQL queries run by one GraphQL request.",
    buckets=(0, 1, 2, 3, 5, 8, 13, 21, 34, 55, 100),
)
SIGN_INS = Counter(
    "graphql_sign_ins", "tokenAuth calls by outcome: succeeded, failed, throttled.", ["outcome"]
)
REFRESH_REUSE = Counter(
    "graphql_refresh_token_reuse",
    "Refresh tokens presented again after rotation (REFRESH_TOKEN_REUSED: a chain ended).",
)
THROTTLE_REFUSALS = Counter(
    "graphql_throttle_refusals",
    "Requests refused by a throttle (RATE_LIMITED), by what was limited.",
    ["limiter"],
)
COST_REFUSALS = Counter(
    "graphql_cost_refusals",
    "Operations refused for their cost: over the limit (limit) or the budget (budget).",
    ["reason"],
)
DOCUMENT_CACHE_HITS = Counter(
    "graphql_document_cache_hits", "Documents found parsed and validated in the cache."
)
DOCUMENT_CACHE_MISSES = Counter(
    "graphql_document_cache_misses", "Documents parsed and validated (not in the cache)."
)


class OperationNames:
    """The bounded set of operation-name labels: the first `limit` plain names seen."""

    def __init__(self) -> None:
        self._seen: set[str] = set()
        self._lock = threading.Lock()

    def label(self, name: str | None) -> str:
        if not name:
            return ANONYMOUS
        if name in self._seen:
            return name
        if not _PLAIN_NAME.match(name):
            return OTHER
        with self._lock:
            if len(self._seen) >= settings.METRICS_OPERATION_NAMES:
                return OTHER
            self._seen.add(name)
        return name

    def clear(self) -> None:
        with self._lock:
            self._seen.clear()


operation_names = OperationNames()


def request_observed(
    *,
    operation_name: str | None,
    operation_type: str | None,
    error_codes: list[str],
    duration_seconds: float,
    sql_queries: int,
) -> None:
    """Count one answered GraphQL request (config.middleware calls it); nothing if metrics are off.

    Off, nothing reads the counters: under a flood of refusals each would cost
    label lookups and locks (and file writes in multiprocess mode) for nothing.
    """
    if not settings.METRICS_ENABLED:
        return
    labels = (
        operation_names.label(operation_name),
        operation_type if operation_type in OPERATION_TYPES else "unknown",
    )
    REQUESTS.labels(*labels).inc()
    DURATION.labels(*labels).observe(duration_seconds)
    SQL_QUERIES.observe(sql_queries)
    for code in error_codes:
        ERRORS.labels(code).inc()


def sign_in_counted(outcome: str) -> None:
    """tokenAuth ended: "succeeded", "failed" or "throttled"."""
    SIGN_INS.labels(outcome).inc()


def refresh_reuse_counted() -> None:
    """A rotated refresh token came back (REFRESH_TOKEN_REUSED)."""
    REFRESH_REUSE.inc()


def throttle_refused(limiter: str) -> None:
    """A throttle refused: "accounts" (passwords, sign-ups, e-mails, invitation tokens)
    or "new_documents" (anonymous clients' new documents, per worker)."""
    THROTTLE_REFUSALS.labels(limiter).inc()


def cost_refused(reason: str) -> None:
    """An operation refused for its cost: "limit" (GRAPHQL_MAX_QUERY_COST) or "budget"."""
    COST_REFUSALS.labels(reason).inc()


def document_cache_looked_up(*, hit: bool) -> None:
    """A document was looked up in the parsed-document cache."""
    (DOCUMENT_CACHE_HITS if hit else DOCUMENT_CACHE_MISSES).inc()


def metrics_view(request: HttpRequest) -> HttpResponse:
    """`/metrics`: the Prometheus text format, for a scraper that knows the token."""
    if not settings.METRICS_ENABLED:
        raise Http404
    token = settings.METRICS_TOKEN
    if token:
        offered = request.headers.get("Authorization", "")
        if not hmac.compare_digest(offered.encode(), f"Bearer {token}".encode()):
            response = HttpResponse("Unauthorized.\n", status=401, content_type="text/plain")
            response["WWW-Authenticate"] = 'Bearer realm="metrics"'
            return response
    if settings.PROMETHEUS_MULTIPROC_DIR:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
