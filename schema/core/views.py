"""The /graphql/ endpoint: GraphQL over HTTP, Bearer authentication, limits, GraphiQL.

It follows the GraphQL-over-HTTP spec
(https://graphql.github.io/graphql-over-http/draft/), which graphene-django's
view only partly does:

- POST with `Content-Type: application/json` (anything else: 415), or GET with
  the parameters in the URL, for queries only (a mutation over GET: 405).
- The answer is `application/graphql-response+json` when the Accept header
  prefers it, else `application/json` (Accept with neither: 406).
- A malformed request (bad JSON, no query, a parameter of the wrong type) is 400.
  A document that does not parse, validate or coerce its variables is refused
  with 200 under `application/json` and with 400 under
  `application/graphql-response+json`, without `data`; a document that ran is
  200 with `data`, errors or not.
- The database unavailable (down, restarting, too slow) is SERVICE_UNAVAILABLE:
  503 with Retry-After when the Bearer token's user cannot be loaded (the
  request is refused before it runs); a field error like any other (200, with
  `data`, as the spec requires) when it fails during execution.

CI runs graphql-http's audit suite against a live server (tests/live).
"""

import gc
import json
import logging
from dataclasses import dataclass
from typing import Any

import orjson
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponse
from graphene_django.utils.utils import set_rollback
from graphene_django_graphiql_static.views import GraphiQLOfflineView
from graphql import (
    ExecutionResult,
    GraphQLError,
    OperationType,
    execute,
    get_operation_ast,
)

from accounts.authentication import request_authenticate
from schema.core.cost import (
    budget_refusal_remembered,
    cost_requested,
    document_preparation_check,
    request_cost_check,
)
from schema.core.documents import document_cache, document_prepare
from schema.core.errors import (
    DATABASE_UNAVAILABLE_ERRORS,
    ErrorCode,
    RequestError,
    error_formatted,
)
from schema.core.execution import FastLeafExecutionContext, ResponseTooLarge
from schema.core.persisted import persisted_query_register, requested_document
from schema.core.validation import variables_error

logger = logging.getLogger("schema.errors")

APPLICATION_JSON = "application/json"
GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
# What each Accept entry means to us; anything else is not something we answer.
ACCEPTED_MEDIA_TYPES = {
    GRAPHQL_RESPONSE_JSON: GRAPHQL_RESPONSE_JSON,
    APPLICATION_JSON: APPLICATION_JSON,
    "application/*": APPLICATION_JSON,
    "*/*": APPLICATION_JSON,
}


@dataclass(frozen=True)
class GraphQLParams:
    """One GraphQL request's parameters, checked for type."""

    # None only when `extensions.persistedQuery` names the document by its hash.
    query: str | None
    variables: dict[str, Any] | None
    operation_name: str | None
    extensions: dict[str, Any] | None = None


def response_media_type(request) -> str:
    """The media type to answer in, from the Accept header (RFC 9110 q-values; first wins ties)."""
    header = request.headers.get("Accept", "").strip()
    if not header:
        return APPLICATION_JSON
    chosen, chosen_quality = None, 0.0
    for entry in header.split(","):
        media_type, *parameters = (part.strip() for part in entry.split(";"))
        quality = 1.0
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        answer = ACCEPTED_MEDIA_TYPES.get(media_type.lower())
        if answer is not None and quality > chosen_quality:
            chosen, chosen_quality = answer, quality
    if chosen is None:
        raise RequestError(
            f"Cannot answer in any type the Accept header lists; send Accept: "
            f"{GRAPHQL_RESPONSE_JSON} or {APPLICATION_JSON}.",
            status=406,
        )
    return chosen


REPEATED_MEMBER_MESSAGE = "repeats a member name in a JSON object; send each member once"


class RepeatedMemberError(ValueError):
    """A JSON object names a member twice (orjson, like json.loads, keeps the last)."""


def request_body(request) -> bytes:
    """The body, at most GRAPHQL_MAX_BODY_BYTES (RequestDataTooBig past it), read once.

    Django's DATA_UPLOAD_MAX_MEMORY_SIZE applies too, when smaller.

    Far below Django's 2.5 MB: a 20,000-character document and the longest
    variables fit in a fraction of it, and parsing a body costs CPU by its size
    (2.4 MB of nested lists took a second). Checked on Content-Length before
    reading, and on what is read (a chunked body has no length).
    """
    limit = settings.GRAPHQL_MAX_BODY_BYTES
    if settings.DATA_UPLOAD_MAX_MEMORY_SIZE is not None:
        limit = min(limit, settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        raise RequestDataTooBig
    body = request.read(limit + 1)
    if len(body) > limit:
        raise RequestDataTooBig
    return body


def json_loads(text: bytes | str) -> Any:
    """orjson.loads, and refuse a repeated member name anywhere (RepeatedMemberError).

    Two `query` members would let a proxy that reads the first and this server,
    which would keep the last, see different requests. orjson has no such check,
    so this counts colons: the text has one per member plus one per ':' inside a
    string; written back by orjson, the parsed value keeps every string but loses
    a repeated member, its colon and its value's. Equal counts mean no repeat,
    for one orjson.dumps and two byte counts. The text is orjson's to accept
    first, so its depth and surrogate limits hold.
    """
    collecting = gc.isenabled()
    if collecting:
        # Each container orjson builds is tracked; with the collector on, a body of
        # many small lists spends most of its time in collections that free nothing.
        gc.disable()
    try:
        data = orjson.loads(text)
    finally:
        if collecting:
            gc.enable()
    if not isinstance(data, dict | list):
        return data
    raw = text if isinstance(text, bytes) else text.encode()
    if b"u003" in raw:
        # Perhaps a colon written as an escape ("\u003a"), which has no colon
        # byte: no JSON encoder writes one, so the exact, slower check is rare.
        _repeated_members_refuse(raw)
        return data
    try:
        parsed_colons = orjson.dumps(data).count(b":")
    except TypeError:
        # orjson writes 255 levels at most but reads 1024: count those by hand.
        parsed_colons = _colons_in(data)
    if raw.count(b":") != parsed_colons:
        raise RepeatedMemberError(REPEATED_MEMBER_MESSAGE)
    return data


def _pairs_without_repeats(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    if len({name for name, _ in pairs}) != len(pairs):
        raise RepeatedMemberError(REPEATED_MEMBER_MESSAGE)
    return dict(pairs)


def _repeated_members_refuse(raw: bytes) -> None:
    try:
        json.loads(raw, object_pairs_hook=_pairs_without_repeats)
    except RecursionError:
        # Deeper than json.loads' C scanner goes (orjson allows 1024 levels).
        raise ValueError("The JSON text is nested too deeply.") from None


def _colons_in(value: Any) -> int:
    """The colons of `value` written as JSON (members and ':' in strings), without recursion."""
    count = 0
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            count += item.count(":")
        elif isinstance(item, dict):
            count += len(item)
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return count


def _json_parameter(value: Any, name: str) -> Any:
    # A GET carries maps as JSON text in the URL.
    if not isinstance(value, str):
        return value
    try:
        return json_loads(value)
    except RepeatedMemberError:
        raise RequestError(f"The {name} parameter {REPEATED_MEMBER_MESSAGE}.") from None
    except ValueError:
        raise RequestError(f"The {name} parameter is not valid JSON.") from None


def graphql_params(data: Any, *, from_url: bool = False) -> GraphQLParams:
    """Check the parameters of one GraphQL request (a JSON object, or a GET's query string)."""
    if not isinstance(data, dict):
        raise RequestError("The request body must be a JSON object.")
    query = data.get("query")
    variables = data.get("variables")
    extensions = data.get("extensions")
    if from_url:
        variables = _json_parameter(variables, "variables")
        extensions = _json_parameter(extensions, "extensions")
    if variables is not None and not isinstance(variables, dict):
        raise RequestError("The variables parameter must be a map.")
    if extensions is not None and not isinstance(extensions, dict):
        raise RequestError("The extensions parameter must be a map.")
    persisted = extensions is not None and "persistedQuery" in extensions
    if (query is None or query == "") and not persisted:
        raise RequestError("Must provide query string.")
    if query is not None and not isinstance(query, str):
        raise RequestError("The query parameter must be a string.")
    operation_name = data.get("operationName")
    if operation_name is not None and not isinstance(operation_name, str):
        raise RequestError("The operationName parameter must be a string.")
    return GraphQLParams(
        query=query or None,
        variables=variables,
        operation_name=operation_name or None,
        extensions=extensions,
    )


def request_graphql_log(request) -> dict[str, Any]:
    """What config.middleware.RequestLogMiddleware logs about this GraphQL request."""
    if not hasattr(request, "graphql_log"):
        request.graphql_log = {"operation_name": None, "operation_type": None, "error_codes": []}
    return request.graphql_log


def _retry_after(body: dict[str, Any]) -> int | None:
    """The retryAfter of an answer refused before it ran for the query cost budget."""
    if "data" in body:
        return None
    for error in body.get("errors", ()):
        extensions = error.get("extensions") or {}
        if extensions.get("code") == ErrorCode.RATE_LIMITED and "retryAfter" in extensions:
            return extensions["retryAfter"]
    return None


def budget_refusal_response(request) -> HttpResponse | None:
    """The 429 for an anonymous address this worker refused for its budget, else None."""
    retry_after = budget_refusal_remembered(request)
    if retry_after is None:
        return None
    error = RequestError(
        f"The query cost budget is spent. Try again in {retry_after} seconds.",
        status=429,
        code=ErrorCode.RATE_LIMITED,
        retry_after=retry_after,
    )
    try:
        media_type = response_media_type(request)
    except RequestError:
        media_type = APPLICATION_JSON
    request_graphql_log(request)["error_codes"].append(error.code.value)
    response = HttpResponse(
        orjson.dumps({"errors": [error.formatted]}),
        status=error.status,
        content_type=f"{media_type}; charset=utf-8",
    )
    response["Retry-After"] = str(retry_after)
    return response


class GraphQLApiView(GraphiQLOfflineView):
    """graphene-django's view (with its offline GraphiQL), made spec-compliant and bounded."""

    def dispatch(self, request, *args, **kwargs):
        # Replaces whatever the session middleware put there: on /graphql/ only
        # the Bearer header counts, and it is checked once, before execution.
        try:
            authentication = request_authenticate(request)
        except DATABASE_UNAVAILABLE_ERRORS as error:
            # The token's user cannot be loaded: refuse the request before it runs.
            request.user = AnonymousUser()
            return self.error_response(
                request, RequestError.database_unavailable(error, "authentication")
            )
        request.user = authentication.user
        request.authentication_failure = authentication.failure
        try:
            if request.method not in ("GET", "POST"):
                raise RequestError(
                    "GraphQL takes GET (queries) and POST requests only.",
                    status=405,
                    allow="GET, POST",
                )
            if request.method == "GET" and self.wants_graphiql(request):
                return self.render_graphiql(request, **self.graphiql_context())
            refused = budget_refusal_response(request)
            if refused is not None:
                return refused
            media_type = response_media_type(request)
            return self.get_response(request, self.parse_body(request), media_type)
        except RequestError as error:
            return self.error_response(request, error)
        except DATABASE_UNAVAILABLE_ERRORS as error:
            return self.error_response(request, RequestError.database_unavailable(error, "view"))
        except Exception:
            logger.exception("Unhandled error in the GraphQL view")
            error = RequestError(
                "Internal server error.", status=500, code=ErrorCode.INTERNAL_SERVER_ERROR
            )
            return self.error_response(request, error)

    @staticmethod
    def wants_graphiql(request) -> bool:
        # Read per request, so a test (or a settings override) can turn it on and off.
        return (
            settings.GRAPHIQL_ENABLED
            and "raw" not in request.GET
            and GraphiQLOfflineView.request_wants_html(request)
        )

    def graphiql_context(self) -> dict[str, Any]:
        return {
            "whatwg_fetch_sri": self.whatwg_fetch_sri,
            "react_sri": self.react_sri,
            "react_dom_sri": self.react_dom_sri,
            "graphiql_sri": self.graphiql_sri,
            "graphiql_css_sri": self.graphiql_css_sri,
            "subscriptions_transport_ws_sri": self.subscriptions_transport_ws_sri,
            "graphiql_plugin_explorer_sri": self.graphiql_plugin_explorer_sri,
            "graphiql_plugin_explorer_css_sri": self.graphiql_plugin_explorer_css_sri,
            "subscription_path": self.subscription_path,
            # The header editor is where a user pastes {"Authorization": "Bearer ..."}.
            "graphiql_header_editor_enabled": True,
            "graphiql_should_persist_headers": False,
        }

    def parse_body(self, request) -> GraphQLParams | list[GraphQLParams]:
        """The request's GraphQL parameters: one set, or a list when batched."""
        if request.method == "GET":
            repeated = [name for name, values in request.GET.lists() if len(values) > 1]
            if repeated:
                raise RequestError(f"The URL repeats the parameter {repeated[0]!r}.")
            return graphql_params(request.GET.dict(), from_url=True)
        charset = request.content_params.get("charset", "utf-8").lower()
        if request.content_type.lower() != APPLICATION_JSON or charset not in ("utf-8", "utf8"):
            raise RequestError(
                f"Send the request body as {APPLICATION_JSON} (UTF-8).",
                status=415,
            )
        try:
            # orjson refuses nesting past 1024 levels and unpaired surrogates
            # (ValueError, a 400) where json.loads would recurse or let them in.
            data = json_loads(request_body(request))
        except RequestDataTooBig:
            raise RequestError("The request body is too large.", status=413) from None
        except RepeatedMemberError:
            raise RequestError(f"The request body {REPEATED_MEMBER_MESSAGE}.") from None
        except ValueError:
            raise RequestError("The request body is not valid JSON.") from None
        if isinstance(data, list):
            return self.batch_params(data)
        return graphql_params(data)

    @staticmethod
    def batch_params(data: list) -> list[GraphQLParams]:
        limit = settings.GRAPHQL_MAX_BATCH_SIZE
        if not data:
            raise RequestError("The batch is empty.")
        if limit == 0:
            raise RequestError(
                "Batching is off: send one operation per request.",
                code=ErrorCode.BATCH_TOO_LARGE,
            )
        if len(data) > limit:
            raise RequestError(
                f"The batch has {len(data)} operations; the limit is {limit}.",
                code=ErrorCode.BATCH_TOO_LARGE,
            )
        return [graphql_params(entry) for entry in data]

    def get_response(self, request, params, media_type: str) -> HttpResponse:
        if isinstance(params, list):
            # Batching is outside the spec: an array of results, 200 unless one failed.
            answers = [self.execution_answer(request, entry, media_type) for entry in params]
            body: Any = [answer for answer, _ in answers]
            status = max(status for _, status in answers)
            refused = [answer for answer in body if _retry_after(answer) is not None]
        else:
            body, status = self.execution_answer(request, params, media_type)
            refused = [body] if _retry_after(body) is not None else []
        response = self.json_response(request, body, status, media_type)
        if refused:
            # Refused before it ran for the cost budget: 429 says so to any HTTP client.
            response["Retry-After"] = str(max(_retry_after(answer) for answer in refused))
        return response

    def execution_answer(self, request, params: GraphQLParams, media_type: str):
        """The response body and status of one GraphQL request."""
        result, executed = self.execute_graphql_request(request, params)
        body: dict[str, Any] = {}
        if result.errors:
            set_rollback()
            body["errors"] = [self.format_error(error) for error in result.errors]
            request_graphql_log(request)["error_codes"].extend(
                error["extensions"]["code"] for error in body["errors"]
            )
        if executed:
            body["data"] = result.data
        if result.extensions:
            body["extensions"] = result.extensions
        status = 200 if executed or media_type == APPLICATION_JSON else 400
        if not executed and _retry_after(body) is not None:
            status = 429
        return body, status

    def execute_graphql_request(self, request, params: GraphQLParams):
        """Run one request; also say whether it got as far as execution (so has `data`)."""
        requested = requested_document(params.query, params.extensions)
        if requested.error is not None:
            return ExecutionResult(errors=[requested.error]), False
        schema = self.schema.graphql_schema
        if not document_cache.contains(requested.digest):
            preparation = document_preparation_check(request)
            if preparation.error is not None:
                return ExecutionResult(errors=[preparation.error]), False
        document, errors = document_prepare(schema, requested.query, requested.digest)
        if document is None:
            return ExecutionResult(errors=errors), False

        operation = get_operation_ast(document, params.operation_name)
        log = request_graphql_log(request)
        if operation is not None:
            log["operation_type"] = operation.operation.value
            log["operation_name"] = operation.name.value if operation.name else None
        if (
            request.method == "GET"
            and operation is not None
            and operation.operation != OperationType.QUERY
        ):
            raise RequestError(
                f"A {operation.operation.value} must be sent with POST.",
                status=405,
                allow="POST",
            )

        if errors:
            return ExecutionResult(errors=errors), False
        if requested.register:
            # Only now: a document too large or invalid is never stored.
            persisted_query_register(requested.digest, requested.query, user=request.user)
        refused_variables = variables_error(params.variables)
        if refused_variables is not None:
            return ExecutionResult(errors=[refused_variables]), False
        cost = request_cost_check(
            request,
            schema,
            document,
            operation,
            params.variables,
            report=cost_requested(params.extensions),
        )
        if cost.error is not None:
            return ExecutionResult(errors=[cost.error], extensions=cost.extensions), False

        try:
            result = execute(
                schema,
                document,
                root_value=self.get_root_value(request),
                context_value=self.get_context(request),
                variable_values=params.variables,
                operation_name=params.operation_name,
                # An empty list would still wrap every resolver in a MiddlewareManager.
                middleware=self.get_middleware(request) or None,
                hide_suggestions=not settings.GRAPHQL_SUGGESTIONS_ENABLED,
                execution_context_class=FastLeafExecutionContext,
            )
        except ResponseTooLarge:
            limit = settings.GRAPHQL_MAX_RESPONSE_BYTES
            error = GraphQLError(
                f"The answer would be larger than {limit} bytes; execution stopped. Ask for "
                "smaller pages or fewer fields (long texts such as `description` weigh most).",
                extensions={"code": ErrorCode.RESPONSE_TOO_LARGE.value, "maximumBytes": limit},
            )
            return ExecutionResult(errors=[error], extensions=cost.extensions), False
        # Errors without a path and no data: the operation never started (unknown
        # operation name, variables that do not coerce), a request error.
        started = not (
            result.data is None
            and result.errors
            and all(error.path is None for error in result.errors)
        )
        if not started:
            # The document validated, so these are about the request: variables that
            # do not coerce (the input's fault) or an operation name not in it.
            for error in result.errors:
                if not (error.extensions or {}).get("code"):
                    coercion = error.message.startswith("Variable '$")
                    code = (
                        ErrorCode.BAD_USER_INPUT
                        if coercion
                        else ErrorCode.GRAPHQL_VALIDATION_FAILED
                    )
                    error.extensions = {"code": code.value}
        result.extensions = cost.extensions
        return result, started

    def json_encode(self, request, d, pretty=False):
        if pretty or self.pretty or request.GET.get("pretty"):
            return super().json_encode(request, d, pretty=True)
        # orjson: several times faster than json.dumps on a page of results.
        try:
            return orjson.dumps(d)
        except TypeError:
            # Text orjson cannot encode (an unpaired surrogate echoed in a message):
            # json.dumps escapes it.
            return json.dumps(d, separators=(",", ":"))

    def json_response(self, request, body, status: int, media_type: str) -> HttpResponse:
        return HttpResponse(
            self.json_encode(request, body),
            status=status,
            content_type=f"{media_type}; charset=utf-8",
        )

    def error_response(self, request, error: RequestError) -> HttpResponse:
        try:
            media_type = response_media_type(request)
        except RequestError:
            media_type = APPLICATION_JSON
        formatted = error.formatted
        request_graphql_log(request)["error_codes"].append(formatted["extensions"]["code"])
        response = self.json_response(request, {"errors": [formatted]}, error.status, media_type)
        if error.allow:
            response["Allow"] = error.allow
        if error.retry_after is not None:
            response["Retry-After"] = str(error.retry_after)
        return response

    @staticmethod
    def format_error(error):
        return error_formatted(error)
