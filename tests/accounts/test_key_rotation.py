"""Rotating the signing key: tokens of the previous key verify for a grace period.

New tokens name their key in a `kid` header and are signed with the current key
only; a previous key (JWT_PREVIOUS_SIGNING_KEYS / JWT_PREVIOUS_PUBLIC_KEYS)
verifies the tokens it signed until it is removed from the settings.
"""

import base64
import hashlib
import hmac
import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from accounts.tokens import access_token_issue, key_id
from tests.conftest import error_codes, key_pair_pem
from tests.schema.accounts.queries import ME, VERIFY_TOKEN

OLD_SECRET = "old-signing-key-" + "Vb7-Qx2_" * 4
NEW_SECRET = "new-signing-key-" + "Lm4_Tz9-" * 4


def _generate(kind: str):
    if kind == "RS256":
        return key_pair_pem(rsa.generate_private_key(public_exponent=65537, key_size=2048))
    return key_pair_pem(ec.generate_private_key(ec.SECP256R1()))


class Keys:
    """Switch the server's keys the way a deployment does, through the settings."""

    def __init__(self, settings, algorithm: str) -> None:
        self.settings = settings
        self.algorithm = algorithm
        if algorithm == "HS256":
            self.old = (OLD_SECRET, OLD_SECRET)
            self.new = (NEW_SECRET, NEW_SECRET)
        else:
            old, new = _generate(algorithm), _generate(algorithm)
            self.old = (old.private_pem, old.public_pem)
            self.new = (new.private_pem, new.public_pem)

    def use(self, current, previous=()) -> None:
        self.settings.JWT_ALGORITHM = self.algorithm
        self.settings.JWT_SIGNING_KEY, self.settings.JWT_VERIFYING_KEY = current
        self.settings.JWT_PREVIOUS_VERIFYING_KEYS = tuple(verifying for _, verifying in previous)


@pytest.fixture(params=["HS256", "RS256", "ES256"])
def keys(request, settings) -> Keys:
    keys = Keys(settings, request.param)
    keys.use(keys.old)
    return keys


def test_new_tokens_name_the_current_key_and_are_signed_with_it(api, user, keys):
    # given: rotated; the old key still verifies
    keys.use(keys.new, previous=[keys.old])

    # when
    token = access_token_issue(user=user).token

    # then
    header = jwt.get_unverified_header(token)
    assert header == {"alg": keys.algorithm, "kid": key_id(keys.new[1]), "typ": "at+jwt"}
    assert jwt.decode(token, keys.new[1], algorithms=[keys.algorithm])["user_id"] == str(user.pk)
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(token, keys.old[1], algorithms=[keys.algorithm])


def test_a_token_of_the_old_key_verifies_while_the_old_key_is_listed(api, user, keys):
    # given: a token signed before the rotation
    token = access_token_issue(user=user).token

    # when
    keys.use(keys.new, previous=[keys.old])

    # then: as a Bearer header and to verifyToken
    assert api.execute(ME, token=token) == {"data": {"me": {"username": "alice"}}}
    verified = api.execute(VERIFY_TOKEN, {"token": token})
    assert verified["data"]["verifyToken"]["payload"]["user_id"] == str(user.pk)


def test_a_token_of_the_old_key_is_invalid_once_the_old_key_is_removed(api, user, keys):
    # given
    token = access_token_issue(user=user).token
    keys.use(keys.new, previous=[keys.old])
    assert "errors" not in api.execute(ME, token=token)

    # when: the grace period is over
    keys.use(keys.new)

    # then
    assert error_codes(api.execute(ME, token=token)) == ["TOKEN_INVALID"]
    assert error_codes(api.execute(VERIFY_TOKEN, {"token": token})) == ["TOKEN_INVALID"]


def test_a_token_without_kid_tries_the_current_key_then_the_previous_ones(
    api, user, keys, signed_token
):
    # given: a token from before kids existed, signed with the old key
    token = signed_token(user)
    assert "kid" not in jwt.get_unverified_header(token)

    # when / then
    keys.use(keys.new, previous=[keys.old])
    assert api.execute(ME, token=token) == {"data": {"me": {"username": "alice"}}}
    keys.use(keys.new)
    assert error_codes(api.execute(ME, token=token)) == ["TOKEN_INVALID"]


def test_an_expired_token_of_a_previous_key_is_expired_not_invalid(api, user, settings):
    # given
    keys = Keys(settings, "HS256")
    keys.use(keys.old)
    now = int(time.time())
    claims = access_token_issue(user=user).payload | {"iat": now - 600, "exp": now - 60}
    token = jwt.encode(claims, OLD_SECRET, "HS256", headers={"kid": key_id(OLD_SECRET)})

    # when
    keys.use(keys.new, previous=[keys.old])

    # then
    assert error_codes(api.execute(ME, token=token)) == ["TOKEN_EXPIRED"]


def test_kid_picks_the_one_key_that_may_verify(api, user, settings):
    # given: signed with the old key but naming the new one
    keys = Keys(settings, "HS256")
    keys.use(keys.new, previous=[keys.old])
    claims = access_token_issue(user=user).payload
    token = jwt.encode(claims, OLD_SECRET, "HS256", headers={"kid": key_id(NEW_SECRET)})

    # then
    assert error_codes(api.execute(ME, token=token)) == ["TOKEN_INVALID"]


@pytest.mark.parametrize("kid", ["unknown-key", "", 7, None])
def test_unknown_or_malformed_kid_is_refused(api, user, settings, kid):
    # given: signed with the current key, under a kid the server does not know
    keys = Keys(settings, "HS256")
    keys.use(keys.new)
    claims = access_token_issue(user=user).payload
    header = {"alg": "HS256", "typ": "JWT", "kid": kid}
    signing_input = ".".join(
        base64.urlsafe_b64encode(json.dumps(part).encode()).rstrip(b"=").decode()
        for part in (header, claims)
    )
    signature = hmac.new(NEW_SECRET.encode(), signing_input.encode(), hashlib.sha256).digest()
    token = f"{signing_input}.{base64.urlsafe_b64encode(signature).rstrip(b'=').decode()}"

    # then
    assert error_codes(api.execute(ME, token=token)) == ["TOKEN_INVALID"]


def test_previous_public_key_used_as_an_hmac_secret_is_refused(api, user, settings):
    # given: the algorithm confusion attack, aimed at a previous key by its kid
    keys = Keys(settings, "RS256")
    keys.use(keys.new, previous=[keys.old])
    old_public = keys.old[1]
    claims = access_token_issue(user=user).payload
    header = {"alg": "HS256", "typ": "JWT", "kid": key_id(old_public)}
    signing_input = ".".join(
        base64.urlsafe_b64encode(json.dumps(part).encode()).rstrip(b"=").decode()
        for part in (header, claims)
    )
    signature = hmac.new(old_public.encode(), signing_input.encode(), hashlib.sha256).digest()
    token = f"{signing_input}.{base64.urlsafe_b64encode(signature).rstrip(b'=').decode()}"

    # then
    assert error_codes(api.execute(ME, token=token)) == ["TOKEN_INVALID"]


def test_key_ids_reveal_nothing_and_differ_between_keys():
    # then
    assert key_id(OLD_SECRET) != key_id(NEW_SECRET)
    assert len(key_id(OLD_SECRET)) == 16
    assert OLD_SECRET not in key_id(OLD_SECRET)
    assert key_id(OLD_SECRET) != hashlib.sha256(OLD_SECRET.encode()).hexdigest()[:16]
