"""/.well-known/jwks.json: the published verifying keys (config/jwks.py)."""

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from accounts.tokens import access_token_issue, key_id
from tests.conftest import key_pair_pem

JWKS_URL = "/.well-known/jwks.json"


@pytest.fixture(params=["rs256", "es256"])
def asymmetric(request):
    """Run the test once with RS256 and once with ES256 keys."""
    return request.param.upper(), request.getfixturevalue(request.param)


def test_the_current_key_is_published_with_kid_alg_and_use(client, asymmetric, user):
    # given
    algorithm, keys = asymmetric
    token = access_token_issue(user=user).token

    # when
    response = client.get(JWKS_URL)

    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "application/jwk-set+json"
    [jwk] = response.json()["keys"]
    assert (jwk["kid"], jwk["alg"], jwk["use"]) == (key_id(keys.public_pem), algorithm, "sig")
    assert jwk["kty"] == ("RSA" if algorithm == "RS256" else "EC")
    assert jwt.get_unverified_header(token)["kid"] == jwk["kid"]
    # The published key alone verifies the token.
    public_key = jwt.PyJWK(jwk).key
    assert jwt.decode(token, public_key, algorithms=[algorithm])["user_id"] == str(user.pk)


def test_no_private_part_is_ever_published(client, asymmetric):
    # when
    keys = client.get(JWKS_URL).json()["keys"]

    # then: RFC 7518's private members of RSA and EC keys
    private_members = {"d", "p", "q", "dp", "dq", "qi", "oth", "k"}
    assert all(not private_members & set(jwk) for jwk in keys)


def test_previous_keys_are_published_after_the_current_one(client, settings, es256):
    # given: a rotation, the old key kept to verify
    old = es256
    new = key_pair_pem(ec.generate_private_key(ec.SECP256R1()))
    settings.JWT_SIGNING_KEY = new.private_pem
    settings.JWT_VERIFYING_KEY = new.public_pem
    settings.JWT_PREVIOUS_VERIFYING_KEYS = (old.public_pem,)

    # when
    keys = client.get(JWKS_URL).json()["keys"]

    # then
    assert [jwk["kid"] for jwk in keys] == [key_id(new.public_pem), key_id(old.public_pem)]


def test_caching_headers_and_a_304_for_the_same_etag(client, settings, rs256):
    # given
    settings.JWT_JWKS_MAX_AGE = 600
    first = client.get(JWKS_URL)

    # when
    again = client.get(JWKS_URL, headers={"If-None-Match": first["ETag"]})
    weak = client.get(JWKS_URL, headers={"If-None-Match": f'"other", W/{first["ETag"]}'})
    other = client.get(JWKS_URL, headers={"If-None-Match": '"other"'})

    # then
    assert first["Cache-Control"] == "public, max-age=600"
    assert first["ETag"].startswith('"') and first["ETag"].endswith('"')
    assert (again.status_code, again.content) == (304, b"")
    assert again["ETag"] == first["ETag"]
    assert weak.status_code == 304
    assert other.status_code == 200 and other.content == first.content


def test_the_etag_changes_with_the_keys(client, settings, es256):
    # given
    before = client.get(JWKS_URL)["ETag"]

    # when
    settings.JWT_PREVIOUS_VERIFYING_KEYS = (
        key_pair_pem(ec.generate_private_key(ec.SECP256R1())).public_pem,
    )
    after = client.get(JWKS_URL)["ETag"]

    # then
    assert before != after


def test_hs256_publishes_nothing(client, settings):
    # given: the default algorithm, a shared secret
    assert settings.JWT_ALGORITHM == "HS256"

    # when
    response = client.get(JWKS_URL)

    # then
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"
    assert settings.JWT_SIGNING_KEY not in response.content.decode()


def test_only_safe_methods_are_answered(client, rs256):
    # when
    response = client.post(JWKS_URL)

    # then
    assert response.status_code == 405
