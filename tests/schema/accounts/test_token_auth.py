import hashlib
from datetime import datetime, timedelta

from accounts.models import RefreshToken
from tests.conftest import PASSWORD, error_codes
from tests.schema.accounts.queries import ME, TOKEN_AUTH


def test_token_auth_returns_both_tokens_payload_and_expiry_times(api, user):
    # when
    result = api.execute(TOKEN_AUTH, {"username": "alice", "password": PASSWORD})

    # then
    assert "errors" not in result
    data = result["data"]["tokenAuth"]
    assert data["user"] == {"username": "alice"}
    payload = data["payload"]
    assert payload["username"] == "alice"
    assert payload["user_id"] == str(user.pk)
    assert payload["token_type"] == "access"
    assert isinstance(payload["jti"], str) and payload["jti"]
    assert payload["origIat"] == payload["iat"]
    assert datetime.fromisoformat(data["tokenExpiresAt"]).timestamp() == payload["exp"]
    refresh_expires_at = datetime.fromisoformat(data["refreshTokenExpiresAt"])
    assert (
        abs(refresh_expires_at.timestamp() - payload["iat"] - timedelta(days=1).total_seconds()) < 2
    )


def test_access_token_lives_300_seconds_by_default(sign_in, user):
    # when
    payload = sign_in(user)["payload"]

    # then
    assert payload["exp"] - payload["iat"] == 300


def test_token_auth_token_works_as_bearer_for_me(api, sign_in, user):
    # given
    token = sign_in(user)["token"]

    # when
    result = api.execute(ME, token=token)

    # then
    assert result == {"data": {"me": {"username": "alice"}}}


def test_refresh_token_is_stored_as_a_digest_only(sign_in, user):
    # when
    refresh_token = sign_in(user)["refreshToken"]

    # then
    row = RefreshToken.objects.get(user=user)
    assert row.token_hash == hashlib.sha256(refresh_token.encode()).hexdigest()
    assert refresh_token not in {str(getattr(row, f.attname)) for f in row._meta.fields}


def test_wrong_password_and_unknown_user_get_the_same_generic_error(api, user):
    # when
    wrong_password = api.execute(TOKEN_AUTH, {"username": "alice", "password": "nope"})
    unknown_user = api.execute(TOKEN_AUTH, {"username": "nobody", "password": "nope"})

    # then
    assert error_codes(wrong_password) == ["INVALID_CREDENTIALS"]
    assert error_codes(unknown_user) == ["INVALID_CREDENTIALS"]
    assert wrong_password["errors"][0]["message"] == unknown_user["errors"][0]["message"]
    assert wrong_password["data"] == {"tokenAuth": None}
    assert not RefreshToken.objects.exists()


def test_inactive_user_cannot_sign_in(api, user):
    # given
    user.is_active = False
    user.save()

    # when
    result = api.execute(TOKEN_AUTH, {"username": "alice", "password": PASSWORD})

    # then
    assert error_codes(result) == ["INVALID_CREDENTIALS"]


def test_token_auth_updates_last_login(sign_in, user):
    # given
    assert user.last_login is None

    # when
    sign_in(user)

    # then
    user.refresh_from_db()
    assert user.last_login is not None


def test_token_auth_works_with_a_stale_bearer_header(api, user, signed_token):
    # given
    expired = signed_token(user, iat=1_000_000, exp=1_000_300, origIat=1_000_000)

    # when
    result = api.execute(TOKEN_AUTH, {"username": "alice", "password": PASSWORD}, token=expired)

    # then
    assert "errors" not in result
    assert result["data"]["tokenAuth"]["token"]


def test_missing_argument_is_a_validation_error(api, db):
    # when
    result = api.execute('mutation { tokenAuth(username: "alice") { token } }')

    # then
    assert error_codes(result) == ["GRAPHQL_VALIDATION_FAILED"]
