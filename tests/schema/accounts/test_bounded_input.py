"""Bounded data in sign-in: an over-long password is refused before hashing or counting."""

import pytest
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError

from accounts.validators import PASSWORD_MAX_LENGTH
from tests.conftest import PASSWORD, error_codes
from tests.schema.accounts.queries import CHANGE_PASSWORD, TOKEN_AUTH


def sign_in(api, username: str, password: str) -> dict:
    return api.execute(TOKEN_AUTH, {"username": username, "password": password})


def test_a_password_at_the_limit_is_checked_like_any_other(api, user):
    # when
    result = sign_in(api, "alice", "p" * PASSWORD_MAX_LENGTH)

    # then
    assert error_codes(result) == ["INVALID_CREDENTIALS"]


def test_a_password_past_the_limit_is_bad_user_input_and_takes_no_attempt(api, user, settings):
    # given
    too_long = "p" * (PASSWORD_MAX_LENGTH + 1)

    # when: more over-long attempts than the username's limit
    attempts = settings.SIGN_IN_ATTEMPTS_PER_USERNAME + 1
    refused = [sign_in(api, "alice", too_long) for _ in range(attempts)]
    megabyte = api.post(TOKEN_AUTH, {"username": "alice", "password": "p" * 1_000_000})

    # then: each refused with its code (a megabyte body before it is even read),
    # and none counted against alice
    assert all(error_codes(result) == ["BAD_USER_INPUT"] for result in refused)
    assert megabyte.status_code == 413
    assert error_codes(megabyte.json()) == ["BAD_REQUEST"]
    assert "errors" not in sign_in(api, "alice", PASSWORD)


@pytest.mark.parametrize(
    ("length", "code"), [(150, "INVALID_CREDENTIALS"), (151, "BAD_USER_INPUT")]
)
def test_usernames_are_bounded(api, db, length, code):
    # when
    result = sign_in(api, "u" * length, PASSWORD)

    # then
    assert error_codes(result) == [code]


@pytest.mark.parametrize("field", ["oldPassword", "newPassword"])
def test_change_password_refuses_a_password_past_the_limit(api, user, field):
    # given
    api.authenticate(user)
    variables = {"oldPassword": PASSWORD, "newPassword": "a-much-better-passphrase-42"}
    variables[field] = "p" * (PASSWORD_MAX_LENGTH + 1)

    # when
    result = api.execute(CHANGE_PASSWORD, variables)

    # then
    payload = result["data"]["changePassword"]
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [(field, "MAX_LENGTH")]
    assert payload["token"] is None
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_change_password_takes_a_new_password_at_the_limit(api, user):
    # given
    api.authenticate(user)
    new_password = ("correct horse battery staple " * 200)[:PASSWORD_MAX_LENGTH]

    # when
    result = api.execute(CHANGE_PASSWORD, {"oldPassword": PASSWORD, "newPassword": new_password})

    # then
    assert result["data"]["changePassword"]["errors"] == []
    user.refresh_from_db()
    assert user.check_password(new_password)


def test_no_other_door_sets_a_password_past_the_limit(user):
    # when: the admin's and manage.py's password forms run the same validators
    with pytest.raises(ValidationError) as raised:
        password_validation.validate_password("p" * (PASSWORD_MAX_LENGTH + 1), user)

    # then
    assert [error.code for error in raised.value.error_list] == ["max_length"]
