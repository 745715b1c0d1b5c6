"""The answer: status codes, the response body and headers, and the error codes logged.

- A document that ran is 200 with `data`, errors or not.
- A document refused before it ran (it does not parse, validate or coerce its
  variables) has no `data`: 200 under `application/json`, 400 under
  `application/graphql-response+json`; refused for the query cost budget, 429
  with Retry-After, whatever the media type.
- A request refused before any document was read (RequestError) has its own
  status (400, 405, 406, 413, 415, 429, 503, 500), and Allow or Retry-After.
- A batch (outside the spec) is an array of answers, with the highest status.

Every error code answered is added to the request's log line (accounts.request_context).
"""

import json
from typing import Any

import orjson
from django.http import HttpResponse
from graphene_django.utils.utils import set_rollback
from graphql import ExecutionResult

from accounts.request_context import request_context
from config.metrics import cost_refused
from schema.core.budget import budget_refusal_remembered
from schema.core.errors import ErrorCode, RequestError, error_formatted
from schema.core.http_request import APPLICATION_JSON, response_media_type


def retry_after(body: dict[str, Any]) -> int | None:
    """The retryAfter of an answer refused before it ran for the query cost budget."""
    if "data" in body:
        return None
    for error in body.get("errors", ()):
        extensions = error.get("extensions") or {}
        if extensions.get("code") == ErrorCode.RATE_LIMITED and "retryAfter" in extensions:
            return extensions["retryAfter"]
    return None


def execution_answer(
    request, result: ExecutionResult, executed: bool, media_type: str
) -> tuple[dict[str, Any], int]:
    """The response body and status of one GraphQL request."""
    body: dict[str, Any] = {}
    if result.errors:
        set_rollback()
        body["errors"] = [error_formatted(error) for error in result.errors]
        request_context(request).graphql().error_codes.extend(
            error["extensions"]["code"] for error in body["errors"]
        )
    if executed:
        body["data"] = result.data
    if result.extensions:
        body["extensions"] = result.extensions
    status = 200 if executed or media_type == APPLICATION_JSON else 400
    if not executed and retry_after(body) is not None:
        status = 429
    return body, status


def json_encoded(request, body: Any) -> bytes | str:
    """The JSON text of a response body (indented with `?pretty=1`, as graphene-django does)."""
    if request.GET.get("pretty"):
        return json.dumps(body, sort_keys=True, indent=2, separators=(",", ": "))
    # orjson: several times faster than json.dumps on a page of results.
    try:
        return orjson.dumps(body)
    except TypeError:
        # Text orjson cannot encode (an unpaired surrogate echoed in a message):
        # json.dumps escapes it.
        return json.dumps(body, separators=(",", ":"))


def json_response(request, body: Any, status: int, media_type: str) -> HttpResponse:
    """An HTTP response carrying `body` as JSON in the negotiated media type."""
    return HttpResponse(
        json_encoded(request, body),
        status=status,
        content_type=f"{media_type}; charset=utf-8",
    )


def graphql_response(
    request, answers: list[tuple[dict[str, Any], int]], media_type: str, *, batch: bool
) -> HttpResponse:
    """The response to one request's operations (a batch: an array, 200 unless one failed)."""
    body: Any = [answer for answer, _ in answers] if batch else answers[0][0]
    status = max(status for _, status in answers)
    refused = [answer for answer, _ in answers if retry_after(answer) is not None]
    response = json_response(request, body, status, media_type)
    if refused:
        # Refused before it ran for the cost budget: 429 says so to any HTTP client.
        response["Retry-After"] = str(max(retry_after(answer) for answer in refused))
    return response


def _media_type_or_json(request) -> str:
    try:
        return response_media_type(request)
    except RequestError:
        return APPLICATION_JSON


def error_response(request, error: RequestError) -> HttpResponse:
    """The response to a request refused before any operation ran."""
    formatted = error.formatted
    request_context(request).graphql().error_codes.append(formatted["extensions"]["code"])
    response = json_response(
        request, {"errors": [formatted]}, error.status, _media_type_or_json(request)
    )
    if error.allow:
        response["Allow"] = error.allow
    if error.retry_after is not None:
        response["Retry-After"] = str(error.retry_after)
    return response


def budget_refusal_response(request) -> HttpResponse | None:
    """The 429 for an anonymous address this worker refused for its budget, else None."""
    seconds = budget_refusal_remembered(request)
    if seconds is None:
        return None
    error = RequestError(
        f"The query cost budget is spent. Try again in {seconds} seconds.",
        status=429,
        code=ErrorCode.RATE_LIMITED,
        retry_after=seconds,
    )
    request_context(request).graphql().error_codes.append(error.code.value)
    cost_refused("budget")
    response = HttpResponse(
        orjson.dumps({"errors": [error.formatted]}),
        status=error.status,
        content_type=f"{_media_type_or_json(request)}; charset=utf-8",
    )
    response["Retry-After"] = str(seconds)
    return response
