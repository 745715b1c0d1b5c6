import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from django.core.exceptions import ImproperlyConfigured

from config.jwt_keys import jwt_keys_configure
from tests.conftest import key_pair_pem

STRONG_SECRET = "Zq8-vN3_kT0pWb7LrX2sYc5mHd9jFg4a"


def configure(**overrides):
    arguments = {
        "algorithm": "HS256",
        "secret": STRONG_SECRET,
        "secret_is_explicit": False,
        "private_pem": "",
        "public_pem": "",
        "production": True,
    }
    arguments.update(overrides)
    return jwt_keys_configure(**arguments)


def test_hs256_signs_and_verifies_with_the_secret():
    # when
    keys = configure()

    # then
    assert (keys.algorithm, keys.signing_key, keys.verifying_key) == (
        "HS256",
        STRONG_SECRET,
        STRONG_SECRET,
    )


@pytest.mark.parametrize("production", [True, False])
@pytest.mark.parametrize("secret", ["", "31-bytes-is-one-byte-too-short!"])
def test_hs256_refuses_a_missing_or_short_secret_on_any_start(secret, production):
    with pytest.raises(ImproperlyConfigured, match="at least 32 bytes"):
        configure(secret=secret, production=production)


@pytest.mark.parametrize(
    "secret", ["a" * 40, "abab" * 10, "django-insecure-development-only-key-0123456789"]
)
def test_production_refuses_a_weak_hs256_secret(secret):
    with pytest.raises(ImproperlyConfigured, match="weak"):
        configure(secret=secret)


def test_development_accepts_the_development_secret():
    # when
    keys = configure(secret="django-insecure-development-only-key-0123456789", production=False)

    # then
    assert keys.algorithm == "HS256"


@pytest.mark.parametrize("algorithm", ["none", "HS384", "RS512", "PS256", "hs256", ""])
def test_other_algorithms_are_refused(algorithm):
    with pytest.raises(ImproperlyConfigured, match="JWT_ALGORITHM must be one of"):
        configure(algorithm=algorithm)


def test_hs256_with_pem_keys_set_is_refused(rsa_key_pair):
    with pytest.raises(ImproperlyConfigured, match="JWT_ALGORITHM is HS256"):
        configure(private_pem=rsa_key_pair.private_pem)


@pytest.mark.parametrize("algorithm", ["RS256", "ES256"])
def test_asymmetric_algorithm_without_private_key_is_refused(algorithm):
    with pytest.raises(ImproperlyConfigured, match="needs JWT_PRIVATE_KEY"):
        configure(algorithm=algorithm)


def test_rs256_signs_with_the_private_key_and_verifies_with_the_public_key(rsa_key_pair):
    # when
    keys = configure(
        algorithm="RS256",
        private_pem=rsa_key_pair.private_pem,
        public_pem=rsa_key_pair.public_pem,
    )

    # then
    assert keys.signing_key == rsa_key_pair.private_pem
    assert keys.verifying_key == rsa_key_pair.public_pem


def test_public_key_is_derived_when_left_out(ec_key_pair):
    # when
    keys = configure(algorithm="ES256", private_pem=ec_key_pair.private_pem)

    # then
    assert keys.verifying_key == ec_key_pair.public_pem


def test_mismatched_public_key_is_refused(rsa_key_pair):
    # given
    other = key_pair_pem(rsa.generate_private_key(public_exponent=65537, key_size=2048))

    # then
    with pytest.raises(ImproperlyConfigured, match="does not match"):
        configure(
            algorithm="RS256", private_pem=rsa_key_pair.private_pem, public_pem=other.public_pem
        )


def test_rs256_refuses_a_short_rsa_key():
    # given
    # A deliberately breakable key: the point is that it is refused.
    weak = key_pair_pem(rsa.generate_private_key(public_exponent=65537, key_size=1024))  # noqa: S505

    # then
    with pytest.raises(ImproperlyConfigured, match="1024-bit RSA key"):
        configure(algorithm="RS256", private_pem=weak.private_pem)


def test_rs256_refuses_an_ec_key(ec_key_pair):
    with pytest.raises(ImproperlyConfigured, match="must be an RSA private key"):
        configure(algorithm="RS256", private_pem=ec_key_pair.private_pem)


def test_es256_refuses_another_curve():
    # given
    p384 = key_pair_pem(ec.generate_private_key(ec.SECP384R1()))

    # then
    with pytest.raises(ImproperlyConfigured, match="EC P-256"):
        configure(algorithm="ES256", private_pem=p384.private_pem)


@pytest.mark.parametrize("private_pem", ["not a key", "-----BEGIN PRIVATE KEY-----\nAAAA\n"])
def test_garbage_private_key_is_refused(private_pem):
    with pytest.raises(ImproperlyConfigured, match="not an unencrypted PEM private key"):
        configure(algorithm="RS256", private_pem=private_pem)


def test_garbage_public_key_is_refused(rsa_key_pair):
    with pytest.raises(ImproperlyConfigured, match="not a PEM public key"):
        configure(algorithm="RS256", private_pem=rsa_key_pair.private_pem, public_pem="nope")


def test_explicit_hs256_secret_with_asymmetric_algorithm_is_refused(rsa_key_pair):
    with pytest.raises(ImproperlyConfigured, match="JWT_SIGNING_KEY is the HS256 secret"):
        configure(algorithm="RS256", secret_is_explicit=True, private_pem=rsa_key_pair.private_pem)


PREVIOUS_SECRET = "Pr3v-iOus_kEy-" + "r8Tq" * 6


def test_hs256_previous_secrets_verify_only():
    # when
    keys = configure(previous_secrets=[PREVIOUS_SECRET, "", STRONG_SECRET])

    # then: the empty entry and the current key are dropped
    assert keys.signing_key == keys.verifying_key == STRONG_SECRET
    assert keys.previous_verifying_keys == (PREVIOUS_SECRET,)


@pytest.mark.parametrize("previous", ["short-but-not-32-bytes", "a" * 40])
def test_a_short_or_weak_previous_secret_is_refused(previous):
    with pytest.raises(ImproperlyConfigured, match="JWT_PREVIOUS_SIGNING_KEYS"):
        configure(previous_secrets=[previous])


def test_previous_public_keys_with_hs256_are_refused(rsa_key_pair):
    with pytest.raises(ImproperlyConfigured, match="JWT_PREVIOUS_PUBLIC_KEYS is set but"):
        configure(previous_public_pems=rsa_key_pair.public_pem)


def test_previous_secrets_with_rs256_are_refused(rsa_key_pair):
    with pytest.raises(ImproperlyConfigured, match="go in JWT_PREVIOUS_PUBLIC_KEYS"):
        configure(
            algorithm="RS256",
            private_pem=rsa_key_pair.private_pem,
            previous_secrets=[PREVIOUS_SECRET],
        )


def test_several_previous_public_keys_one_after_another(rsa_key_pair):
    # given
    first = key_pair_pem(rsa.generate_private_key(public_exponent=65537, key_size=2048))
    second = key_pair_pem(rsa.generate_private_key(public_exponent=65537, key_size=2048))

    # when
    keys = configure(
        algorithm="RS256",
        private_pem=rsa_key_pair.private_pem,
        previous_public_pems=f"{first.public_pem}\n{second.public_pem},{rsa_key_pair.public_pem}",
    )

    # then: in order, the current key left out
    assert keys.previous_verifying_keys == (first.public_pem, second.public_pem)


@pytest.mark.parametrize(
    "pems", ["not a key", "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----"]
)
def test_garbage_previous_public_keys_are_refused(rsa_key_pair, pems):
    with pytest.raises(ImproperlyConfigured, match="JWT_PREVIOUS_PUBLIC_KEYS"):
        configure(
            algorithm="RS256", private_pem=rsa_key_pair.private_pem, previous_public_pems=pems
        )


def test_a_previous_public_key_of_another_kind_is_refused(rsa_key_pair, ec_key_pair):
    with pytest.raises(ImproperlyConfigured, match="RSA public keys of at least 2048 bits"):
        configure(
            algorithm="RS256",
            private_pem=rsa_key_pair.private_pem,
            previous_public_pems=ec_key_pair.public_pem,
        )
