"""Request ids and one structured log line per GraphQL request."""

import logging
import re
import time
import uuid

from django.db import connection

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
    error codes and SQL count; the view fills `request.graphql_log` with what it
    knows. Tokens, passwords and variables are never logged.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        offered = request.headers.get("X-Request-ID", "")
        request.request_id = offered if REQUEST_ID_PATTERN.match(offered) else uuid.uuid4().hex
        counter = _QueryCounter()
        started = time.perf_counter()
        with connection.execute_wrapper(counter):
            response = self.get_response(request)
        duration_ms = round((time.perf_counter() - started) * 1000, 2)
        response["X-Request-ID"] = request.request_id
        graphql_log = getattr(request, "graphql_log", None)
        if graphql_log is not None:
            user = getattr(request, "user", None)
            logger.info(
                "graphql %s %s",
                graphql_log.get("operation_type") or "-",
                graphql_log.get("operation_name") or "-",
                extra={
                    "request_id": request.request_id,
                    "operation_name": graphql_log.get("operation_name"),
                    "operation_type": graphql_log.get("operation_type"),
                    "error_codes": graphql_log.get("error_codes", []),
                    "status": response.status_code,
                    "duration_ms": duration_ms,
                    "sql_queries": counter.count,
                    "user_id": str(user.pk) if user is not None and user.is_authenticated else None,
                },
            )
        return response
