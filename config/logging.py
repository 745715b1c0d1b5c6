"""Log formatting: one JSON object per line in production, plain text in development."""

import logging
from datetime import UTC, datetime

import orjson

from accounts.request_context import current_request_id, request_context

# Attributes every LogRecord has; anything else was passed with `extra=`.
_STANDARD_ATTRIBUTES = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {
    "message",
    "asctime",
    "taskName",
    "request_tag",
}


class JsonFormatter(logging.Formatter):
    """Render a record and its `extra=` fields as one line of JSON."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(
            (key, value)
            for key, value in vars(record).items()
            if key not in _STANDARD_ATTRIBUTES and not key.startswith("_")
        )
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        # orjson: one line per request, thousands a second under a flood of refusals.
        return orjson.dumps(entry, default=str).decode()


class RequestIdFilter(logging.Filter):
    """Put the current request's id on a record as `request_id` (installed on the handlers).

    Any line written while a request is served (errors, throttling, e-mail, a task
    it queued) gets it, whatever logger wrote it; outside a request the record
    gets none. Never filters a record out.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            request_id = current_request_id()
            if request_id is not None:
                record.request_id = request_id
        return True


class PlainFormatter(logging.Formatter):
    """The development format, with ` [request id]` after the logger's name in a request."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s%(request_tag)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        request_id = getattr(record, "request_id", None)
        record.request_tag = f" [{request_id}]" if request_id else ""
        return super().format(record)


class AnsweredRequestFilter(logging.Filter):
    """Drop django.request's warning for a 4xx that the request log line already told.

    Django logs every 4xx response ("Too Many Requests: /graphql/") on top of
    the GraphQL request line (config.middleware), which has the status and the
    error codes: a flood of refused requests would write every line twice.
    Kept: 5xx, and any response that has no request line (a 404 off the API).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        if request is None or getattr(record, "status_code", 500) >= 500:
            return True
        return request_context(request).graphql_log is None
