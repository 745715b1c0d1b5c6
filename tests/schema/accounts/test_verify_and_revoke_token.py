import time

from accounts.models import RefreshToken
from tests.conftest import error_codes
from tests.schema.accounts.queries import REFRESH_TOKEN, REVOKE_TOKEN, VERIFY_TOKEN


def test_verify_token_returns_the_payload(api, sign_in, user):
    # given
    signed_in = sign_in(user)

    # when
    result = api.execute(VERIFY_TOKEN, {"token": signed_in["token"]})

    # then
    assert result == {"data": {"verifyToken": {"payload": signed_in["payload"]}}}


def test_verify_token_works_with_a_stale_header(api, sign_in, user, signed_token):
    # given
    token = sign_in(user)["token"]
    stale = signed_token(user, iat=1_000_000, exp=1_000_300, origIat=1_000_000)

    # when
    result = api.execute(VERIFY_TOKEN, {"token": token}, token=stale)

    # then
    assert "errors" not in result


def test_verify_expired_token_says_token_expired(api, user, signed_token):
    # given
    now = int(time.time())
    expired = signed_token(user, iat=now - 400, exp=now - 100, origIat=now - 400)

    # when
    result = api.execute(VERIFY_TOKEN, {"token": expired})

    # then
    assert error_codes(result) == ["TOKEN_EXPIRED"]


def test_verify_garbage_says_token_invalid(api, db):
    # when
    result = api.execute(VERIFY_TOKEN, {"token": "garbage"})

    # then
    assert error_codes(result) == ["TOKEN_INVALID"]


def test_verify_refresh_token_says_token_invalid(api, sign_in, user):
    # when
    result = api.execute(VERIFY_TOKEN, {"token": sign_in(user)["refreshToken"]})

    # then
    assert error_codes(result) == ["TOKEN_INVALID"]


def test_revoke_token_ends_the_sign_in(api, sign_in, user):
    # given
    refresh_token = sign_in(user)["refreshToken"]

    # when
    result = api.execute(REVOKE_TOKEN, {"refreshToken": refresh_token})

    # then
    assert result == {"data": {"revokeToken": {"revoked": True}}}
    refused = api.execute(REFRESH_TOKEN, {"refreshToken": refresh_token})
    assert error_codes(refused) == ["REFRESH_TOKEN_REUSED"]


def test_revoke_token_works_with_a_stale_header(api, sign_in, user, signed_token):
    # given
    refresh_token = sign_in(user)["refreshToken"]
    stale = signed_token(user, iat=1_000_000, exp=1_000_300, origIat=1_000_000)

    # when
    result = api.execute(REVOKE_TOKEN, {"refreshToken": refresh_token}, token=stale)

    # then
    assert result == {"data": {"revokeToken": {"revoked": True}}}
    assert not RefreshToken.objects.filter(revoked_at__isnull=True).exists()


def test_revoke_of_a_rotated_token_ends_the_newer_tokens_of_its_chain(api, sign_in, user):
    # given
    rt1 = sign_in(user)["refreshToken"]
    rt2 = api.execute(REFRESH_TOKEN, {"refreshToken": rt1})["data"]["refreshToken"]["refreshToken"]

    # when
    api.execute(REVOKE_TOKEN, {"refreshToken": rt1})

    # then
    assert error_codes(api.execute(REFRESH_TOKEN, {"refreshToken": rt2})) == [
        "REFRESH_TOKEN_REUSED"
    ]


def test_revoke_unknown_token_says_token_invalid(api, db):
    # when
    result = api.execute(REVOKE_TOKEN, {"refreshToken": "unknown"})

    # then
    assert error_codes(result) == ["TOKEN_INVALID"]
