"""Access tokens: short-lived signed JWTs, issued and verified here only.

Verification is strict where django-graphql-jwt's defaults are lax: expiry is
always checked, and `exp`, `iat`, `jti`, `user_id` and `token_type` are required.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import jwt
from django.conf import settings
from django.utils import timezone

from accounts.exceptions import TokenExpiredError, TokenInvalidError

ACCESS_TOKEN_TYPE = "access"
REQUIRED_CLAIMS = ["exp", "iat", "jti", "user_id", "username", "token_type", "origIat"]


@dataclass(frozen=True)
class AccessToken:
    token: str
    payload: dict[str, Any]
    expires_at: datetime


def access_token_issue(*, user, orig_iat: int | None = None) -> AccessToken:
    """Sign a new access token for `user`; `orig_iat` carries the sign-in time."""
    # Whole seconds, so `expires_at` is exactly the `exp` claim.
    now = timezone.now().replace(microsecond=0)
    expires_at = now + settings.JWT_ACCESS_TOKEN_LIFETIME
    issued_at = int(now.timestamp())
    payload: dict[str, Any] = {
        "user_id": str(user.pk),
        "username": user.get_username(),
        "token_type": ACCESS_TOKEN_TYPE,
        "jti": uuid.uuid4().hex,
        "iat": issued_at,
        "exp": int(expires_at.timestamp()),
        "origIat": orig_iat if orig_iat is not None else issued_at,
    }
    if settings.JWT_ISSUER:
        payload["iss"] = settings.JWT_ISSUER
    if settings.JWT_AUDIENCE:
        payload["aud"] = settings.JWT_AUDIENCE
    token = jwt.encode(payload, settings.JWT_SIGNING_KEY, algorithm=settings.JWT_ALGORITHM)
    return AccessToken(token=token, payload=payload, expires_at=expires_at)


def access_token_decode(token: str) -> dict[str, Any]:
    """Return the verified claims of an access token, or raise a token error."""
    required = list(REQUIRED_CLAIMS)
    if settings.JWT_ISSUER:
        required.append("iss")
    if settings.JWT_AUDIENCE:
        required.append("aud")
    try:
        payload = jwt.decode(
            token,
            settings.JWT_SIGNING_KEY,
            # A fixed list: the token's own `alg` header (`none`, ...) is never trusted.
            algorithms=[settings.JWT_ALGORITHM],
            issuer=settings.JWT_ISSUER,
            audience=settings.JWT_AUDIENCE,
            options={"require": required, "verify_exp": True, "verify_iat": True},
        )
    except jwt.ExpiredSignatureError as error:
        raise TokenExpiredError() from error
    except jwt.PyJWTError as error:
        raise TokenInvalidError() from error
    if payload["token_type"] != ACCESS_TOKEN_TYPE:
        raise TokenInvalidError()
    return payload
