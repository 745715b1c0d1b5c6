"""Authentication from an access token, and of an HTTP request by its Authorization header.

`Bearer <token>` for a plain token; `DPoP <token>` plus a `DPoP` proof header
for a token bound to a key (accounts.dpop). A bound token sent as Bearer is refused.
"""

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest

from accounts.dpop import DPOP_SCHEME, dpop_bound_use, dpop_refused, dpop_request_check
from accounts.exceptions import AuthenticationError, DpopProofRequiredError, TokenInvalidError
from accounts.models import User
from accounts.selectors import user_get_active
from accounts.sessions import session_is_ended
from accounts.tokens import (
    access_token_decode,
    access_token_dpop_jkt,
    password_fingerprint_matches,
)

BEARER_SCHEME = "bearer"


@dataclass(frozen=True)
class AuthenticatedToken:
    user: User
    payload: dict[str, Any]


@dataclass(frozen=True)
class RequestAuthentication:
    """Who made a request, and why not when a token came but was refused."""

    user: User | AnonymousUser
    failure: AuthenticationError | None = None
    # The session (sign-in chain) the access token belongs to: its `sid`.
    session_id: str | None = None


def access_token_authenticate(token: str) -> AuthenticatedToken:
    """The active user an access token speaks for, or a token error."""
    payload = access_token_decode(token)
    # The only query: the user is needed anyway, and carries token_version and
    # the sessions ended lately.
    user = user_get_active(user_id=payload["user_id"])
    if user is None:
        raise TokenInvalidError("The token's user is inactive or no longer exists.")
    if payload["token_version"] != user.token_version:
        raise TokenInvalidError(
            "The token was revoked: signed out everywhere, or password changed."
        )
    if session_is_ended(user, payload["sid"]):
        raise TokenInvalidError("The token's session was ended: signed out or revoked.")
    if not password_fingerprint_matches(user, payload["pwd"]):
        raise TokenInvalidError("The password changed since the token was issued.")
    return AuthenticatedToken(user=user, payload=payload)


def request_authenticate(request: HttpRequest) -> RequestAuthentication:
    """Resolve the Bearer token of `request`; a missing or bad one means anonymous.

    Session cookies are deliberately ignored, so a cross-site form POST can never
    act as a user signed in to the admin.
    """
    header = request.headers.get("Authorization", "").strip()
    scheme, _, token = header.partition(" ")
    scheme, token = scheme.lower(), token.strip()
    # A proof alone is for tokenAuth/refreshToken; with `DPoP <token>` it covers the token.
    dpop_request_check(request, access_token=token if scheme == DPOP_SCHEME else None)
    if not header:
        return RequestAuthentication(user=AnonymousUser())
    if scheme not in (BEARER_SCHEME, DPOP_SCHEME) or not token:
        return RequestAuthentication(
            user=AnonymousUser(),
            failure=TokenInvalidError(
                "The Authorization header must be 'Bearer <access token>' or 'DPoP <access token>'."
            ),
        )
    try:
        authenticated = access_token_authenticate(token)
        _sender_check(request, scheme=scheme, payload=authenticated.payload)
    except AuthenticationError as error:
        if scheme == DPOP_SCHEME:
            dpop_refused(request, error)
        return RequestAuthentication(user=AnonymousUser(), failure=error)
    return RequestAuthentication(user=authenticated.user, session_id=authenticated.payload["sid"])


def _sender_check(request: HttpRequest, *, scheme: str, payload: dict[str, Any]) -> None:
    """A DPoP-bound token only with a proof by its key; a plain one only as Bearer."""
    jkt = access_token_dpop_jkt(payload)
    if scheme == BEARER_SCHEME:
        if jkt is not None:
            raise dpop_refused(request, DpopProofRequiredError())
        return
    if jkt is None:
        raise TokenInvalidError("The token is not bound to a DPoP key: send it as Bearer.")
    dpop_bound_use(request, jkt=jkt)
