import time

from accounts.models import RefreshToken
from tests.conftest import PASSWORD, error_codes
from tests.schema.accounts.queries import ME, REFRESH_TOKEN, REVOKE_ALL_TOKENS, VERIFY_TOKEN


def test_revoke_all_tokens_ends_every_session_at_once(api, sign_in, user):
    # given: two devices signed in
    phone = sign_in(user)
    laptop = sign_in(user)

    # when: the phone signs out everywhere
    result = api.execute(REVOKE_ALL_TOKENS, token=phone["token"])

    # then: access tokens stop working now, not at expiry; refresh tokens too
    assert result == {"data": {"revokeAllTokens": {"revoked": True}}}
    for session in (phone, laptop):
        assert error_codes(api.execute(ME, token=session["token"])) == ["TOKEN_INVALID"]
        refused = api.execute(REFRESH_TOKEN, {"refreshToken": session["refreshToken"]})
        assert error_codes(refused) == ["REFRESH_TOKEN_REUSED"]
    assert not RefreshToken.objects.filter(revoked_at__isnull=True).exists()


def test_sign_in_after_revoke_all_tokens_works(api, sign_in, user):
    # given
    api.execute(REVOKE_ALL_TOKENS, token=sign_in(user)["token"])

    # when
    signed_in = sign_in(user)

    # then
    assert api.execute(ME, token=signed_in["token"]) == {"data": {"me": {"username": "alice"}}}


def test_revoke_all_tokens_leaves_other_users_alone(api, sign_in, user, django_user_model):
    # given
    bob = django_user_model.objects.create_user(username="bob", password=PASSWORD)
    bobs = sign_in(bob)

    # when
    api.execute(REVOKE_ALL_TOKENS, token=sign_in(user)["token"])

    # then
    assert api.execute(ME, token=bobs["token"]) == {"data": {"me": {"username": "bob"}}}
    assert "errors" not in api.execute(REFRESH_TOKEN, {"refreshToken": bobs["refreshToken"]})


def test_revoke_all_tokens_needs_sign_in(api, db):
    # when
    result = api.execute(REVOKE_ALL_TOKENS)

    # then
    assert error_codes(result) == ["UNAUTHENTICATED"]
    assert result["data"] == {"revokeAllTokens": None}


def test_revoke_all_tokens_with_expired_token_says_token_expired(api, user, signed_token):
    # given
    now = int(time.time())
    expired = signed_token(user, iat=now - 600, exp=now - 300, origIat=now - 600)

    # when
    result = api.execute(REVOKE_ALL_TOKENS, token=expired)

    # then
    assert error_codes(result) == ["TOKEN_EXPIRED"]


def test_revoked_access_token_is_refused_by_verify_token(api, sign_in, user):
    # given
    token = sign_in(user)["token"]
    api.execute(REVOKE_ALL_TOKENS, token=token)

    # when
    result = api.execute(VERIFY_TOKEN, {"token": token})

    # then
    assert error_codes(result) == ["TOKEN_INVALID"]


def test_token_auth_after_revoke_all_in_the_same_request_is_a_new_session(api, sign_in, user):
    # given: sign out everywhere and sign in again, in one request
    token = sign_in(user)["token"]
    document = (
        "mutation($u: String!, $p: String!) { revokeAllTokens { revoked } "
        "tokenAuth(username: $u, password: $p) { token } }"
    )

    # when
    result = api.execute(document, {"u": "alice", "p": PASSWORD}, token=token)

    # then
    assert "errors" not in result
    new_token = result["data"]["tokenAuth"]["token"]
    assert api.execute(ME, token=new_token) == {"data": {"me": {"username": "alice"}}}
