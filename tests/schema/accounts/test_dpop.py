"""DPoP through the API: opt-in per sign-in, bound tokens and chains, each refusal its code.

The client is tests/dpop_proofs.py (PyJWT); the npm `dpop` client runs the same
flow against a live server in tests/live/test_dpop_client.py.
"""

import hashlib
import time

import jwt
import pytest
from django.core.cache import cache

from accounts.dpop import JTI_CACHE_PREFIX
from accounts.models import RefreshToken
from tests.conftest import PASSWORD, error_codes
from tests.dpop_proofs import DpopKey
from tests.schema.accounts.queries import CHANGE_PASSWORD, ME, REFRESH_TOKEN, TOKEN_AUTH

SIGN_IN = {"username": "alice", "password": PASSWORD}
CLAIMS = """
mutation($username: String!, $password: String!) {
  tokenAuth(username: $username, password: $password) { claims { dpopKeyThumbprint } }
}
"""


@pytest.fixture
def key() -> DpopKey:
    return DpopKey("ES256")


def post(client, query, variables=None, *, authorization=None, proof=None, path="/graphql/"):
    headers = {}
    if authorization is not None:
        headers["Authorization"] = authorization
    if proof is not None:
        headers["DPoP"] = proof
    return client.post(
        path, {"query": query, "variables": variables or {}}, "application/json", headers=headers
    )


def dpop_sign_in(client, key) -> dict:
    result = post(client, TOKEN_AUTH, SIGN_IN, proof=key.proof()).json()
    assert "errors" not in result, result
    return result["data"]["tokenAuth"]


def me(client, token, key, **proof_claims):
    proof = key.proof(access_token=token, **proof_claims)
    return post(client, ME, authorization=f"DPoP {token}", proof=proof)


def test_a_sign_in_with_a_proof_is_bound_to_its_key(client, user, key):
    # when
    pair = dpop_sign_in(client, key)

    # then
    assert pair["payload"]["cnf"] == {"jkt": key.thumbprint}
    assert RefreshToken.objects.get().dpop_jkt == key.thumbprint
    claims = post(client, CLAIMS, SIGN_IN, proof=key.proof()).json()
    assert claims["data"]["tokenAuth"]["claims"] == {"dpopKeyThumbprint": key.thumbprint}


def test_a_bound_token_works_with_a_fresh_proof_by_its_key(client, user, key):
    # given
    token = dpop_sign_in(client, key)["token"]

    # when
    first = me(client, token, key)
    second = me(client, token, key)

    # then
    assert first.json() == second.json() == {"data": {"me": {"username": "alice"}}}
    assert "WWW-Authenticate" not in first


def test_a_replayed_proof_is_refused(client, user, key):
    # given
    token = dpop_sign_in(client, key)["token"]
    proof = key.proof(access_token=token)
    assert post(client, ME, authorization=f"DPoP {token}", proof=proof).json()["data"]["me"]

    # when
    replayed = post(client, ME, authorization=f"DPoP {token}", proof=proof)

    # then
    assert error_codes(replayed.json()) == ["DPOP_PROOF_REPLAYED"]
    assert (
        replayed["WWW-Authenticate"]
        == 'DPoP error="invalid_dpop_proof", algs="ES256 RS256 EdDSA Ed25519"'
    )


@pytest.mark.parametrize(
    "claims",
    [
        {"htm": "GET"},
        {"htu": "http://testserver/admin/"},
        {"htu": "https://testserver/graphql/"},
        {"htu": "http://evil.example/graphql/"},
    ],
)
def test_a_proof_for_another_method_or_url_is_refused(client, user, key, claims):
    # given
    token = dpop_sign_in(client, key)["token"]

    # when
    response = me(client, token, key, **claims)

    # then
    assert error_codes(response.json()) == ["DPOP_PROOF_TARGET_MISMATCH"]
    assert 'error="invalid_dpop_proof"' in response["WWW-Authenticate"]


def test_a_token_used_with_another_key_is_refused(client, user, key):
    # given: a thief has the token (and makes proofs for it) but not the key
    token = dpop_sign_in(client, key)["token"]
    thief = DpopKey("ES256")

    # when
    response = me(client, token, thief)

    # then
    assert error_codes(response.json()) == ["DPOP_KEY_MISMATCH"]
    assert 'error="invalid_token"' in response["WWW-Authenticate"]


def test_a_bound_token_sent_as_bearer_or_without_a_proof_is_refused(client, user, key):
    # given
    token = dpop_sign_in(client, key)["token"]

    # when
    as_bearer = post(client, ME, authorization=f"Bearer {token}")
    as_bearer_with_proof = post(
        client, ME, authorization=f"Bearer {token}", proof=key.proof(access_token=token)
    )
    no_proof = post(client, ME, authorization=f"DPoP {token}")

    # then
    for response in (as_bearer, as_bearer_with_proof, no_proof):
        assert error_codes(response.json()) == ["DPOP_PROOF_REQUIRED"]
        assert 'error="invalid_token"' in response["WWW-Authenticate"]


def test_a_proof_without_the_tokens_hash_is_refused(client, user, key):
    # given
    token = dpop_sign_in(client, key)["token"]

    # when
    no_ath = post(client, ME, authorization=f"DPoP {token}", proof=key.proof())

    # then
    assert error_codes(no_ath.json()) == ["DPOP_PROOF_INVALID"]


def test_a_bound_chain_refreshes_only_with_a_proof_by_its_key(client, user, key):
    # given
    refresh_token = dpop_sign_in(client, key)["refreshToken"]
    variables = {"refreshToken": refresh_token}

    # when
    without_proof = post(client, REFRESH_TOKEN, variables).json()
    other_key = post(client, REFRESH_TOKEN, variables, proof=DpopKey("ES256").proof()).json()
    right_key = post(client, REFRESH_TOKEN, variables, proof=key.proof()).json()

    # then: the refusals end nothing; the holder of the key refreshes
    assert error_codes(without_proof) == ["DPOP_PROOF_REQUIRED"]
    assert error_codes(other_key) == ["DPOP_KEY_MISMATCH"]
    pair = right_key["data"]["refreshToken"]
    assert pair["payload"]["cnf"] == {"jkt": key.thumbprint}
    assert me(client, pair["token"], key).json() == {"data": {"me": {"username": "alice"}}}
    assert set(RefreshToken.objects.values_list("dpop_jkt", flat=True)) == {key.thumbprint}


def test_a_refresh_proof_is_single_use(client, user, key):
    # given
    pair = dpop_sign_in(client, key)
    proof = key.proof()
    first = post(client, REFRESH_TOKEN, {"refreshToken": pair["refreshToken"]}, proof=proof)
    second_token = first.json()["data"]["refreshToken"]["refreshToken"]

    # when
    replayed = post(client, REFRESH_TOKEN, {"refreshToken": second_token}, proof=proof)

    # then
    assert error_codes(replayed.json()) == ["DPOP_PROOF_REPLAYED"]


def test_a_sign_in_with_a_bad_proof_is_refused_and_starts_nothing(client, user, key):
    # when
    stale = post(client, TOKEN_AUTH, SIGN_IN, proof=key.proof(iat=int(time.time()) - 3600))
    elsewhere = post(client, TOKEN_AUTH, SIGN_IN, proof=key.proof(htu="http://other/graphql/"))

    # then
    assert error_codes(stale.json()) == ["DPOP_PROOF_INVALID"]
    assert error_codes(elsewhere.json()) == ["DPOP_PROOF_TARGET_MISMATCH"]
    assert not RefreshToken.objects.exists()


def test_bearer_clients_are_unchanged(client, user):
    # when
    pair = post(client, TOKEN_AUTH, SIGN_IN).json()["data"]["tokenAuth"]
    bearer = post(client, ME, authorization=f"Bearer {pair['token']}")
    as_dpop = post(client, ME, authorization=f"DPoP {pair['token']}")
    refreshed = post(client, REFRESH_TOKEN, {"refreshToken": pair["refreshToken"]}).json()

    # then
    assert "cnf" not in pair["payload"]
    assert bearer.json() == {"data": {"me": {"username": "alice"}}}
    assert "WWW-Authenticate" not in bearer
    assert error_codes(as_dpop.json()) == ["TOKEN_INVALID"]
    assert "cnf" not in refreshed["data"]["refreshToken"]["payload"]


def test_a_password_change_keeps_the_sign_in_bound(client, user, key):
    # given: the proof authenticates the request and binds the new chain
    token = dpop_sign_in(client, key)["token"]
    variables = {"oldPassword": PASSWORD, "newPassword": "another-long-passphrase-7"}

    # when
    result = post(
        client,
        CHANGE_PASSWORD,
        variables,
        authorization=f"DPoP {token}",
        proof=key.proof(access_token=token),
    ).json()

    # then
    pair = result["data"]["changePassword"]
    assert pair["errors"] == []
    assert pair["payload"]["cnf"] == {"jkt": key.thumbprint}
    assert me(client, pair["token"], key).json() == {"data": {"me": {"username": "alice"}}}


def test_the_slashless_url_needs_its_own_htu(client, user, key):
    # given
    token = dpop_sign_in(client, key)["token"]
    proof = key.proof(access_token=token, htu="http://testserver/graphql")

    # when
    response = post(client, ME, authorization=f"DPoP {token}", proof=proof, path="/graphql")

    # then
    assert response.json() == {"data": {"me": {"username": "alice"}}}


def test_strangers_cannot_fill_the_replay_cache(client, user, key):
    # given: valid proofs, but wrong passwords or no valid token
    proofs = []
    for _ in range(20):
        proofs.append(key.proof())
        post(client, TOKEN_AUTH, {"username": "alice", "password": "wrong"}, proof=proofs[-1])
    forged = jwt.encode({"user_id": "1"}, "x" * 32, "HS256", headers={"typ": "at+jwt"})
    for _ in range(20):
        proofs.append(key.proof(access_token=forged))
        post(client, ME, authorization=f"DPoP {forged}", proof=proofs[-1])

    # then: no jti was recorded
    decoded = [jwt.decode(proof, options={"verify_signature": False}) for proof in proofs]
    keys = [
        JTI_CACHE_PREFIX + hashlib.sha256(f"{key.thumbprint}:{claims['jti']}".encode()).hexdigest()
        for claims in decoded
    ]
    assert cache.get_many(keys) == {}


def test_a_used_proofs_jti_is_recorded_for_a_bounded_time(client, user, key, settings):
    # given
    settings.DPOP_PROOF_MAX_AGE = 1
    settings.JWT_LEEWAY = 0
    token = dpop_sign_in(client, key)["token"]
    proof = key.proof(access_token=token)
    assert post(client, ME, authorization=f"DPoP {token}", proof=proof).json()["data"]["me"]
    jti = jwt.decode(proof, options={"verify_signature": False})["jti"]
    name = JTI_CACHE_PREFIX + hashlib.sha256(f"{key.thumbprint}:{jti}".encode()).hexdigest()
    assert cache.get(name) == 1

    # when
    time.sleep(2.2)

    # then: forgotten once no proof with that iat could be accepted any more
    assert cache.get(name) is None
