"""A verifier that knows only the JWKS URL: PyJWT's PyJWKClient against gunicorn.

It accepts the project's access tokens before, during and after a key rotation
(ES256), and refuses everything else: a refresh token, an HS256 token, a token
signed by an unknown key, alg=none, another `typ`, a retired key once dropped.
The server is restarted on the same port with new keys, as a deploy would.
"""

import json
import urllib.error
import urllib.request
from contextlib import contextmanager

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from tests.conftest import key_pair_pem
from tests.live.conftest import DEMO_PASSWORD, DEMO_USERNAME, free_port, serve_gunicorn

pytestmark = pytest.mark.live

ISSUER = "https://api.example.test"
AUDIENCE = "example-services"
SIGN_IN = """
mutation($username: String!, $password: String!) {
  tokenAuth(username: $username, password: $password) { token refreshToken }
}
"""


def verify(client: jwt.PyJWKClient, token: str) -> dict:
    """What a resource server elsewhere runs: the README's recipe, nothing of this project."""
    if jwt.get_unverified_header(token).get("typ") != "at+jwt":
        raise jwt.InvalidTokenError("not an access token")
    signing_key = client.get_signing_key_from_jwt(token)
    return jwt.decode(
        token,
        signing_key.key,
        algorithms=["ES256", "RS256"],
        audience=AUDIENCE,
        issuer=ISSUER,
        options={"require": ["exp", "iat", "iss", "aud"]},
    )


@contextmanager
def es256_server(root, port: int, current, previous=()):
    """gunicorn signing with `current`, verifying with `previous` too."""
    yield from serve_gunicorn(
        root,
        port,
        JWT_ALGORITHM="ES256",
        JWT_PRIVATE_KEY=current.private_pem,
        JWT_PREVIOUS_PUBLIC_KEYS="".join(key.public_pem for key in previous),
        JWT_ISSUER=ISSUER,
        JWT_AUDIENCE=AUDIENCE,
    )


def sign_in(server) -> dict:
    body = json.dumps(
        {"query": SIGN_IN, "variables": {"username": DEMO_USERNAME, "password": DEMO_PASSWORD}}
    ).encode()
    request = urllib.request.Request(  # noqa: S310 (the loopback test server)
        server.graphql_url, data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        result = json.load(response)
    assert "errors" not in result, result
    return result["data"]["tokenAuth"]


def published_kids(server) -> list[str]:
    with urllib.request.urlopen(f"{server.url}/.well-known/jwks.json", timeout=10) as response:  # noqa: S310
        return [key["kid"] for key in json.load(response)["keys"]]


def forged_tokens(genuine: str) -> dict[str, str]:
    """Tokens with the genuine one's claims and `kid`, signed every wrong way."""
    claims = jwt.decode(genuine, options={"verify_signature": False})
    header = {"kid": jwt.get_unverified_header(genuine)["kid"], "typ": "at+jwt"}
    stranger = ec.generate_private_key(ec.SECP256R1())
    return {
        "hs256": jwt.encode(claims, "a-shared-secret-of-at-least-32-bytes!", "HS256", header),
        "unknown key": jwt.encode(claims, stranger, "ES256", {"kid": "unknown", "typ": "at+jwt"}),
        "unknown key, known kid": jwt.encode(claims, stranger, "ES256", header),
        "alg none": jwt.encode(claims, None, "none", header),
        "another typ": jwt.encode(claims, stranger, "ES256", {**header, "typ": "JWT"}),
    }


def test_a_jwks_only_verifier_follows_a_key_rotation(live_root):
    # given: keys A (current) and B (next), and a verifier that knows only the URL
    key_a = key_pair_pem(ec.generate_private_key(ec.SECP256R1()))
    key_b = key_pair_pem(ec.generate_private_key(ec.SECP256R1()))
    port = free_port()
    # PyJWKClient fetches the set again for an unknown kid, at most once per
    # cooldown (30 s by default; shorter here, as the phases are seconds apart).
    verifier = jwt.PyJWKClient(
        f"http://127.0.0.1:{port}/.well-known/jwks.json", cooldown_duration=0.5
    )

    # when / then: before the rotation, A signs
    with es256_server(live_root, port, key_a) as server:
        pair_a = sign_in(server)
        kid_a = jwt.get_unverified_header(pair_a["token"])["kid"]
        assert published_kids(server) == [kid_a]
        assert verify(verifier, pair_a["token"])["username"] == DEMO_USERNAME
        with pytest.raises(jwt.PyJWTError):
            verify(verifier, pair_a["refreshToken"])
        for name, forged in forged_tokens(pair_a["token"]).items():
            with pytest.raises(jwt.PyJWTError):
                verify(verifier, forged)
                pytest.fail(f"the verifier accepted a forged token: {name}")

    # during: B signs, A still verifies; the verifier fetches the set again for B's kid
    with es256_server(live_root, port, key_b, previous=[key_a]) as server:
        pair_b = sign_in(server)
        kid_b = jwt.get_unverified_header(pair_b["token"])["kid"]
        assert published_kids(server) == [kid_b, kid_a]
        assert verify(verifier, pair_b["token"])["username"] == DEMO_USERNAME
        assert verify(verifier, pair_a["token"])["username"] == DEMO_USERNAME

    # after: A is dropped; a verifier whose cached set expired refuses A's tokens
    with es256_server(live_root, port, key_b) as server:
        assert published_kids(server) == [kid_b]
        fresh = jwt.PyJWKClient(f"{server.url}/.well-known/jwks.json")
        assert verify(fresh, pair_b["token"])["username"] == DEMO_USERNAME
        with pytest.raises(jwt.PyJWKClientError):
            verify(fresh, pair_a["token"])


def test_the_key_set_is_cacheable(live_root):
    # given
    key = key_pair_pem(ec.generate_private_key(ec.SECP256R1()))
    with es256_server(live_root, free_port(), key) as server:
        url = f"{server.url}/.well-known/jwks.json"

        # when
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310
            etag, cache_control = response.headers["ETag"], response.headers["Cache-Control"]
        revalidation = urllib.request.Request(url, headers={"If-None-Match": etag})  # noqa: S310
        with pytest.raises(urllib.error.HTTPError) as not_modified:
            urllib.request.urlopen(revalidation, timeout=10)  # noqa: S310

        # then
        assert cache_control == "public, max-age=300"
        assert not_modified.value.code == 304


def test_hs256_publishes_no_keys(gunicorn_server):
    # when
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{gunicorn_server.url}/.well-known/jwks.json", timeout=10)  # noqa: S310

    # then
    assert refused.value.code == 404
