"""The API's one error model: every top-level error carries `extensions.code`.

The codes and what each means are in schema/core/codes.py, the same enum the
schema publishes as `enum ErrorCode`. Clients switch on the code, never on the message.
"""

import logging

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db import InterfaceError, OperationalError
from graphql import GraphQLError, GraphQLSyntaxError

from accounts.exceptions import (
    CsrfTokenInvalidError,
    DpopKeyMismatchError,
    DpopProofInvalidError,
    DpopProofReplayedError,
    DpopProofRequiredError,
    DpopProofTargetMismatchError,
    InvalidCredentialsError,
    OriginNotAllowedError,
    RateLimitedError,
    RefreshTokenReusedError,
    TokenExpiredError,
    TokenInvalidError,
)
from config.metrics import throttle_refused
from schema.core.codes import ErrorCode
from schema.core.one_of import one_of_message

logger = logging.getLogger("schema.errors")


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


def not_found_message(kind: str = "Object") -> str:
    """The one wording of NOT_FOUND: the same whether the object is missing or hidden."""
    return f"{kind} not found: it does not exist, or you may not see it."


def not_found_error(kind: str = "Object") -> ApiError:
    """A NOT_FOUND error about a `kind` (a GraphQL type name) the caller asked for."""
    return ApiError(not_found_message(kind), ErrorCode.NOT_FOUND)


def _not_found_kind(error: ObjectDoesNotExist) -> str:
    # `Organization.DoesNotExist` -> "Organization"; a bare ObjectDoesNotExist -> "Object".
    owner, _, name = type(error).__qualname__.rpartition(".")
    return owner if owner and name == "DoesNotExist" else "Object"


# Domain exceptions that are the client's fault, and the code each one means.
# Order matters: subclasses before their bases.
EXPECTED_ERRORS: tuple[tuple[type[Exception], ErrorCode], ...] = (
    (TokenExpiredError, ErrorCode.TOKEN_EXPIRED),
    (RefreshTokenReusedError, ErrorCode.REFRESH_TOKEN_REUSED),
    (OriginNotAllowedError, ErrorCode.ORIGIN_NOT_ALLOWED),
    (CsrfTokenInvalidError, ErrorCode.CSRF_TOKEN_INVALID),
    (TokenInvalidError, ErrorCode.TOKEN_INVALID),
    (DpopProofRequiredError, ErrorCode.DPOP_PROOF_REQUIRED),
    (DpopProofInvalidError, ErrorCode.DPOP_PROOF_INVALID),
    (DpopProofReplayedError, ErrorCode.DPOP_PROOF_REPLAYED),
    (DpopProofTargetMismatchError, ErrorCode.DPOP_PROOF_TARGET_MISMATCH),
    (DpopKeyMismatchError, ErrorCode.DPOP_KEY_MISMATCH),
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
    formatted["message"] = one_of_message(formatted["message"])
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
        if isinstance(original, ObjectDoesNotExist):
            formatted["message"] = not_found_message(_not_found_kind(original))
        if isinstance(original, RateLimitedError):
            extensions["retryAfter"] = original.retry_after
            throttle_refused("accounts")
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
