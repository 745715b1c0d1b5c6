"""`/.well-known/jwks.json`: the public keys that verify access tokens, for other services.

RS256/ES256: the current key and every key in JWT_PREVIOUS_PUBLIC_KEYS (retired,
or published ahead of a rotation), each with `kid` (the `kid` header of the
tokens it signed, accounts.tokens.key_id), `alg` and `use: sig`.

HS256 publishes nothing: its key is a shared secret, and a verifier that held it
could sign tokens too. The URL answers 404 then (not an empty set), so a
misconfigured verifier fails at once with a clear answer instead of refusing
every token later.

Caching: `Cache-Control: public, max-age=JWT_JWKS_MAX_AGE` and an ETag (a
digest of the body; If-None-Match gets 304). A verifier may hold the set that
long: publish a new key at least that long before it starts signing (README,
"Verifying tokens elsewhere").
"""

import hashlib
import json
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_safe
from jwt.algorithms import get_default_algorithms

from accounts.tokens import key_id
from config.jwt_keys import ASYMMETRIC_ALGORITHMS

JWKS_MEDIA_TYPE = "application/jwk-set+json"


@lru_cache(maxsize=4)
def _jwks_body(algorithm: str, public_pems: tuple[str, ...]) -> bytes:
    # Keys are parsed once per process and set of settings.
    implementation = get_default_algorithms()[algorithm]
    keys = []
    for pem in public_pems:
        jwk = implementation.to_jwk(implementation.prepare_key(pem), as_dict=True)
        keys.append({**jwk, "kid": key_id(pem), "alg": algorithm, "use": "sig"})
    return json.dumps({"keys": keys}, separators=(",", ":"), sort_keys=True).encode()


def jwks_document() -> bytes | None:
    """The JSON Web Key Set of the verifying keys, current first; None for HS256."""
    if settings.JWT_ALGORITHM not in ASYMMETRIC_ALGORITHMS:
        return None
    pems = (settings.JWT_VERIFYING_KEY, *settings.JWT_PREVIOUS_VERIFYING_KEYS)
    return _jwks_body(settings.JWT_ALGORITHM, tuple(dict.fromkeys(pems)))


@require_safe
def jwks(request: HttpRequest) -> HttpResponse:
    """Serve the key set with caching headers (404 under HS256)."""
    body = jwks_document()
    if body is None:
        return JsonResponse(
            {
                "error": "not_found",
                "message": "This server signs with HS256 (a shared secret): it publishes no keys.",
            },
            status=404,
        )
    etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
    headers = {
        "Cache-Control": f"public, max-age={settings.JWT_JWKS_MAX_AGE}",
        "ETag": etag,
        # Any origin may read public keys (a verifier in a browser, for instance).
        "Access-Control-Allow-Origin": "*",
    }
    offered = _etags(request.headers.get("If-None-Match", ""))
    if "*" in offered or etag in offered:
        return HttpResponse(status=304, headers=headers)
    return HttpResponse(body, content_type=JWKS_MEDIA_TYPE, headers=headers)


def _etags(header: str) -> list[str]:
    # `W/"x"` matches `"x"` for If-None-Match (weak comparison, RFC 9110 13.1.2).
    if header.strip() == "*":
        return ["*"]
    return [item.strip().removeprefix("W/") for item in header.split(",")]
