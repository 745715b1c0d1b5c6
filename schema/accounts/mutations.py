"""Sign-in mutations: tokenAuth, refreshToken, verifyToken, revokeToken,
revokeAllTokens and changePassword (revokeSession: schema/accounts/sessions.py).

The first four need no signed-in user, so a stale Authorization header the
client still sends never breaks them. revokeAllTokens and changePassword act on
the signed-in user and need a valid access token.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import graphene
from graphene.types.generic import GenericScalar

from accounts.authentication import access_token_authenticate
from accounts.exceptions import RateLimitedError, RefreshTokenReusedError
from accounts.refresh_cookie import refresh_cookie_clear, request_origin_check
from accounts.services import (
    token_obtain,
    token_refresh,
    token_revoke,
    token_revoke_all,
    user_password_change,
)
from accounts.validators import PASSWORD_MAX_LENGTH
from config.metrics import refresh_reuse_counted, sign_in_counted
from schema.accounts.cookie_mode import token_pair_payload, with_cookie_refresh_token
from schema.accounts.errors import AccountBaseMutation
from schema.accounts.sessions import SessionsMutation
from schema.accounts.types import (
    PAYLOAD_DEPRECATION,
    TokenClaims,
    TokenPairFields,
    token_pair_fields,
)
from schema.core.auth import login_required


@contextmanager
def sign_in_outcome_counted() -> Iterator[None]:
    """Count a tokenAuth call's outcome for /metrics (config/metrics.py)."""
    try:
        yield
    except RateLimitedError:
        sign_in_counted("throttled")
        raise
    except Exception:
        sign_in_counted("failed")
        raise
    sign_in_counted("succeeded")


def reuse_counted(refresh: Callable[[], object]):
    """Run `refresh`, counting a REFRESH_TOKEN_REUSED refusal for /metrics."""
    try:
        return refresh()
    except RefreshTokenReusedError:
        refresh_reuse_counted()
        raise


class TokenAuth(TokenPairFields, graphene.Mutation):
    class Meta:
        description = (
            "Sign in with a username and password. Wrong credentials get one "
            "INVALID_CREDENTIALS error whether or not the user exists."
        )

    class Arguments:
        username = graphene.String(
            required=True, description="The user's username (at most 150 characters)."
        )
        password = graphene.String(
            required=True,
            description=(
                f"The user's password (at most {PASSWORD_MAX_LENGTH} characters; a longer "
                "one is BAD_USER_INPUT, before any attempt is counted)."
            ),
        )
        refresh_token_in_cookie = graphene.Boolean(
            default_value=False,
            description=(
                "Cookie mode, for browser apps: the refresh token goes in an HttpOnly cookie "
                "(Path=/graphql/token/) instead of the body, and `csrfToken` comes back for "
                "the X-CSRF-Token header. Needs a browser request from an allowed origin "
                '(else ORIGIN_NOT_ALLOWED) with credentials; README, "Browser apps".'
            ),
        )

    @classmethod
    def mutate(cls, root, info, username: str, password: str, refresh_token_in_cookie: bool | None):
        if refresh_token_in_cookie:
            request_origin_check(info.context)
        with sign_in_outcome_counted():
            pair = token_obtain(username=username, password=password, request=info.context)
        return token_pair_payload(
            cls, pair, request=info.context, in_cookie=bool(refresh_token_in_cookie)
        )


class RefreshToken(TokenPairFields, graphene.Mutation):
    class Meta:
        description = (
            "Trade a refresh token for a new access token and a new refresh token. "
            "The one presented is revoked; presenting it again ends the whole sign-in "
            "(REFRESH_TOKEN_REUSED), except within the reuse interval "
            "(JWT_REFRESH_TOKEN_REUSE_INTERVAL seconds), which returns the same new pair."
        )

    class Arguments:
        refresh_token = graphene.String(
            description=(
                "The refresh token from tokenAuth or the last refresh. Omitted: cookie mode, "
                "the refresh cookie is used, with the X-CSRF-Token header (CSRF_TOKEN_INVALID "
                "without it) from an allowed Origin (ORIGIN_NOT_ALLOWED); no cookie is "
                "UNAUTHENTICATED."
            )
        )

    @classmethod
    def mutate(cls, root, info, refresh_token: str | None = None):
        request = info.context
        if refresh_token is not None:
            pair = reuse_counted(
                lambda: token_refresh(refresh_token=refresh_token, request=request)
            )
            return token_pair_payload(cls, pair, request=request, in_cookie=False)
        pair = reuse_counted(
            lambda: with_cookie_refresh_token(
                request, lambda token: token_refresh(refresh_token=token, request=request)
            )
        )
        return token_pair_payload(cls, pair, request=request, in_cookie=True)


class VerifyToken(graphene.Mutation):
    class Meta:
        description = (
            "Check an access token: its claims when it is valid and its user active, "
            "else TOKEN_EXPIRED or TOKEN_INVALID."
        )

    class Arguments:
        token = graphene.String(required=True, description="The access token to check.")

    claims = graphene.Field(
        TokenClaims, required=True, description="The access token's claims, decoded."
    )
    payload = GenericScalar(
        required=True,
        description="The access token's claims as untyped JSON.",
        deprecation_reason=PAYLOAD_DEPRECATION,
    )

    @classmethod
    def mutate(cls, root, info, token: str):
        claims = access_token_authenticate(token).payload
        return cls(claims=claims, payload=claims)


class RevokeToken(graphene.Mutation):
    class Meta:
        description = (
            "Sign out: end the sign-in (session) that this refresh token belongs to. Its "
            "refresh tokens and its access tokens stop working at once."
        )

    class Arguments:
        refresh_token = graphene.String(
            description=(
                "A refresh token of the sign-in. Omitted: cookie mode, as refreshToken; the "
                "cookie is cleared."
            )
        )

    revoked = graphene.Boolean(required=True, description="True once the sign-in has ended.")

    @classmethod
    def mutate(cls, root, info, refresh_token: str | None = None):
        if refresh_token is not None:
            token_revoke(refresh_token=refresh_token, request=info.context)
            return cls(revoked=True)
        with_cookie_refresh_token(
            info.context, lambda token: token_revoke(refresh_token=token, request=info.context)
        )
        refresh_cookie_clear(info.context)
        return cls(revoked=True)


class RevokeAllTokens(graphene.Mutation):
    class Meta:
        description = (
            "Sign out everywhere: end every sign-in of the signed-in user. Every refresh "
            "token and every access token already issued, this request's included, "
            "stops working at once."
        )

    revoked = graphene.Boolean(
        required=True, description="True once every sign-in of the user has ended."
    )

    @classmethod
    @login_required
    def mutate(cls, root, info):
        token_revoke_all(user=info.context.user, request=info.context)
        return cls(revoked=True)


class ChangePassword(token_pair_fields(required=False), AccountBaseMutation):
    class Meta:
        description = (
            "Change the signed-in user's password. Every other sign-in of the user ends "
            "at once (access tokens included); this one continues with the new token "
            "pair returned here, which replaces the tokens the client held (in cookie "
            "mode, pass `refreshTokenInCookie: true`: the new refresh token replaces the "
            "cookie's). A wrong old password or a new one that fails the password rules "
            "comes back in `errors` (PASSWORD_INCORRECT on oldPassword; "
            "PASSWORD_TOO_SHORT, ... on newPassword)."
        )

    class Arguments:
        old_password = graphene.String(
            required=True,
            description=f"The current password (at most {PASSWORD_MAX_LENGTH} characters).",
        )
        new_password = graphene.String(
            required=True,
            description=(
                "The new password; it must pass the server's password validators "
                f"(at most {PASSWORD_MAX_LENGTH} characters)."
            ),
        )
        refresh_token_in_cookie = graphene.Boolean(
            default_value=False,
            description=(
                "Cookie mode, as in tokenAuth: the new refresh token goes in the HttpOnly "
                "cookie (replacing the one the password change ended) instead of the body, "
                "and `csrfToken` comes back. Needs an allowed origin (else "
                "ORIGIN_NOT_ALLOWED, before the password is checked) and credentials."
            ),
        )

    @classmethod
    @login_required
    def perform_mutation(
        cls,
        root,
        info,
        old_password: str,
        new_password: str,
        refresh_token_in_cookie: bool | None = False,
    ):
        if refresh_token_in_cookie:
            request_origin_check(info.context)
        pair = user_password_change(
            user=info.context.user,
            old_password=old_password,
            new_password=new_password,
            request=info.context,
        )
        return token_pair_payload(
            cls, pair, request=info.context, in_cookie=bool(refresh_token_in_cookie)
        )


class AccountsMutation(SessionsMutation, graphene.ObjectType):
    token_auth = TokenAuth.Field()
    refresh_token = RefreshToken.Field()
    verify_token = VerifyToken.Field()
    revoke_token = RevokeToken.Field()
    revoke_all_tokens = RevokeAllTokens.Field()
    change_password = ChangePassword.Field()
