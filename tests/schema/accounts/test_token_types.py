"""Access tokens are typed (`typ: at+jwt`, RFC 9068); a refresh token never passes as one.

Refresh tokens are opaque random strings stored as digests (accounts.services),
not JWTs: each kind is refused where the other is expected.
"""

import jwt
import pytest

from tests.conftest import error_codes
from tests.schema.accounts.queries import ME, REFRESH_TOKEN, REVOKE_TOKEN, VERIFY_TOKEN


def test_access_tokens_carry_typ_at_jwt(sign_in, user):
    # when
    pair = sign_in(user)

    # then
    assert jwt.get_unverified_header(pair["token"])["typ"] == "at+jwt"
    # The refresh token is opaque: not a JWT at all.
    with pytest.raises(jwt.DecodeError):
        jwt.get_unverified_header(pair["refreshToken"])


def test_a_refresh_token_never_passes_as_an_access_token(api, sign_in, user):
    # given
    refresh_token = sign_in(user)["refreshToken"]

    # when
    as_bearer = api.execute(ME, token=refresh_token)
    verified = api.execute(VERIFY_TOKEN, {"token": refresh_token})

    # then
    assert error_codes(as_bearer) == ["TOKEN_INVALID"]
    assert error_codes(verified) == ["TOKEN_INVALID"]


def test_an_access_token_never_passes_as_a_refresh_token(api, sign_in, user):
    # given
    access_token = sign_in(user)["token"]

    # when
    refreshed = api.execute(REFRESH_TOKEN, {"refreshToken": access_token})
    revoked = api.execute(REVOKE_TOKEN, {"refreshToken": access_token})

    # then
    assert error_codes(refreshed) == ["TOKEN_INVALID"]
    assert error_codes(revoked) == ["TOKEN_INVALID"]
    # The sign-in lives on: the access token still works.
    assert api.execute(ME, token=access_token) == {"data": {"me": {"username": "alice"}}}


@pytest.mark.parametrize("typ", ["dpop+jwt", "JWT+AT", "at+JWT", "", 7])
def test_a_token_of_another_type_is_refused(api, user, settings, signed_token, typ):
    # given: our own key, our claims, another `typ`
    claims = jwt.decode(signed_token(user), options={"verify_signature": False})
    token = jwt.encode(claims, settings.JWT_SIGNING_KEY, "HS256", headers={"typ": typ})

    # when
    result = api.execute(ME, token=token)

    # then
    assert error_codes(result) == ["TOKEN_INVALID"]


def test_a_token_without_typ_is_refused(api, user, settings, signed_token):
    # given
    claims = jwt.decode(signed_token(user), options={"verify_signature": False})
    token = jwt.encode(claims, settings.JWT_SIGNING_KEY, "HS256", headers={"typ": None})
    assert "typ" not in jwt.get_unverified_header(token)

    # then
    assert error_codes(api.execute(ME, token=token)) == ["TOKEN_INVALID"]


def test_a_token_signed_before_typ_existed_is_expired_so_the_client_refreshes(
    api, user, settings, signed_token
):
    # given: PyJWT's default header, as every token issued before this release had
    claims = jwt.decode(signed_token(user), options={"verify_signature": False})
    token = jwt.encode(claims, settings.JWT_SIGNING_KEY, "HS256")
    assert jwt.get_unverified_header(token)["typ"] == "JWT"

    # then
    assert error_codes(api.execute(ME, token=token)) == ["TOKEN_EXPIRED"]
