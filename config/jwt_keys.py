"""The keys that sign and verify access tokens, checked when the settings load.

HS256 (the default) signs with a shared secret; RS256 and ES256 sign with a
private key and verify with its public key, both PEM text from the environment.
Previous keys (JWT_PREVIOUS_SIGNING_KEYS for HS256, JWT_PREVIOUS_PUBLIC_KEYS for
RS256/ES256) still verify but never sign, so a key can be rotated without
signing anyone out. Every check raises ImproperlyConfigured, so a bad key stops
the process at start.
"""

import re
from dataclasses import dataclass, field

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from django.core.exceptions import ImproperlyConfigured

HMAC_ALGORITHM = "HS256"
ASYMMETRIC_ALGORITHMS = ("RS256", "ES256")
SUPPORTED_ALGORITHMS = (HMAC_ALGORITHM, *ASYMMETRIC_ALGORITHMS)
# RFC 7518 section 3.2: an HS256 key must be at least as long as the hash output.
HMAC_MIN_KEY_BYTES = 32
# NIST SP 800-131A; PyJWT warns below this too.
RSA_MIN_KEY_BITS = 2048


@dataclass(frozen=True)
class JwtKeys:
    algorithm: str
    # The HS256 secret, or the private key's PEM text.
    signing_key: str
    # The HS256 secret, or the public key's PEM text.
    verifying_key: str
    # Retired (or, mid-rotation, upcoming) keys that verify only, same algorithm.
    previous_verifying_keys: tuple[str, ...] = field(default=())


def _is_weak_secret(secret: str) -> bool:
    return (
        len(secret.encode()) < HMAC_MIN_KEY_BYTES
        or len(set(secret)) < 5
        or secret.startswith("django-insecure-")
    )


def _hmac_keys(*, secret: str, production: bool) -> JwtKeys:
    if not secret or len(secret.encode()) < HMAC_MIN_KEY_BYTES:
        raise ImproperlyConfigured(
            f"JWT_SIGNING_KEY must be at least {HMAC_MIN_KEY_BYTES} bytes long for HS256."
        )
    if production and _is_weak_secret(secret):
        raise ImproperlyConfigured(
            "JWT_SIGNING_KEY is weak: production needs a random secret of at least "
            f"{HMAC_MIN_KEY_BYTES} bytes "
            "(python -c 'import secrets; print(secrets.token_urlsafe(48))')."
        )
    return JwtKeys(algorithm=HMAC_ALGORITHM, signing_key=secret, verifying_key=secret)


def _previous_secrets(*, secrets: list[str], production: bool) -> tuple[str, ...]:
    for secret in secrets:
        if len(secret.encode()) < HMAC_MIN_KEY_BYTES or (production and _is_weak_secret(secret)):
            raise ImproperlyConfigured(
                "Each of JWT_PREVIOUS_SIGNING_KEYS must be a strong secret of at least "
                f"{HMAC_MIN_KEY_BYTES} bytes, like JWT_SIGNING_KEY."
            )
    return tuple(dict.fromkeys(secrets))


PUBLIC_KEY_PEM = re.compile(r"-----BEGIN PUBLIC KEY-----.+?-----END PUBLIC KEY-----", re.DOTALL)


def _previous_public_keys(*, algorithm: str, pems: str) -> tuple[str, ...]:
    blocks = PUBLIC_KEY_PEM.findall(pems)
    if PUBLIC_KEY_PEM.sub("", pems).strip(" \t\r\n,"):
        raise ImproperlyConfigured(
            "JWT_PREVIOUS_PUBLIC_KEYS must be PEM public keys (-----BEGIN PUBLIC KEY-----), "
            "one after another, and nothing else."
        )
    keys = []
    for block in blocks:
        try:
            public_key = serialization.load_pem_public_key(block.encode())
        except (ValueError, TypeError) as error:
            raise ImproperlyConfigured(
                f"JWT_PREVIOUS_PUBLIC_KEYS holds a key that does not load: {error}"
            ) from None
        _check_public_key(algorithm, public_key, variable="JWT_PREVIOUS_PUBLIC_KEYS")
        keys.append(_public_pem(public_key))
    return tuple(dict.fromkeys(keys))


def _check_public_key(algorithm: str, public_key, *, variable: str) -> None:
    if algorithm == "RS256":
        if not isinstance(public_key, rsa.RSAPublicKey) or public_key.key_size < RSA_MIN_KEY_BITS:
            raise ImproperlyConfigured(
                f"{variable} must hold RSA public keys of at least {RSA_MIN_KEY_BITS} bits for "
                "RS256."
            )
    elif not (
        isinstance(public_key, ec.EllipticCurvePublicKey)
        and isinstance(public_key.curve, ec.SECP256R1)
    ):
        raise ImproperlyConfigured(f"{variable} must hold EC P-256 public keys for ES256.")


def _check_private_key(algorithm: str, private_key) -> None:
    if algorithm == "RS256":
        if not isinstance(private_key, rsa.RSAPrivateKey):
            raise ImproperlyConfigured("JWT_PRIVATE_KEY must be an RSA private key for RS256.")
        if private_key.key_size < RSA_MIN_KEY_BITS:
            raise ImproperlyConfigured(
                f"JWT_PRIVATE_KEY is a {private_key.key_size}-bit RSA key; RS256 needs at "
                f"least {RSA_MIN_KEY_BITS} bits."
            )
    elif not (
        isinstance(private_key, ec.EllipticCurvePrivateKey)
        and isinstance(private_key.curve, ec.SECP256R1)
    ):
        raise ImproperlyConfigured("JWT_PRIVATE_KEY must be an EC P-256 private key for ES256.")


def _public_pem(public_key) -> str:
    return public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def _asymmetric_keys(*, algorithm: str, private_pem: str, public_pem: str) -> JwtKeys:
    if not private_pem:
        raise ImproperlyConfigured(f"{algorithm} needs JWT_PRIVATE_KEY (PEM text).")
    try:
        private_key = serialization.load_pem_private_key(private_pem.encode(), password=None)
    except (ValueError, TypeError) as error:
        raise ImproperlyConfigured(
            f"JWT_PRIVATE_KEY is not an unencrypted PEM private key: {error}"
        ) from None
    _check_private_key(algorithm, private_key)
    derived_public_pem = _public_pem(private_key.public_key())
    if public_pem:
        try:
            public_key = serialization.load_pem_public_key(public_pem.encode())
        except (ValueError, TypeError) as error:
            raise ImproperlyConfigured(f"JWT_PUBLIC_KEY is not a PEM public key: {error}") from None
        if _public_pem(public_key) != derived_public_pem:
            raise ImproperlyConfigured("JWT_PUBLIC_KEY does not match JWT_PRIVATE_KEY.")
    return JwtKeys(
        algorithm=algorithm,
        signing_key=private_pem,
        # Normalised, so the verifying key is always a plain SubjectPublicKeyInfo PEM.
        verifying_key=derived_public_pem,
    )


def jwt_keys_configure(
    *,
    algorithm: str,
    secret: str,
    secret_is_explicit: bool,
    private_pem: str,
    public_pem: str,
    production: bool,
    previous_secrets: list[str] | None = None,
    previous_public_pems: str = "",
) -> JwtKeys:
    """Check the configured algorithm and keys and return the keys to use.

    `secret` is the HS256 key (JWT_SIGNING_KEY, else DJANGO_SECRET_KEY);
    `private_pem` and `public_pem` are JWT_PRIVATE_KEY and JWT_PUBLIC_KEY; the
    public key may be left out, as it is derived from the private key.
    `previous_secrets` (JWT_PREVIOUS_SIGNING_KEYS) and `previous_public_pems`
    (JWT_PREVIOUS_PUBLIC_KEYS) are keys of the same algorithm that verify only.
    """
    keys = _current_keys(
        algorithm=algorithm,
        secret=secret,
        secret_is_explicit=secret_is_explicit,
        private_pem=private_pem,
        public_pem=public_pem,
        production=production,
    )
    previous_secrets = [item for item in previous_secrets or [] if item]
    if keys.algorithm == HMAC_ALGORITHM:
        if previous_public_pems.strip():
            raise ImproperlyConfigured(
                "JWT_PREVIOUS_PUBLIC_KEYS is set but JWT_ALGORITHM is HS256: previous HS256 "
                "keys go in JWT_PREVIOUS_SIGNING_KEYS."
            )
        previous = _previous_secrets(secrets=previous_secrets, production=production)
    else:
        if previous_secrets:
            raise ImproperlyConfigured(
                f"JWT_PREVIOUS_SIGNING_KEYS holds HS256 secrets; previous {keys.algorithm} keys "
                "go in JWT_PREVIOUS_PUBLIC_KEYS."
            )
        previous = _previous_public_keys(algorithm=keys.algorithm, pems=previous_public_pems)
    return JwtKeys(
        algorithm=keys.algorithm,
        signing_key=keys.signing_key,
        verifying_key=keys.verifying_key,
        # The current key is never "previous": listing it there changes nothing.
        previous_verifying_keys=tuple(key for key in previous if key != keys.verifying_key),
    )


def _current_keys(
    *,
    algorithm: str,
    secret: str,
    secret_is_explicit: bool,
    private_pem: str,
    public_pem: str,
    production: bool,
) -> JwtKeys:
    if algorithm not in SUPPORTED_ALGORITHMS:
        raise ImproperlyConfigured(
            f"JWT_ALGORITHM must be one of {', '.join(SUPPORTED_ALGORITHMS)}; got {algorithm!r}."
        )
    if algorithm == HMAC_ALGORITHM:
        if private_pem or public_pem:
            # Keys that were meant to be used but are not would be a silent surprise.
            raise ImproperlyConfigured(
                "JWT_PRIVATE_KEY / JWT_PUBLIC_KEY are set but JWT_ALGORITHM is HS256: "
                "set JWT_ALGORITHM to RS256 or ES256, or remove the keys."
            )
        return _hmac_keys(secret=secret, production=production)
    if secret_is_explicit:
        raise ImproperlyConfigured(
            f"JWT_SIGNING_KEY is the HS256 secret; {algorithm} uses JWT_PRIVATE_KEY and "
            "JWT_PUBLIC_KEY instead."
        )
    return _asymmetric_keys(algorithm=algorithm, private_pem=private_pem, public_pem=public_pem)
