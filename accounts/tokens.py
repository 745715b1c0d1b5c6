"""Access tokens: short-lived signed JWTs, issued and verified here only.

Verification is strict where django-graphql-jwt's defaults are lax: expiry is
always checked; every claim we issue is required (and `iss`/`aud` when
configured) with the type we issue it with; the algorithm is the configured one,
whatever the token's header says. Settings are read at call time.

Key rotation: each token names the key that signed it in its `kid` header, and
is verified with that key only: the current one or one of
JWT_PREVIOUS_VERIFYING_KEYS, never an unknown one. A token without `kid`
(issued before kids existed) tries the current key, then the previous ones.

Clocks: `iat`, `nbf` and `exp` are checked with JWT_LEEWAY seconds of leeway,
so a token minted by a server whose clock runs a little ahead is not refused.
Encoding: only the canonical base64url form of a token is accepted (no `=`
padding, no stray bits in the last character), so no token has two spellings.
"""

import binascii
import copy
import hashlib
import hmac
import re
import threading
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

import jwt
from django.conf import settings
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from jwt.algorithms import get_default_algorithms
from jwt.utils import base64url_decode, base64url_encode

from accounts.exceptions import TokenExpiredError, TokenInvalidError

ACCESS_TOKEN_TYPE = "access"
# The JOSE header `typ` of every access token (RFC 9068): a verifier elsewhere
# tells an access token from any other JWT by it, before reading a claim.
ACCESS_TOKEN_JOSE_TYPE = "at+jwt"
# What PyJWT wrote by default, in the tokens signed before this one was set.
LEGACY_JOSE_TYPE = "JWT"
# DPoP (accounts.dpop): a bound token names its key's thumbprint in `cnf.jkt`.
CONFIRMATION_CLAIM = "cnf"
# Each claim we issue, with the type it must have. `token_version` is the user's
# counter at issue time: bumping it (logout everywhere, password change) ends
# every access token already issued. `pwd` fingerprints the password hash, so a
# password changed by any means (admin, manage.py, set_password) ends them too.
# `sid` names the session (the sign-in chain's family): ending the session ends
# its access tokens (accounts.sessions).
CLAIM_TYPES: dict[str, type] = {
    "user_id": str,
    "username": str,
    "token_type": str,
    "jti": str,
    "iat": int,
    "exp": int,
    "origIat": int,
    "token_version": int,
    "pwd": str,
    "sid": str,
}
REQUIRED_CLAIMS = list(CLAIM_TYPES)
SESSION_CLAIM = "sid"
# One segment of a compact JWS: base64url's alphabet, unpadded, never empty.
_SEGMENT = re.compile(r"[A-Za-z0-9_-]+")
PASSWORD_FINGERPRINT_SALT = "accounts.tokens.password_fingerprint"


@dataclass(frozen=True)
class AccessToken:
    token: str
    payload: dict[str, Any]
    expires_at: datetime


@lru_cache(maxsize=8)
def _prepared_key(algorithm: str, key: str) -> Any:
    # Parsing a PEM key is slow; the settings' keys are parsed once per process.
    return get_default_algorithms()[algorithm].prepare_key(key)


@lru_cache(maxsize=8)
def key_id(verifying_key: str) -> str:
    """The `kid` of a key: a short name that says which key signed, and nothing about it.

    For an HS256 secret it is an HMAC keyed by the secret itself (no more use to
    an attacker than any token's signature); for a public key, a digest of it.
    """
    if verifying_key.startswith("-----BEGIN"):
        digest = hashlib.sha256(verifying_key.strip().encode()).hexdigest()
    else:
        digest = hmac.new(verifying_key.encode(), b"jwt-key-id", hashlib.sha256).hexdigest()
    return digest[:16]


def _verifying_keys() -> dict[str, str]:
    # The current key first: a token without `kid` tries the keys in this order.
    keys = {key_id(settings.JWT_VERIFYING_KEY): settings.JWT_VERIFYING_KEY}
    for key in settings.JWT_PREVIOUS_VERIFYING_KEYS:
        keys.setdefault(key_id(key), key)
    return keys


def _unverified_header(token: str) -> dict[str, Any]:
    try:
        return jwt.get_unverified_header(token)
    except jwt.PyJWTError as error:
        raise TokenInvalidError() from error


def _candidate_keys(header: dict[str, Any]) -> list[str]:
    """The keys that may have signed the token of `header`: the one its `kid` names, else all."""
    keys = _verifying_keys()
    if "kid" not in header:
        return list(keys.values())
    kid = header["kid"]
    if not isinstance(kid, str) or kid not in keys:
        # Signed with a key removed from (or never in) the settings.
        raise TokenInvalidError()
    return [keys[kid]]


def password_fingerprint(user, *, secret: str | None = None) -> str:
    """A keyed digest of the user's password hash: changes whenever the password does.

    Like Django's session auth hash; it reveals nothing about the password.
    Keyed with SECRET_KEY unless `secret` is given.
    """
    return salted_hmac(
        PASSWORD_FINGERPRINT_SALT, user.password, secret=secret, algorithm="sha256"
    ).hexdigest()[:32]


def password_fingerprint_matches(user, fingerprint: str) -> bool:
    """Whether `fingerprint` is the user's, made with SECRET_KEY or one of its fallbacks.

    As Django does for sessions: rotating DJANGO_SECRET_KEY with the old key in
    DJANGO_SECRET_KEY_FALLBACKS signs nobody out. The fingerprint of the hash
    before its last upgrade (the same password, rehashed at sign-in) matches too.
    """
    if user.password_rehashed_from and constant_time_compare(
        fingerprint, user.password_rehashed_from
    ):
        return True
    return any(
        constant_time_compare(fingerprint, password_fingerprint(user, secret=secret))
        for secret in [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
    )


def _is_canonical_compact(token: str) -> bool:
    """Three base64url segments, each exactly as a base64url encoder writes it."""
    segments = token.split(".")
    if len(segments) != 3:
        return False
    for segment in segments:
        if not _SEGMENT.fullmatch(segment) or len(segment) % 4 == 1:
            return False
        try:
            # Stray bits in the last character decode to the same bytes; only
            # the canonical spelling encodes back to the text received.
            if base64url_encode(base64url_decode(segment)).decode() != segment:
                return False
        except (binascii.Error, ValueError):
            return False
    return True


def access_token_issue(
    *,
    user,
    orig_iat: int | None = None,
    session_id: str | None = None,
    dpop_jkt: str | None = None,
) -> AccessToken:
    """Sign a new access token for `user`; `orig_iat` carries the sign-in time.

    `session_id` is the sign-in chain's id (accounts.services pass it); without
    one (tests, tools) the token is a session of its own that no chain records.
    `dpop_jkt` binds the token to a DPoP key (its `cnf.jkt` claim).
    """
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
        "pwd": password_fingerprint(user),
        "sid": session_id or uuid.uuid4().hex,
    }
    if settings.JWT_ISSUER:
        payload["iss"] = settings.JWT_ISSUER
    if settings.JWT_AUDIENCE:
        payload["aud"] = settings.JWT_AUDIENCE
    if dpop_jkt is not None:
        payload[CONFIRMATION_CLAIM] = {"jkt": dpop_jkt}
    algorithm = settings.JWT_ALGORITHM
    key = _prepared_key(algorithm, settings.JWT_SIGNING_KEY)
    headers = {"kid": key_id(settings.JWT_VERIFYING_KEY), "typ": ACCESS_TOKEN_JOSE_TYPE}
    token = jwt.encode(payload, key, algorithm=algorithm, headers=headers)
    return AccessToken(token=token, payload=payload, expires_at=expires_at)


# Verified access tokens: a client sends the same one with each request until it
# expires, and PyJWT's parse and signature check were about a tenth of a signed-in
# page. Kept by the token and the settings that verified it (keys, issuer, audience);
# a kept token's expiry is checked again on every use. Only tokens that verified are
# kept, at most VERIFIED_TOKENS, least recently used out.
VERIFIED_TOKENS = 1024
_verified: OrderedDict[tuple, dict[str, Any]] = OrderedDict()
_verified_lock = threading.Lock()


def _now() -> float:
    return time.time()


def access_token_decode(token: str) -> dict[str, Any]:
    """Return the verified claims of an access token, or raise a token error."""
    key = (
        token,
        settings.JWT_ALGORITHM,
        settings.JWT_VERIFYING_KEY,
        tuple(settings.JWT_PREVIOUS_VERIFYING_KEYS),
        settings.JWT_ISSUER,
        settings.JWT_AUDIENCE,
    )
    with _verified_lock:
        payload = _verified.get(key)
        if payload is not None:
            _verified.move_to_end(key)
    if payload is None:
        payload = _access_token_verify(token)
        with _verified_lock:
            _verified[key] = payload
            if len(_verified) > VERIFIED_TOKENS:
                _verified.popitem(last=False)
    elif payload["exp"] <= _now() - settings.JWT_LEEWAY:  # PyJWT's own rule
        raise TokenExpiredError()
    return copy.deepcopy(payload)


def _access_token_verify(token: str) -> dict[str, Any]:
    if not _is_canonical_compact(token):
        raise TokenInvalidError()
    # `sid` is checked below, with its own answer.
    required = [claim for claim in REQUIRED_CLAIMS if claim != SESSION_CLAIM]
    if settings.JWT_ISSUER:
        required.append("iss")
    if settings.JWT_AUDIENCE:
        required.append("aud")
    algorithm = settings.JWT_ALGORITHM
    # Read once (PyJWT checks every character of it): the key's `kid`, then `typ`.
    header = _unverified_header(token)
    candidates = _candidate_keys(header)
    for position, key in enumerate(candidates, start=1):
        try:
            payload = jwt.decode(
                token,
                _prepared_key(algorithm, key),
                # A fixed list: the token's own `alg` header (`none`, HS256 signed
                # with the RS256 public key, ...) is never trusted. Previous keys
                # are of the same algorithm.
                algorithms=[algorithm],
                issuer=settings.JWT_ISSUER,
                audience=settings.JWT_AUDIENCE,
                # Clock skew between the servers that issue and those that verify.
                leeway=settings.JWT_LEEWAY,
                options={
                    "require": required,
                    "verify_signature": True,
                    "verify_exp": True,
                    "verify_iat": True,
                    "verify_nbf": True,
                },
            )
        except jwt.InvalidSignatureError as error:
            # The signature is checked before any claim: the next key may be the one.
            if position == len(candidates):
                raise TokenInvalidError() from error
        except jwt.ExpiredSignatureError as error:
            raise TokenExpiredError() from error
        except jwt.PyJWTError as error:
            raise TokenInvalidError() from error
        else:
            break
    typ = header.get("typ")
    if typ == LEGACY_JOSE_TYPE:
        # Signed by us before access tokens were typed (at most
        # JWT_ACCESS_TOKEN_LIFETIME ago): refreshed, like a token without `sid`.
        raise TokenExpiredError("The token predates typed access tokens; refresh it.")
    if typ != ACCESS_TOKEN_JOSE_TYPE:
        raise TokenInvalidError()
    if SESSION_CLAIM not in payload:
        # Signed by us before sessions existed (at most JWT_ACCESS_TOKEN_LIFETIME
        # ago): "expired" makes the client refresh, which issues one with `sid`,
        # instead of signing the user out at a deploy.
        raise TokenExpiredError("The token predates sessions; refresh it.")
    for claim, claim_type in CLAIM_TYPES.items():
        # bool is an int subclass; it is never a valid claim value here.
        value = payload[claim]
        if not isinstance(value, claim_type) or isinstance(value, bool):
            raise TokenInvalidError()
    if payload["token_type"] != ACCESS_TOKEN_TYPE:
        raise TokenInvalidError()
    if access_token_dpop_jkt(payload) == "":
        raise TokenInvalidError()
    return payload


def access_token_dpop_jkt(payload: dict[str, Any]) -> str | None:
    """The DPoP key thumbprint a verified token is bound to; None if unbound, "" if malformed."""
    if CONFIRMATION_CLAIM not in payload:
        return None
    confirmation = payload[CONFIRMATION_CLAIM]
    if not isinstance(confirmation, dict) or not isinstance(confirmation.get("jkt"), str):
        return ""
    return confirmation["jkt"]
