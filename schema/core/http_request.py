"""HTTP parsing and negotiation of /graphql/: methods, content types, the body, batching.

GraphQL over HTTP (https://graphql.github.io/graphql-over-http/draft/):

- POST with `Content-Type: application/json` (anything else: 415), or GET with
  the parameters in the URL (a mutation over GET: 405, once the document is
  known); any other method: 405.
- The answer is `application/graphql-response+json` when the Accept header
  prefers it, else `application/json` (Accept with neither: 406).
- A malformed request (bad JSON, no query, a parameter of the wrong type, a
  body past its bound) is 400 (413 for the size), before any document is read.
- A JSON array is a batch (outside the spec), up to GRAPHQL_MAX_BATCH_SIZE.
"""

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig

from schema.core.errors import ErrorCode, RequestError
from schema.core.strict_json import REPEATED_MEMBER_MESSAGE, RepeatedMemberError, json_loads

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


def request_method_check(request) -> None:
    """Refuse (405) a method GraphQL over HTTP does not use."""
    if request.method not in ("GET", "POST"):
        raise RequestError(
            "GraphQL takes GET (queries) and POST requests only.",
            status=405,
            allow="GET, POST",
        )


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


def request_params(request) -> GraphQLParams | list[GraphQLParams]:
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
        return batch_params(data)
    return graphql_params(data)


def batch_params(data: list) -> list[GraphQLParams]:
    """The parameters of each operation of a batch, within GRAPHQL_MAX_BATCH_SIZE."""
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
