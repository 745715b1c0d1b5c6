"""The API's one error model: every top-level error carries `extensions.code`.

Clients switch on the code, never on the message. The codes:

- UNAUTHENTICATED: the field needs a signed-in user and no token came.
- TOKEN_EXPIRED: the access (or refresh) token has expired; refresh (or sign in).
- TOKEN_INVALID: the token is malformed, forged, revoked, or its user is inactive.
- INVALID_CREDENTIALS: tokenAuth got a wrong username or password.
- REFRESH_TOKEN_REUSED: a rotated or revoked refresh token came back; its whole
  sign-in chain has been ended.
- RATE_LIMITED: too many password attempts for the username or from the client's
  address, or the caller's query cost budget is spent (GRAPHQL_COST_BUDGET_*;
  refused before it runs, HTTP 429); `extensions.retryAfter` says how many
  seconds to wait.
- FORBIDDEN: signed in, but not allowed to do this.
- NOT_FOUND: no such object, or one the caller may not see.
- BAD_USER_INPUT: an argument or variable has an invalid value.
- PAGE_SIZE_TOO_LARGE: `first` or `last` is above the maximum page size.
- GRAPHQL_PARSE_FAILED: the document is not valid GraphQL syntax.
- GRAPHQL_VALIDATION_FAILED: the document does not match the schema.
- INTROSPECTION_DISABLED: the document asks for `__schema` or `__type` and
  introspection is off (GRAPHQL_INTROSPECTION_ENABLED).
- QUERY_TOO_DEEP: fields nest deeper than GRAPHQL_MAX_DEPTH.
- TOO_MANY_ALIASES: more aliases than GRAPHQL_MAX_ALIASES, fragments included.
- TOO_MANY_ROOT_FIELDS: more root fields than GRAPHQL_MAX_ROOT_FIELDS.
- TOO_MANY_MUTATIONS: more mutations in one operation than GRAPHQL_MAX_MUTATIONS.
- COST_LIMIT_EXCEEDED: the operation's query cost is above GRAPHQL_MAX_QUERY_COST;
  `extensions.cost` is {requested, maximum}. Nothing ran.
- DOCUMENT_TOO_LARGE: the query text is longer than GRAPHQL_MAX_DOCUMENT_SIZE.
- RESPONSE_TOO_LARGE: a query's answer passed GRAPHQL_MAX_RESPONSE_BYTES while it
  ran; execution stopped and no data is returned.
- DOCUMENT_TOO_COMPLEX: the document is too costly to parse or validate: more
  tokens or comments than the parser's budgets, more field selections (fragments
  counted at every spread), fields sharing one response name, or fragment spreads
  in one selection set than their limits (schema/core/complexity.py).
- BATCH_TOO_LARGE: a JSON array of operations, and batching is off or the array
  is longer than GRAPHQL_MAX_BATCH_SIZE.
- PERSISTED_QUERY_NOT_FOUND: a hash-only request (Apollo's automatic persisted
  queries) whose document this server does not know; send it again with `query`.
- PERSISTED_QUERY_NOT_SUPPORTED: the `persistedQuery` extension is malformed, or
  its hash does not match the `query` sent with it.
- PERSISTED_QUERY_NOT_ALLOWED: the allow-list mode is on and the document is not
  on the list (GRAPHQL_PERSISTED_QUERIES_ONLY).
- BAD_REQUEST: the HTTP request itself is malformed (bad JSON, a JSON member or
  URL parameter named twice, no query, wrong method or media type, ...).
- SERVICE_UNAVAILABLE: the database could not be reached or did not answer in
  time (connect or statement timeout); nothing was written; retry shortly.
- INTERNAL_SERVER_ERROR: an unexpected failure; logged with its traceback.
"""

import logging
from enum import StrEnum

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db import InterfaceError, OperationalError
from graphql import GraphQLError, GraphQLSyntaxError

from accounts.exceptions import (
    InvalidCredentialsError,
    RateLimitedError,
    RefreshTokenReusedError,
    TokenExpiredError,
    TokenInvalidError,
)

logger = logging.getLogger("schema.errors")


class ErrorCode(StrEnum):
    UNAUTHENTICATED = "UNAUTHENTICATED"
    TOKEN_EXPIRED = "TOKEN_EXPIRED"
    TOKEN_INVALID = "TOKEN_INVALID"
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
    REFRESH_TOKEN_REUSED = "REFRESH_TOKEN_REUSED"
    RATE_LIMITED = "RATE_LIMITED"
    FORBIDDEN = "FORBIDDEN"
    NOT_FOUND = "NOT_FOUND"
    BAD_USER_INPUT = "BAD_USER_INPUT"
    PAGE_SIZE_TOO_LARGE = "PAGE_SIZE_TOO_LARGE"
    GRAPHQL_PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
    GRAPHQL_VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
    INTROSPECTION_DISABLED = "INTROSPECTION_DISABLED"
    QUERY_TOO_DEEP = "QUERY_TOO_DEEP"
    TOO_MANY_ALIASES = "TOO_MANY_ALIASES"
    TOO_MANY_ROOT_FIELDS = "TOO_MANY_ROOT_FIELDS"
    TOO_MANY_MUTATIONS = "TOO_MANY_MUTATIONS"
    COST_LIMIT_EXCEEDED = "COST_LIMIT_EXCEEDED"
    DOCUMENT_TOO_LARGE = "DOCUMENT_TOO_LARGE"
    DOCUMENT_TOO_COMPLEX = "DOCUMENT_TOO_COMPLEX"
    RESPONSE_TOO_LARGE = "RESPONSE_TOO_LARGE"
    BATCH_TOO_LARGE = "BATCH_TOO_LARGE"
    PERSISTED_QUERY_NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"
    PERSISTED_QUERY_NOT_SUPPORTED = "PERSISTED_QUERY_NOT_SUPPORTED"
    PERSISTED_QUERY_NOT_ALLOWED = "PERSISTED_QUERY_NOT_ALLOWED"
    BAD_REQUEST = "BAD_REQUEST"
    SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"
    INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"


# The database is down, restarting, unreachable or too slow (connect_timeout,
# statement_timeout): psycopg's errors as Django wraps them. Not a bug, and
# retrying later works, so neither a traceback nor INTERNAL_SERVER_ERROR.
DATABASE_UNAVAILABLE_ERRORS: tuple[type[Exception], ...] = (OperationalError, InterfaceError)
DATABASE_UNAVAILABLE_MESSAGE = "The service is temporarily unavailable; retry in a few seconds."
# Seconds a client should wait before retrying a 503 (the Retry-After header).
DATABASE_UNAVAILABLE_RETRY_AFTER = 5


def database_unavailable_logged(error: Exception, where: object) -> None:
    """One warning line, without a traceback, for a request the database failed."""
    logger.warning(
        "Database unavailable (%s) at %s: %s",
        type(error).__name__,
        where,
        str(error).strip().splitlines()[0] if str(error).strip() else "-",
    )


class ApiError(GraphQLError):
    """A top-level GraphQL error with a code, raised by resolvers."""

    def __init__(self, message: str, code: ErrorCode) -> None:
        super().__init__(message, extensions={"code": code.value})


# Domain exceptions that are the client's fault, and the code each one means.
# Order matters: subclasses before their bases.
EXPECTED_ERRORS: tuple[tuple[type[Exception], ErrorCode], ...] = (
    (TokenExpiredError, ErrorCode.TOKEN_EXPIRED),
    (RefreshTokenReusedError, ErrorCode.REFRESH_TOKEN_REUSED),
    (TokenInvalidError, ErrorCode.TOKEN_INVALID),
    (InvalidCredentialsError, ErrorCode.INVALID_CREDENTIALS),
    (RateLimitedError, ErrorCode.RATE_LIMITED),
    (PermissionDenied, ErrorCode.FORBIDDEN),
    (ObjectDoesNotExist, ErrorCode.NOT_FOUND),
    (ValidationError, ErrorCode.BAD_USER_INPUT),
)


class RequestError(Exception):
    """An HTTP-level refusal, before any GraphQL runs: bad method, media type, body, ..."""

    def __init__(
        self,
        message: str,
        *,
        status: int = 400,
        code: ErrorCode = ErrorCode.BAD_REQUEST,
        allow: str | None = None,
        retry_after: int | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        # The Allow header of a 405 answer.
        self.allow = allow
        # The Retry-After header of a 503 or 429 answer.
        self.retry_after = retry_after

    @classmethod
    def database_unavailable(cls, error: Exception, where: object) -> "RequestError":
        """The 503 answer to a request refused because the database failed (logged here)."""
        database_unavailable_logged(error, where)
        return cls(
            DATABASE_UNAVAILABLE_MESSAGE,
            status=503,
            code=ErrorCode.SERVICE_UNAVAILABLE,
            retry_after=DATABASE_UNAVAILABLE_RETRY_AFTER,
        )

    @property
    def formatted(self) -> dict:
        extensions: dict = {"code": self.code.value}
        if self.code is ErrorCode.RATE_LIMITED and self.retry_after is not None:
            extensions["retryAfter"] = self.retry_after
        return {"message": str(self), "extensions": extensions}


INTERNAL_ERROR_MESSAGE = "Internal server error."


def _validation_message(error: ValidationError) -> str:
    return " ".join(str(message) for message in error.messages)


def error_formatted(error: Exception) -> dict:
    """The JSON form of any error the view meets, always with `extensions.code`."""
    if isinstance(error, RequestError):
        return error.formatted
    if not isinstance(error, GraphQLError):
        # Raised outside execution (the HTTP layer): the message is ours.
        return {"message": str(error), "extensions": {"code": ErrorCode.BAD_REQUEST.value}}

    formatted = error.formatted
    extensions = dict(formatted.get("extensions") or {})
    if "code" in extensions:
        return formatted

    original = error.original_error
    if error.path is None and (original is None or isinstance(original, GraphQLError)):
        # Raised by graphql-core before execution. The view tags validation and
        # coercion errors with their codes; what is left is a syntax error.
        if isinstance(error, GraphQLSyntaxError):
            code = ErrorCode.GRAPHQL_PARSE_FAILED
        else:
            code = ErrorCode.GRAPHQL_VALIDATION_FAILED
    else:
        original = original or error
        code = next(
            (code for kind, code in EXPECTED_ERRORS if isinstance(original, kind)),
            ErrorCode.INTERNAL_SERVER_ERROR,
        )
        if isinstance(original, DATABASE_UNAVAILABLE_ERRORS):
            # Its text names the database server: logged, never shown.
            code = ErrorCode.SERVICE_UNAVAILABLE
            database_unavailable_logged(original, error.path)
            formatted["message"] = DATABASE_UNAVAILABLE_MESSAGE
        if isinstance(original, ValidationError):
            formatted["message"] = _validation_message(original)
        if isinstance(original, RateLimitedError):
            extensions["retryAfter"] = original.retry_after
        if code is ErrorCode.INTERNAL_SERVER_ERROR:
            logger.error(
                "Unhandled error in GraphQL resolver at %s",
                error.path,
                exc_info=(type(original), original, original.__traceback__),
            )
            if settings.GRAPHQL_MASK_INTERNAL_ERRORS:
                formatted["message"] = INTERNAL_ERROR_MESSAGE
    extensions["code"] = code.value
    formatted["extensions"] = extensions
    return formatted
