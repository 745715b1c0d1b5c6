"""Cookie mode in the token mutations: where the refresh token comes from and goes to.

The mechanism (cookie attributes, Origin and CSRF checks) is accounts.refresh_cookie;
this module only decides, per mutation, between the body and the cookie.
"""

from collections.abc import Callable
from typing import TypeVar

from accounts.exceptions import AuthenticationError, TokenInvalidError
from accounts.refresh_cookie import (
    csrf_token_for,
    refresh_cookie_clear,
    refresh_cookie_csrf_check,
    refresh_cookie_read,
    refresh_cookie_set,
)
from accounts.services import TokenPair
from schema.core.errors import ApiError, ErrorCode

Result = TypeVar("Result")

NO_REFRESH_TOKEN_MESSAGE = (
    "No refresh token: pass `refreshToken`, or (cookie mode) send the refresh cookie "
    "with the request (fetch's credentials: 'include', to /graphql/token/)."
)


def token_pair_payload(payload_class, pair: TokenPair, *, request, in_cookie: bool):
    """The payload of a token pair: the refresh token in the body, or in the cookie."""
    csrf_token = None
    refresh_token = pair.refresh_token
    if in_cookie:
        refresh_cookie_set(
            request, refresh_token=pair.refresh_token, expires_at=pair.refresh_expires_at
        )
        csrf_token, refresh_token = csrf_token_for(pair.access.payload["sid"]), None
    return payload_class(
        token=pair.access.token,
        token_expires_at=pair.access.expires_at,
        refresh_token=refresh_token,
        refresh_token_expires_at=pair.refresh_expires_at,
        csrf_token=csrf_token,
        claims=pair.access.payload,
        payload=pair.access.payload,
        user=pair.user,
    )


def with_cookie_refresh_token(request, use: Callable[[str], Result]) -> Result:
    """`use` the refresh token of the cookie, once Origin and X-CSRF-Token are checked.

    A refusal of the token itself (expired, invalid, reused) clears the cookie,
    which can no longer do anything; a failed Origin or CSRF check leaves it.
    """
    refresh_token = refresh_cookie_read(request)
    if refresh_token is None:
        raise ApiError(NO_REFRESH_TOKEN_MESSAGE, ErrorCode.UNAUTHENTICATED)
    try:
        refresh_cookie_csrf_check(request, refresh_token=refresh_token)
    except TokenInvalidError:
        refresh_cookie_clear(request)  # No such token: the cookie is junk.
        raise
    try:
        return use(refresh_token)
    except AuthenticationError:
        refresh_cookie_clear(request)
        raise
