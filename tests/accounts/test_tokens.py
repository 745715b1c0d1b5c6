import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from accounts import tokens
from accounts.exceptions import TokenExpiredError, TokenInvalidError
from accounts.tokens import REQUIRED_CLAIMS, access_token_decode, access_token_issue
from tests.conftest import error_codes, key_pair_pem
from tests.schema.accounts.queries import ME


@pytest.fixture(params=["rs256", "es256"])
def asymmetric(request):
    """Run the test once with RS256 and once with ES256 keys."""
    return request.param, request.getfixturevalue(request.param)


def test_issued_token_has_every_claim_with_its_type(user):
    # when
    payload = access_token_issue(user=user, orig_iat=1_700_000_000).payload

    # then
    assert set(payload) == set(REQUIRED_CLAIMS)
    assert payload["user_id"] == str(user.pk)
    assert payload["username"] == "alice"
    assert payload["token_type"] == "access"
    assert isinstance(payload["jti"], str) and len(payload["jti"]) == 32
    assert payload["origIat"] == 1_700_000_000
    assert payload["exp"] - payload["iat"] == 300


def test_every_token_has_its_own_jti(user):
    # when
    jtis = {access_token_issue(user=user).payload["jti"] for _ in range(20)}

    # then
    assert len(jtis) == 20


def test_issuer_and_audience_are_issued_and_required_when_configured(settings, user):
    # given
    settings.JWT_ISSUER = "https://api.example.com"
    settings.JWT_AUDIENCE = "example-frontend"

    # when
    token = access_token_issue(user=user).token

    # then
    payload = access_token_decode(token)
    assert (payload["iss"], payload["aud"]) == ("https://api.example.com", "example-frontend")


def test_token_issued_before_issuer_was_configured_is_refused(settings, user):
    # given
    token = access_token_issue(user=user).token
    settings.JWT_ISSUER = "https://api.example.com"

    # then
    with pytest.raises(TokenInvalidError):
        access_token_decode(token)


def test_asymmetric_token_round_trips_through_the_api(api, user, asymmetric):
    # given
    algorithm, keys = asymmetric
    token = access_token_issue(user=user).token

    # when
    result = api.execute(ME, token=token)

    # then
    assert result == {"data": {"me": {"username": "alice"}}}
    assert jwt.get_unverified_header(token)["alg"] == algorithm.upper()
    assert jwt.decode(token, keys.public_pem, algorithms=[algorithm.upper()])["user_id"] == str(
        user.pk
    )


def test_token_signed_with_another_asymmetric_key_is_refused(api, user, rsa_key_pair, settings):
    # given: a token from an RS256 set-up, then the server moves to other keys
    settings.JWT_ALGORITHM = "RS256"
    settings.JWT_SIGNING_KEY = rsa_key_pair.private_pem
    settings.JWT_VERIFYING_KEY = rsa_key_pair.public_pem
    token = access_token_issue(user=user).token
    other = key_pair_pem(rsa.generate_private_key(public_exponent=65537, key_size=2048))
    settings.JWT_SIGNING_KEY = other.private_pem
    settings.JWT_VERIFYING_KEY = other.public_pem

    # when
    result = api.execute(ME, token=token)

    # then
    assert error_codes(result) == ["TOKEN_INVALID"]


def test_hs256_token_is_refused_once_the_server_uses_rs256(api, user, settings, rsa_key_pair):
    # given
    hs256_token = access_token_issue(user=user).token
    settings.JWT_ALGORITHM = "RS256"
    settings.JWT_SIGNING_KEY = rsa_key_pair.private_pem
    settings.JWT_VERIFYING_KEY = rsa_key_pair.public_pem

    # when
    result = api.execute(ME, token=hs256_token)

    # then
    assert error_codes(result) == ["TOKEN_INVALID"]


def test_a_token_verified_once_is_kept_and_still_expires(user, settings, monkeypatch):
    # given: a token verified once
    settings.JWT_LEEWAY = 0
    issued = access_token_issue(user=user)
    first = access_token_decode(issued.token)

    # when: used again, and again after it expired
    again = access_token_decode(issued.token)
    monkeypatch.setattr(tokens, "_now", lambda: issued.payload["exp"] + 1)

    # then: the same claims (a copy each time), then TOKEN_EXPIRED
    assert again == first and again is not first
    assert any(key[0] == issued.token for key in tokens._verified)
    with pytest.raises(TokenExpiredError):
        access_token_decode(issued.token)


def test_a_kept_token_is_checked_again_when_the_keys_change(user, settings):
    # given: a token verified and kept
    issued = access_token_issue(user=user)
    access_token_decode(issued.token)

    # when: the key that signed it is gone (rotated out, not kept as a previous key)
    settings.JWT_SIGNING_KEY = settings.JWT_VERIFYING_KEY = "another-secret-" + "x" * 40

    # then
    with pytest.raises(TokenInvalidError):
        access_token_decode(issued.token)


def test_only_verified_tokens_are_kept(user):
    # given: a token with its signature altered
    token = access_token_issue(user=user).token
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")

    # when / then
    with pytest.raises(TokenInvalidError):
        access_token_decode(forged)
    assert all(key[0] != forged for key in tokens._verified)
