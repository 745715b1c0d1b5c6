"""Access tokens: short-lived signed JWTs, issued and verified here only.

Verification is strict where django-graphql-jwt's defaults are lax: expiry is
always checked; every claim we issue is required (and `iss`/`aud` when
configured) with the type we issue it with; the algorithm is the configured one,
whatever the token's header says. Settings are read at call time.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

import jwt
from django.conf import settings
from django.utils import timezone
from jwt.algorithms import get_default_algorithms

from accounts.exceptions import TokenExpiredError, TokenInvalidError

ACCESS_TOKEN_TYPE = "access"
# Each claim we issue, with the type it must have. `token_version` is the user's
# counter at issue time: bumping it (logout everywhere, password change) ends
# every access token already issued.
CLAIM_TYPES: dict[str, type] = {
    "user_id": str,
    "username": str,
    "token_type": str,
    "jti": str,
    "iat": int,
    "exp": int,
    "origIat": int,
    "token_version": int,
}
REQUIRED_CLAIMS = list(CLAIM_TYPES)


@dataclass(frozen=True)
class AccessToken:
    token: str
    payload: dict[str, Any]
    expires_at: datetime


@lru_cache(maxsize=8)
def _prepared_key(algorithm: str, key: str) -> Any:
    # Parsing a PEM key is slow; the settings' keys are parsed once per process.
    return get_default_algorithms()[algorithm].prepare_key(key)


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
        "token_version": user.token_version,
    }
    if settings.JWT_ISSUER:
        payload["iss"] = settings.JWT_ISSUER
    if settings.JWT_AUDIENCE:
        payload["aud"] = settings.JWT_AUDIENCE
    algorithm = settings.JWT_ALGORITHM
    key = _prepared_key(algorithm, settings.JWT_SIGNING_KEY)
    token = jwt.encode(payload, key, algorithm=algorithm)
    return AccessToken(token=token, payload=payload, expires_at=expires_at)


def access_token_decode(token: str) -> dict[str, Any]:
    """Return the verified claims of an access token, or raise a token error."""
    required = list(REQUIRED_CLAIMS)
    if settings.JWT_ISSUER:
        required.append("iss")
    if settings.JWT_AUDIENCE:
        required.append("aud")
    algorithm = settings.JWT_ALGORITHM
    try:
        payload = jwt.decode(
            token,
            _prepared_key(algorithm, settings.JWT_VERIFYING_KEY),
            # A fixed list: the token's own `alg` header (`none`, HS256 signed with
            # the RS256 public key, ...) is never trusted.
            algorithms=[algorithm],
            issuer=settings.JWT_ISSUER,
            audience=settings.JWT_AUDIENCE,
            options={
                "require": required,
                "verify_signature": True,
                "verify_exp": True,
                "verify_iat": True,
                "verify_nbf": True,
            },
        )
    except jwt.ExpiredSignatureError as error:
        raise TokenExpiredError() from error
    except jwt.PyJWTError as error:
        raise TokenInvalidError() from error
    for claim, claim_type in CLAIM_TYPES.items():
        # bool is an int subclass; it is never a valid claim value here.
        value = payload[claim]
        if not isinstance(value, claim_type) or isinstance(value, bool):
            raise TokenInvalidError()
    if payload["token_type"] != ACCESS_TOKEN_TYPE:
        raise TokenInvalidError()
    return payload
