"""DPoP (RFC 9449): tokens bound to a key pair the client proves it holds, on every request.

Opt-in per sign-in: a `tokenAuth` request that carries a `DPoP` proof header
starts a chain bound to the proof's key (its RFC 7638 thumbprint, `jkt`): the
refresh chain stores it, every access token of the chain carries `cnf.jkt`.
Then every request with the token says `Authorization: DPoP <token>` plus a new
proof, and `refreshToken` needs a proof signed by the same key. A thief holding
a token but not the private key gets nothing from it.

A proof is checked (dpop_proof_verify): compact JWS of at most
PROOF_MAX_LENGTH characters, `typ: dpop+jwt`, `alg` in DPOP_ALGORITHMS, a
public `jwk` of that algorithm's key type (no private members), the signature,
`htm` and `htu` (scheme, host, port and path of this request; query and
fragment ignored), `iat` within DPOP_PROOF_MAX_AGE (plus JWT_LEEWAY either
side), and `ath` (the access token's hash) when a token comes with it. Its
`jti` is then recorded in the shared cache for as long as the proof could be
accepted, once per request, and only once the proof is about to be used (the
token it goes with verified, or the sign-in's password right): strangers
cannot fill the cache with entries.

Cost per request: one signature verification and one cache write.

The per-request state (the proof, why it was refused, whether its `jti` was
recorded) lives in accounts.request_context, so the view's authentication and
the services of tokenAuth/refreshToken/changePassword share one check.
"""

import binascii
import hashlib
import hmac
import json
import re
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import jwt
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from jwt.algorithms import OKPAlgorithm
from jwt.utils import base64url_decode, base64url_encode

from accounts.exceptions import (
    AuthenticationError,
    DpopError,
    DpopKeyMismatchError,
    DpopProofInvalidError,
    DpopProofReplayedError,
    DpopProofRequiredError,
    DpopProofTargetMismatchError,
)
from accounts.request_context import request_context

DPOP_SCHEME = "dpop"
PROOF_TYPE = "dpop+jwt"
# An RSA-4096 proof is about 1.5 KB; anything far larger is not a proof.
PROOF_MAX_LENGTH = 8192
JTI_MAX_LENGTH = 256
# RFC 7517/7518: the members that only a private (or symmetric) key has.
PRIVATE_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})
# The key type (and curve) each allowed algorithm signs with.
KEY_TYPES: dict[str, tuple[str, str | None]] = {
    "ES256": ("EC", "P-256"),
    "RS256": ("RSA", None),
    "EdDSA": ("OKP", "Ed25519"),
    # RFC 9864's fully specified name for EdDSA over Ed25519 (what npm's `dpop` sends).
    "Ed25519": ("OKP", "Ed25519"),
}
# PyJWT knows Ed25519 only as EdDSA: a JWS decoder that knows both names.
_JWS = jwt.PyJWS()
_JWS.register_algorithm("Ed25519", OKPAlgorithm())
# RFC 7638: the members of each key type that its thumbprint covers.
THUMBPRINT_MEMBERS = {
    "EC": ("crv", "kty", "x", "y"),
    "RSA": ("e", "kty", "n"),
    "OKP": ("crv", "kty", "x"),
}
RSA_MIN_BITS, RSA_MAX_BITS = 2048, 4096
DEFAULT_PORTS = {"http": 80, "https": 443}
UNRESERVED = re.compile(r"[A-Za-z0-9\-._~]")
PERCENT_ENCODED = re.compile(r"%([0-9A-Fa-f]{2})")
JTI_CACHE_PREFIX = "dpop-jti:"


@dataclass(frozen=True)
class DpopProof:
    """A verified proof: the key's thumbprint and the proof's unique id."""

    jkt: str
    jti: str


def _b64(data: bytes) -> str:
    return base64url_encode(data).decode()


def jwk_thumbprint(jwk: dict[str, Any]) -> str:
    """The RFC 7638 SHA-256 thumbprint of a public JWK, base64url (the `jkt`)."""
    members = THUMBPRINT_MEMBERS[jwk["kty"]]
    canonical = json.dumps({name: jwk[name] for name in members}, separators=(",", ":"))
    return _b64(hashlib.sha256(canonical.encode()).digest())


def access_token_hash(access_token: str) -> str:
    """The `ath` of a proof sent with `access_token`: base64url(SHA-256(token))."""
    return _b64(hashlib.sha256(access_token.encode("ascii", "replace")).digest())


def _invalid(message: str) -> DpopProofInvalidError:
    return DpopProofInvalidError(f"The DPoP proof is invalid: {message}.")


def _public_key(jwk: Any, algorithm: str):
    if not isinstance(jwk, dict):
        raise _invalid("its header has no `jwk` object")
    if PRIVATE_MEMBERS & jwk.keys():
        raise _invalid("its `jwk` holds private key material; send the public key only")
    key_type, curve = KEY_TYPES[algorithm]
    if jwk.get("kty") != key_type or (curve is not None and jwk.get("crv") != curve):
        raise _invalid(f"{algorithm} needs a {key_type} key" + (f" on {curve}" if curve else ""))
    if not all(isinstance(jwk.get(name), str) for name in THUMBPRINT_MEMBERS[key_type]):
        raise _invalid("its `jwk` lacks a member of its key type")
    try:
        public_key = jwt.PyJWK(jwk, algorithm="EdDSA" if key_type == "OKP" else algorithm).key
    except (jwt.PyJWTError, ValueError, TypeError, binascii.Error) as error:
        raise _invalid("its `jwk` is not a valid public key") from error
    if key_type == "RSA" and not RSA_MIN_BITS <= public_key.key_size <= RSA_MAX_BITS:
        raise _invalid(f"RSA keys must have {RSA_MIN_BITS} to {RSA_MAX_BITS} bits")
    return public_key


def _normalized_uri(uri: str) -> tuple[str, str, int, str] | None:
    """Scheme, host, port and path, normalised as RFC 3986 6.2.2-6.2.3 say; None if unusable."""
    try:
        parts = urlsplit(uri)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname or parts.username is not None:
        return None

    def percent(match: re.Match) -> str:
        character = chr(int(match.group(1), 16))
        return character if UNRESERVED.fullmatch(character) else f"%{match.group(1).upper()}"

    path = PERCENT_ENCODED.sub(percent, parts.path) or "/"
    return scheme, parts.hostname.lower(), port or DEFAULT_PORTS[scheme], path


def _is_compact(proof: str) -> bool:
    segments = proof.split(".")
    if len(segments) != 3 or not all(segments):
        return False
    try:
        return all(base64url_encode(base64url_decode(part)).decode() == part for part in segments)
    except (binascii.Error, ValueError):
        return False


def dpop_proof_verify(
    *, proof: str, method: str, url: str, access_token: str | None = None, now: float | None = None
) -> DpopProof:
    """Check a proof for a request (`method`, `url`), with `access_token` if one came.

    Raises a DpopError; records nothing (see dpop_proof_use for the `jti`).
    """
    if len(proof) > PROOF_MAX_LENGTH or not _is_compact(proof):
        raise _invalid("it is not one compact JWS")
    try:
        header = jwt.get_unverified_header(proof)
    except jwt.PyJWTError as error:
        raise _invalid("its header is not JSON") from error
    if header.get("typ") != PROOF_TYPE:
        raise _invalid(f"its header's `typ` must be {PROOF_TYPE!r}")
    algorithm = header.get("alg")
    if algorithm not in settings.DPOP_ALGORITHMS:
        raise _invalid(f"`alg` must be one of {', '.join(settings.DPOP_ALGORITHMS)}")
    public_key = _public_key(header.get("jwk"), algorithm)
    try:
        # The signature only: the claims are checked below, each with its own answer.
        claims = json.loads(_JWS.decode(proof, public_key, algorithms=[algorithm]))
    except jwt.InvalidSignatureError as error:
        raise _invalid("its signature does not match its `jwk`") from error
    except (jwt.PyJWTError, ValueError) as error:
        raise _invalid("it does not decode") from error
    if not isinstance(claims, dict):
        raise _invalid("its payload is not a JSON object")
    jti, htm, htu, iat = (claims.get(name) for name in ("jti", "htm", "htu", "iat"))
    if not isinstance(jti, str) or not 1 <= len(jti) <= JTI_MAX_LENGTH:
        raise _invalid(f"`jti` must be a string of 1 to {JTI_MAX_LENGTH} characters")
    if not isinstance(htm, str) or not isinstance(htu, str):
        raise _invalid("`htm` and `htu` must be strings")
    if not isinstance(iat, int) or isinstance(iat, bool):
        raise _invalid("`iat` must be an integer (seconds)")
    now = time.time() if now is None else now
    leeway = settings.JWT_LEEWAY
    if not now - settings.DPOP_PROOF_MAX_AGE - leeway <= iat <= now + leeway:
        raise _invalid(
            f"its `iat` is outside the accepted window ({settings.DPOP_PROOF_MAX_AGE} s); "
            "make a new proof, and check the client's clock"
        )
    if htm != method:
        raise DpopProofTargetMismatchError(
            f"The DPoP proof was made for {htm[:16]!r}; this request is {method}."
        )
    target = _normalized_uri(htu)
    if target is None or target != _normalized_uri(url):
        raise DpopProofTargetMismatchError(
            f"The DPoP proof's `htu` is not this request's URL ({url})."
        )
    if access_token is not None:
        ath = claims.get("ath")
        if not isinstance(ath, str) or not hmac.compare_digest(
            ath, access_token_hash(access_token)
        ):
            raise _invalid("its `ath` is not the hash of the access token sent with it")
    return DpopProof(jkt=jwk_thumbprint(header["jwk"]), jti=jti)


def _request_url(request: HttpRequest) -> str:
    # The host and scheme as Django sees them: ALLOWED_HOSTS, USE_X_FORWARDED_HOST
    # and SECURE_PROXY_SSL_HEADER decide, as for every absolute URL it builds.
    return request.build_absolute_uri(request.path)


def dpop_request_check(request: HttpRequest, *, access_token: str | None = None) -> None:
    """Verify the request's `DPoP` header, if any, once; the outcome goes to its context."""
    context = request_context(request)
    context.dpop_checked = True
    header = request.headers.get("DPoP")
    if header is None:
        return
    # Several DPoP headers arrive joined by commas; a proof has none.
    proof = header.strip()
    try:
        if "," in proof:
            raise _invalid("send exactly one DPoP header")
        context.dpop_proof = dpop_proof_verify(
            proof=proof, method=request.method, url=_request_url(request), access_token=access_token
        )
    except DpopError as error:
        context.dpop_failure = error


def dpop_request_proof(request: HttpRequest | None) -> DpopProof | None:
    """The request's verified proof, None if it sent none; raises why it was refused."""
    if request is None:
        return None
    context = request_context(request)
    if not context.dpop_checked:
        dpop_request_check(request)
    if context.dpop_failure is not None:
        raise dpop_refused(request, type(context.dpop_failure)(str(context.dpop_failure)))
    return context.dpop_proof


def dpop_refused(request: HttpRequest, error: AuthenticationError) -> AuthenticationError:
    """Note that `request` was refused for DPoP's sake (its answer gets a challenge)."""
    request_context(request).dpop_refusal = error
    return error


def dpop_proof_use(request: HttpRequest, proof: DpopProof) -> None:
    """Record the proof's `jti` in the shared cache (once per request); a replay is refused."""
    context = request_context(request)
    if context.dpop_recorded:
        return
    digest = hashlib.sha256(f"{proof.jkt}:{proof.jti}".encode()).hexdigest()
    # As long as a proof with this `iat` could be accepted, and no longer.
    lifetime = settings.DPOP_PROOF_MAX_AGE + 2 * settings.JWT_LEEWAY + 1
    if not cache.add(JTI_CACHE_PREFIX + digest, 1, timeout=lifetime):
        raise dpop_refused(request, DpopProofReplayedError())
    context.dpop_recorded = True


def dpop_request_key(request: HttpRequest | None) -> str | None:
    """The thumbprint of the key a new sign-in chain is bound to: the proof's, if one came."""
    proof = dpop_request_proof(request)
    if proof is None:
        return None
    dpop_proof_use(request, proof)
    return proof.jkt


def dpop_bound_use(request: HttpRequest | None, *, jkt: str) -> None:
    """Let a token (or chain) bound to `jkt` be used: a proof by that very key must come."""
    proof = dpop_request_proof(request)
    if request is None or proof is None:
        raise (
            dpop_refused(request, DpopProofRequiredError()) if request else DpopProofRequiredError()
        )
    if not hmac.compare_digest(proof.jkt, jkt):
        raise dpop_refused(request, DpopKeyMismatchError())
    dpop_proof_use(request, proof)


def dpop_challenge(request: HttpRequest) -> str | None:
    """The `WWW-Authenticate` value for a request refused for DPoP's sake, else None."""
    refusal = request_context(request).dpop_refusal
    if refusal is None:
        return None
    error = refusal.challenge if isinstance(refusal, DpopError) else "invalid_token"
    return f'DPoP error="{error}", algs="{" ".join(settings.DPOP_ALGORITHMS)}"'


def dpop_challenged(view):
    """Wrap `view` so that a DPoP refusal answers with its WWW-Authenticate header."""

    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        challenge = dpop_challenge(request)
        if challenge is not None:
            response["WWW-Authenticate"] = challenge
        return response

    return wrapped
