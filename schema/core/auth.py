"""Login checks for resolvers: django-graphql-jwt's decorator, with our error codes.

The request's user was resolved once, before execution, by the view
(accounts.authentication.request_authenticate). The library's decorator checks
it; this wrapper only turns its bare PermissionDenied into UNAUTHENTICATED,
TOKEN_EXPIRED or TOKEN_INVALID, so a client knows whether to refresh or sign in.
"""

from functools import wraps

from graphene import ResolveInfo
from graphql_jwt import decorators as jwt_decorators
from graphql_jwt import exceptions as jwt_exceptions

from accounts.exceptions import AuthenticationError
from accounts.request_context import request_context
from schema.core.errors import ApiError, ErrorCode


def authentication_error(request) -> ApiError | AuthenticationError:
    """The error that says why `request` has no signed-in user."""
    failure = request_context(request).authentication_failure
    if failure is not None:
        # A fresh instance per field, so tracebacks do not pile up on one object.
        return type(failure)(str(failure))
    return ApiError("You must be signed in to do this.", ErrorCode.UNAUTHENTICATED)


def login_required(resolver):
    """Let `resolver` run only for a signed-in user."""
    guarded = jwt_decorators.login_required(resolver)

    @wraps(resolver)
    def wrapper(*args, **kwargs):
        try:
            return guarded(*args, **kwargs)
        except jwt_exceptions.PermissionDenied:
            info = next(arg for arg in args if isinstance(arg, ResolveInfo))
            raise authentication_error(info.context) from None

    return wrapper
