import pytest

from accounts.models import RefreshToken
from tests.conftest import PASSWORD, error_codes
from tests.schema.accounts.queries import CHANGE_PASSWORD, ME, REFRESH_TOKEN, TOKEN_AUTH

NEW_PASSWORD = "a-much-better-passphrase-42"


def change_password(api, token, old=PASSWORD, new=NEW_PASSWORD):
    return api.execute(CHANGE_PASSWORD, {"oldPassword": old, "newPassword": new}, token=token)


def test_change_password_returns_a_new_pair_and_ends_every_other_session(api, sign_in, user):
    # given: this device and another one are signed in
    this_device = sign_in(user)
    other_device = sign_in(user)

    # when
    result = change_password(api, this_device["token"])

    # then: a fresh pair for this device
    assert "errors" not in result
    changed = result["data"]["changePassword"]
    assert changed["errors"] == []
    assert changed["user"] == {"username": "alice"}
    assert api.execute(ME, token=changed["token"]) == {"data": {"me": {"username": "alice"}}}
    assert "errors" not in api.execute(REFRESH_TOKEN, {"refreshToken": changed["refreshToken"]})
    # and every token issued before, this device's included, stops working at once
    for session in (this_device, other_device):
        assert error_codes(api.execute(ME, token=session["token"])) == ["TOKEN_INVALID"]
        refused = api.execute(REFRESH_TOKEN, {"refreshToken": session["refreshToken"]})
        assert error_codes(refused) == ["REFRESH_TOKEN_REUSED"]


def test_change_password_changes_the_password(api, sign_in, user):
    # when
    change_password(api, sign_in(user)["token"])

    # then
    old = api.execute(TOKEN_AUTH, {"username": "alice", "password": PASSWORD})
    new = api.execute(TOKEN_AUTH, {"username": "alice", "password": NEW_PASSWORD})
    assert error_codes(old) == ["INVALID_CREDENTIALS"]
    assert "errors" not in new


def test_wrong_old_password_is_a_field_error_and_changes_nothing(api, sign_in, user):
    # given
    signed_in = sign_in(user)

    # when
    result = change_password(api, signed_in["token"], old="not-my-password")

    # then
    assert "errors" not in result
    changed = result["data"]["changePassword"]
    assert len(changed["errors"]) == 1
    assert changed["errors"][0]["field"] == "oldPassword"
    assert changed["errors"][0]["code"] == "PASSWORD_INCORRECT"
    assert changed["errors"][0]["messages"]
    assert changed["token"] is None and changed["refreshToken"] is None
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert api.execute(ME, token=signed_in["token"]) == {"data": {"me": {"username": "alice"}}}
    assert RefreshToken.objects.filter(revoked_at__isnull=True).count() == 1


@pytest.mark.parametrize(
    ("new_password", "codes"),
    [
        ("x7!k", ["PASSWORD_TOO_SHORT"]),
        ("password123", ["PASSWORD_TOO_COMMON"]),
        ("48151623429", ["PASSWORD_ENTIRELY_NUMERIC"]),
        ("alice@example.com", ["PASSWORD_TOO_SIMILAR"]),
        ("12345", ["PASSWORD_TOO_SHORT", "PASSWORD_TOO_COMMON", "PASSWORD_ENTIRELY_NUMERIC"]),
    ],
)
def test_new_password_is_checked_by_the_password_validators(
    api, sign_in, user, new_password, codes
):
    # given
    signed_in = sign_in(user)

    # when
    result = change_password(api, signed_in["token"], new=new_password)

    # then
    errors = result["data"]["changePassword"]["errors"]
    assert len(errors) == len(codes)
    assert [error["code"] for error in errors] == codes
    assert {error["field"] for error in errors} == {"newPassword"}
    assert all(error["messages"] for error in errors)
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert api.execute(ME, token=signed_in["token"]) == {"data": {"me": {"username": "alice"}}}


def test_wrong_old_and_weak_new_password_are_both_reported(api, sign_in, user):
    # when
    result = change_password(api, sign_in(user)["token"], old="wrong", new="x7!k")

    # then
    errors = result["data"]["changePassword"]["errors"]
    assert len(errors) == 2
    assert [(error["field"], error["code"]) for error in errors] == [
        ("oldPassword", "PASSWORD_INCORRECT"),
        ("newPassword", "PASSWORD_TOO_SHORT"),
    ]


def test_change_password_needs_sign_in(api, db):
    # when
    result = api.execute(CHANGE_PASSWORD, {"oldPassword": PASSWORD, "newPassword": NEW_PASSWORD})

    # then
    assert error_codes(result) == ["UNAUTHENTICATED"]
    assert result["data"] == {"changePassword": None}


def test_change_password_with_a_revoked_token_says_token_invalid(api, sign_in, user):
    # given: a token that an earlier password change ended
    old_token = sign_in(user)["token"]
    change_password(api, old_token)

    # when
    result = change_password(api, old_token, old=NEW_PASSWORD, new="yet-another-passphrase-7")

    # then
    assert error_codes(result) == ["TOKEN_INVALID"]
