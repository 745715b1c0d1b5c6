"""Cookie mode: the refresh token in an HttpOnly cookie, guarded by Origin and a CSRF header.

Opt-in per sign-in (`tokenAuth(refreshTokenInCookie: true)`, and
`changePassword(refreshTokenInCookie: true)` for the sign-in it starts). The refresh token
then never reaches JavaScript: it lives in `__Secure-refresh_token`, HttpOnly,
Secure, SameSite (REFRESH_TOKEN_COOKIE_SAMESITE, Strict by default), with no
Domain, scoped to Path=/graphql/token/: the same endpoint at a second URL that
only the token operations use. So the cookie is not sent with every API call,
and never with /admin/ (a `__Host-` cookie must have Path=/, which would send it
everywhere).

Only refreshToken and revokeToken with no argument read it, and only after two
checks: the request's Origin is an allowed origin (CORS_ALLOWED_ORIGINS) or the
API's own, and its X-CSRF-Token header carries the sign-in's CSRF value (a
double-submit value the body returned at sign-in and at each refresh, an HMAC
of the chain's id, which no other origin can read). Nothing else authenticates
with the cookie: API calls take `Authorization: Bearer` only.
"""

from datetime import datetime

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.crypto import constant_time_compare, salted_hmac

from accounts.exceptions import CsrfTokenInvalidError, OriginNotAllowedError, TokenInvalidError
from accounts.request_context import RefreshCookieChange, request_context
from accounts.selectors import refresh_token_session_id

REFRESH_COOKIE_NAME = "__Secure-refresh_token"
REFRESH_COOKIE_PATH = "/graphql/token/"
CSRF_HEADER = "X-CSRF-Token"
CSRF_SALT = "accounts.refresh_cookie.csrf"
# A refresh token is 43 characters; anything much longer is not one of ours.
_COOKIE_MAX_LENGTH = 100


def csrf_token_for(session_id: str, *, secret: str | None = None) -> str:
    """The CSRF value of a cookie-mode sign-in: an HMAC of its chain id (`sid`)."""
    return salted_hmac(CSRF_SALT, session_id, secret=secret, algorithm="sha256").hexdigest()


def request_origin_check(request: HttpRequest) -> None:
    """Refuse a request whose Origin is neither an allowed origin nor the API's own."""
    origin = request.headers.get("Origin", "")
    if origin and origin != "null":
        if origin in settings.CORS_ALLOWED_ORIGINS:
            return
        if origin == f"{request.scheme}://{request.get_host()}":
            return
    raise OriginNotAllowedError()


def refresh_cookie_read(request: HttpRequest) -> str | None:
    """The refresh token in the request's cookie, or None."""
    value = request.COOKIES.get(REFRESH_COOKIE_NAME, "")
    if not value or len(value) > _COOKIE_MAX_LENGTH:
        return None
    return value


def refresh_cookie_csrf_check(request: HttpRequest, *, refresh_token: str) -> None:
    """The checks before the cookie's refresh token may be used: Origin, then X-CSRF-Token."""
    request_origin_check(request)
    session_id = refresh_token_session_id(refresh_token=refresh_token)
    if session_id is None:
        raise TokenInvalidError("The refresh cookie is invalid. Sign in again.")
    sent = request.headers.get(CSRF_HEADER, "")
    if not sent or not any(
        constant_time_compare(sent, csrf_token_for(session_id, secret=secret))
        for secret in [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
    ):
        raise CsrfTokenInvalidError()


def refresh_cookie_set(request: HttpRequest, *, refresh_token: str, expires_at: datetime) -> None:
    """Have the response set the refresh cookie (written by refresh_cookie_apply)."""
    request_context(request).refresh_cookie = RefreshCookieChange(
        value=refresh_token, expires_at=expires_at
    )


def refresh_cookie_clear(request: HttpRequest) -> None:
    """Have the response clear the refresh cookie."""
    request_context(request).refresh_cookie = RefreshCookieChange(value=None)


def refresh_cookie_apply(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """Write the cookie change a token mutation of this request asked for, if any."""
    change = request_context(request).refresh_cookie
    if change is None:
        return response
    samesite = settings.REFRESH_TOKEN_COOKIE_SAMESITE
    if change.value is None:
        response.delete_cookie(REFRESH_COOKIE_NAME, path=REFRESH_COOKIE_PATH, samesite=samesite)
    else:
        response.set_cookie(
            REFRESH_COOKIE_NAME,
            change.value,
            expires=change.expires_at,
            path=REFRESH_COOKIE_PATH,
            secure=True,
            httponly=True,
            samesite=samesite,
        )
    return response
