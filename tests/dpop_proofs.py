"""A minimal DPoP client for the tests: a key pair that signs proofs (RFC 9449)."""

import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from jwt.algorithms import OKPAlgorithm, get_default_algorithms

from accounts.dpop import access_token_hash, jwk_thumbprint

GRAPHQL_URL = "http://testserver/graphql/"
# PyJWT names Ed25519 EdDSA only; RFC 9864's name signs the same way.
_JWS = jwt.PyJWS()
_JWS.register_algorithm("Ed25519", OKPAlgorithm())


def _new_key(algorithm: str):
    if algorithm == "ES256":
        return ec.generate_private_key(ec.SECP256R1())
    if algorithm == "RS256":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    # EdDSA, Ed25519
    return ed25519.Ed25519PrivateKey.generate()


@dataclass
class DpopKey:
    """A client's DPoP key pair; `proof()` makes a fresh proof for one request."""

    algorithm: str = "ES256"
    private_key: Any = field(default=None)

    def __post_init__(self) -> None:
        if self.private_key is None:
            self.private_key = _new_key(self.algorithm)

    @property
    def public_jwk(self) -> dict[str, Any]:
        implementation = get_default_algorithms()[self.algorithm.replace("Ed25519", "EdDSA")]
        return implementation.to_jwk(self.private_key.public_key(), as_dict=True)

    @property
    def thumbprint(self) -> str:
        return jwk_thumbprint(self.public_jwk)

    def proof(
        self,
        *,
        htm: str = "POST",
        htu: str = GRAPHQL_URL,
        access_token: str | None = None,
        header: dict[str, Any] | None = None,
        **claims: Any,
    ) -> str:
        payload = {"jti": uuid.uuid4().hex, "htm": htm, "htu": htu, "iat": int(time.time())}
        if access_token is not None:
            payload["ath"] = access_token_hash(access_token)
        payload.update(claims)
        payload = {name: value for name, value in payload.items() if value is not None}
        headers = {"typ": "dpop+jwt", "jwk": self.public_jwk, **(header or {})}
        headers = {name: value for name, value in headers.items() if value is not None}
        body = json.dumps(payload, separators=(",", ":")).encode()
        return _JWS.encode(body, self.private_key, algorithm=self.algorithm, headers=headers)
