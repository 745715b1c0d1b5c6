"""Request ids, one structured log line per GraphQL request, JSON errors on API paths."""

import json
import logging
import re
import time
import uuid
from http import HTTPStatus

from django.db import connection

from accounts.request_context import request_context, request_id_bound
from config.metrics import request_observed

logger = logging.getLogger("graphql.request")

# A client-supplied id is echoed and logged only if it is short and plain.
REQUEST_ID_PATTERN = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


class _QueryCounter:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


class RequestLogMiddleware:
    """Give every request an id (from X-Request-ID or new), echo it, log GraphQL calls.

    The log line has the request id, operation name and type, duration, user id,
    error codes and SQL count; the view fills the request context's `graphql_log`
    with what it knows. Tokens, passwords and variables are never logged.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        offered = request.headers.get("X-Request-ID", "")
        context = request_context(request)
        context.request_id = offered if REQUEST_ID_PATTERN.match(offered) else uuid.uuid4().hex
        # Every log line written while the request is served carries its id; the
        # block resets it however the request ends (a response, an exception).
        with request_id_bound(context.request_id):
            return self._serve(request, context)

    def _serve(self, request, context):
        counter = _QueryCounter()
        started = time.perf_counter()
        with connection.execute_wrapper(counter):
            response = self.get_response(request)
        duration = time.perf_counter() - started
        duration_ms = round(duration * 1000, 2)
        response["X-Request-ID"] = context.request_id
        graphql_log = context.graphql_log
        if graphql_log is not None:
            user = getattr(request, "user", None)
            logger.info(
                "graphql %s %s",
                graphql_log.operation_type or "-",
                graphql_log.operation_name or "-",
                extra={
                    "request_id": context.request_id,
                    "operation_name": graphql_log.operation_name,
                    "operation_type": graphql_log.operation_type,
                    "error_codes": graphql_log.error_codes,
                    "status": response.status_code,
                    "duration_ms": duration_ms,
                    "sql_queries": counter.count,
                    "user_id": str(user.pk) if user is not None and user.is_authenticated else None,
                },
            )
            request_observed(
                operation_name=graphql_log.operation_name,
                operation_type=graphql_log.operation_type,
                error_codes=graphql_log.error_codes,
                duration_seconds=duration,
                sql_queries=counter.count,
            )
        return response


# The API's paths: GraphQL (with or without the slash, and anything below it)
# and the health probes. The admin and static files keep Django's own pages.
API_PATH = re.compile(r"^/(?:graphql|healthz|readyz)(?:/|$)")
JSON_MEDIA_TYPES = ("application/json", "application/graphql-response+json")


def _error_code(status: int) -> str:
    # config imports schema, never the reverse (schema.core.errors holds the codes).
    from schema.core.errors import ErrorCode

    if status == 404:
        return ErrorCode.NOT_FOUND.value
    if status == 503:
        return ErrorCode.SERVICE_UNAVAILABLE.value
    if status >= 500:
        return ErrorCode.INTERNAL_SERVER_ERROR.value
    return ErrorCode.BAD_REQUEST.value


class ApiJsonErrorMiddleware:
    """An API path never answers HTML: Django's error pages become coded JSON errors.

    A 404 from URL resolution, a 405 from a probe, a 400 for a bad Host header and
    a 500 from anything outside the GraphQL view's own handling are rendered by
    Django as HTML, with debug on as its technical pages (tracebacks, settings).
    On an API path this replaces the body, keeping the status and headers, with
    `{"errors": [{"message", "extensions": {"code"}}]}`; the details stay in the
    server log.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code >= 400
            and not response.streaming
            and API_PATH.match(request.path_info)
            and not response.get("Content-Type", "").startswith(JSON_MEDIA_TYPES)
        ):
            error = {
                "message": _message(response.status_code),
                "extensions": {"code": _error_code(response.status_code)},
            }
            response.content = json.dumps({"errors": [error]}).encode()
            response["Content-Type"] = "application/json; charset=utf-8"
            if response.has_header("Content-Length"):
                response["Content-Length"] = str(len(response.content))
        return response


def _message(status: int) -> str:
    if status == 404:
        # NOT_FOUND has one wording wherever it comes from.
        from schema.core.errors import not_found_message

        return not_found_message("Path")
    try:
        return HTTPStatus(status).phrase + "."
    except ValueError:
        return f"HTTP {status}."


GRAPHQL_PATHS = ("/graphql/", "/graphql")


class BudgetRefusalMiddleware:
    """Refuse an anonymous address this worker already refused for its cost budget.

    The view would refuse it too (schema/core/worker_throttles.py, RefusalMemo),
    but only after the session, CSRF, authentication and message middleware and
    the URL resolver ran; a client hammering past its budget is answered here, for a
    fraction of that, with the view's answer (429 RATE_LIMITED, Retry-After). A
    request with an Authorization header goes on: only the view can tell whose
    it is. Logged like any GraphQL request.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        if request.path in GRAPHQL_PATHS and "HTTP_AUTHORIZATION" not in request.META:
            from schema.core.answer import budget_refusal_response

            refused = budget_refusal_response(request)
            if refused is not None:
                return refused
        return self.get_response(request)
