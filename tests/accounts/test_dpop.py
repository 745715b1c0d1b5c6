"""DPoP proofs checked one by one (accounts.dpop.dpop_proof_verify), and the jti record."""

import hashlib
import time

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from accounts.dpop import (
    PROOF_MAX_LENGTH,
    access_token_hash,
    dpop_proof_verify,
    jwk_thumbprint,
)
from accounts.exceptions import DpopProofInvalidError, DpopProofTargetMismatchError
from tests.dpop_proofs import GRAPHQL_URL, DpopKey


@pytest.fixture(scope="module")
def key() -> DpopKey:
    return DpopKey("ES256")


def verify(proof: str, *, method: str = "POST", url: str = GRAPHQL_URL, **kwargs):
    return dpop_proof_verify(proof=proof, method=method, url=url, **kwargs)


def test_rfc_7638_thumbprint_example():
    # given: the RSA key of RFC 7638, section 3.1
    jwk = {
        "kty": "RSA",
        "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6"
        "tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65"
        "YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdk"
        "t-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDK"
        "gw",
        "e": "AQAB",
        "alg": "RS256",
        "kid": "2011-04-29",
    }

    # then
    assert jwk_thumbprint(jwk) == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"


@pytest.mark.parametrize("algorithm", ["ES256", "RS256", "EdDSA", "Ed25519"])
def test_a_valid_proof_of_each_allowed_algorithm_passes(algorithm):
    # given
    key = DpopKey(algorithm)

    # when
    proof = verify(key.proof())

    # then
    assert proof.jkt == key.thumbprint


def test_ath_must_be_the_hash_of_the_token_sent(key):
    # when / then
    assert verify(key.proof(access_token="t0ken"), access_token="t0ken").jkt == key.thumbprint
    with pytest.raises(DpopProofInvalidError, match="ath"):
        verify(key.proof(access_token="another"), access_token="t0ken")
    with pytest.raises(DpopProofInvalidError, match="ath"):
        verify(key.proof(), access_token="t0ken")
    assert (
        access_token_hash("t0ken")
        == jwt.utils.base64url_encode(hashlib.sha256(b"t0ken").digest()).decode()
    )


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ({"typ": "JWT"}, "typ"),
        ({"typ": None}, "typ"),
        ({"jwk": None}, "jwk"),
        ({"jwk": "a string"}, "jwk"),
    ],
)
def test_the_header_is_checked(key, header, message):
    # when / then
    with pytest.raises(DpopProofInvalidError, match=message):
        verify(key.proof(header=header))


def test_a_private_key_in_jwk_is_refused(key):
    # given: the private key's JWK, `d` included
    private_jwk = jwt.algorithms.ECAlgorithm.to_jwk(key.private_key, as_dict=True)

    # when / then
    with pytest.raises(DpopProofInvalidError, match="private"):
        verify(key.proof(header={"jwk": private_jwk}))


def test_a_symmetric_or_unlisted_algorithm_is_refused():
    # given: HS256 with the key in the header, and ES384
    secret_proof = jwt.encode(
        {"jti": "x", "htm": "POST", "htu": GRAPHQL_URL, "iat": int(time.time())},
        "a-shared-secret-of-at-least-32-bytes!",
        algorithm="HS256",
        headers={"typ": "dpop+jwt", "jwk": {"kty": "oct", "k": "c2VjcmV0"}},
    )
    es384 = DpopKey("ES256", private_key=ec.generate_private_key(ec.SECP384R1()))
    es384_proof = jwt.encode(
        {"jti": "x", "htm": "POST", "htu": GRAPHQL_URL, "iat": int(time.time())},
        es384.private_key,
        algorithm="ES384",
        headers={"typ": "dpop+jwt"},
    )
    unsigned = jwt.encode(
        {"jti": "x", "htm": "POST", "htu": GRAPHQL_URL, "iat": int(time.time())},
        None,
        algorithm="none",
        headers={"typ": "dpop+jwt"},
    )

    # when / then
    for proof in (secret_proof, es384_proof, unsigned):
        with pytest.raises(DpopProofInvalidError, match=r"alg|compact"):
            verify(proof)


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
def test_the_key_must_match_the_algorithm(key, settings):
    # given: an ES256 header over a P-384 key, a 1024-bit RSA key
    p384 = jwt.algorithms.ECAlgorithm.to_jwk(
        ec.generate_private_key(ec.SECP384R1()).public_key(), as_dict=True
    )
    small = DpopKey("RS256", private_key=rsa.generate_private_key(65537, 1024))  # noqa: S505 (refused)

    # when / then
    with pytest.raises(DpopProofInvalidError, match="P-256"):
        verify(key.proof(header={"jwk": p384}))
    with pytest.raises(DpopProofInvalidError, match="2048"):
        verify(small.proof())


def test_a_signature_by_another_key_is_refused(key):
    # given: the header names one key, another signed
    other = DpopKey("ES256")

    # when / then
    with pytest.raises(DpopProofInvalidError, match="signature"):
        verify(other.proof(header={"jwk": key.public_jwk}))


def test_an_algorithm_left_out_of_the_allow_list_is_refused(settings):
    # given
    settings.DPOP_ALGORITHMS = ("ES256",)

    # when / then
    with pytest.raises(DpopProofInvalidError, match="alg"):
        verify(DpopKey("EdDSA").proof())


@pytest.mark.parametrize(
    "claims",
    [{"jti": None}, {"jti": ""}, {"jti": "j" * 257}, {"htm": None}, {"htu": 7}, {"iat": None}],
)
def test_every_claim_is_required_with_its_type(key, claims):
    # when / then
    with pytest.raises(DpopProofInvalidError):
        verify(key.proof(**claims))


def test_iat_has_a_window_with_leeway(key, settings):
    # given
    settings.DPOP_PROOF_MAX_AGE = 60
    settings.JWT_LEEWAY = 5
    now = int(time.time())

    # when / then
    assert verify(key.proof(iat=now - 64), now=now)
    assert verify(key.proof(iat=now + 5), now=now)
    for iat in (now - 66, now + 6, True):
        with pytest.raises(DpopProofInvalidError, match="iat"):
            verify(key.proof(iat=iat), now=now)


def test_htm_must_be_the_request_method(key):
    # when / then
    with pytest.raises(DpopProofTargetMismatchError):
        verify(key.proof(htm="GET"))
    with pytest.raises(DpopProofTargetMismatchError):
        verify(key.proof(htm="post"))


@pytest.mark.parametrize(
    "htu",
    [
        "HTTP://TestServer/graphql/",
        "http://testserver:80/graphql/",
        "http://testserver/graphql/?query=anything",
        "http://testserver/graphql/#fragment",
        "http://testserver/%67raphql/",
    ],
)
def test_htu_is_compared_after_normalisation(key, htu):
    # when / then
    assert verify(key.proof(htu=htu)).jkt == key.thumbprint


@pytest.mark.parametrize(
    "htu",
    [
        "https://testserver/graphql/",
        "http://testserver:8000/graphql/",
        "http://other.example/graphql/",
        "http://testserver/graphql",
        "http://testserver/admin/",
        "http://user@testserver/graphql/",
        "/graphql/",
        "not a url",
    ],
)
def test_htu_for_another_url_is_refused(key, htu):
    # when / then
    with pytest.raises(DpopProofTargetMismatchError):
        verify(key.proof(htu=htu))


def test_an_oversized_or_malformed_proof_is_refused(key):
    # given
    padded = key.proof(padding="x" * PROOF_MAX_LENGTH)
    proof = key.proof()

    # when / then
    for bad in (padded, proof + "=", proof.replace(".", "..", 1), "a.b", ""):
        with pytest.raises(DpopProofInvalidError):
            verify(bad)
