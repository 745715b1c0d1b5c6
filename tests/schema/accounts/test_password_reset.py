"""requestPasswordReset and resetPassword: answers, codes, e-mails, sessions, throttling."""

import pytest
from django.core import mail

from accounts.models import User
from tests.conftest import PASSWORD, error_codes
from tests.schema.accounts.conftest import link_token
from tests.schema.accounts.queries import (
    ME,
    REFRESH_TOKEN,
    REQUEST_PASSWORD_RESET,
    RESET_PASSWORD,
    TOKEN_AUTH,
)

NEW_PASSWORD = "a-brand-new-passphrase"


def payload_codes(result: dict, mutation: str) -> list[tuple]:
    assert "errors" not in result, result
    return [(e["field"], e["code"]) for e in result["data"][mutation]["errors"]]


@pytest.fixture
def reset_token(execute_and_send, user):
    """The token of a reset link mailed to alice."""
    execute_and_send(REQUEST_PASSWORD_RESET, {"email": "alice@example.com"})
    (message,) = mail.outbox
    return link_token(message.body)


@pytest.mark.parametrize("email", ["alice@example.com", "nobody@example.com"])
def test_the_answer_is_the_same_for_known_and_unknown_addresses(execute_and_send, user, email):
    # when
    result = execute_and_send(REQUEST_PASSWORD_RESET, {"email": email})

    # then
    assert result == {"data": {"requestPasswordReset": {"accepted": True, "errors": []}}}
    assert len(mail.outbox) == (1 if email == "alice@example.com" else 0)


def test_the_reset_mail_has_a_link_a_text_and_an_html_part(execute_and_send, user):
    # when
    execute_and_send(REQUEST_PASSWORD_RESET, {"email": "ALICE@example.com"})

    # then
    (message,) = mail.outbox
    assert message.to == ["alice@example.com"]
    assert message.subject == "Reset your password"
    assert "expires in 60 minutes" in message.body
    assert "http://localhost:3000/reset-password#token=" in message.alternatives[0][0]


def test_an_inactive_account_gets_no_reset_mail(execute_and_send, user):
    # given
    User.objects.filter(pk=user.pk).update(is_active=False)

    # when
    result = execute_and_send(REQUEST_PASSWORD_RESET, {"email": "alice@example.com"})

    # then
    assert result["data"]["requestPasswordReset"]["accepted"] is True
    assert mail.outbox == []


def test_reset_sets_the_password_and_ends_every_session(api, sign_in, user, reset_token):
    # given: two sessions
    first, second = sign_in(user), sign_in(user)

    # when
    result = api.execute(RESET_PASSWORD, {"token": reset_token, "newPassword": NEW_PASSWORD})

    # then: old access and refresh tokens are dead; the new password signs in
    assert result["data"]["resetPassword"] == {"passwordChanged": True, "errors": []}
    assert error_codes(api.execute(ME, token=first["token"])) == ["TOKEN_INVALID"]
    refreshed = api.execute(REFRESH_TOKEN, {"refreshToken": second["refreshToken"]})
    assert error_codes(refreshed) == ["REFRESH_TOKEN_REUSED"]  # as after revokeAllTokens
    signed_in = api.execute(TOKEN_AUTH, {"username": "alice", "password": NEW_PASSWORD})
    assert signed_in["data"]["tokenAuth"]["token"]
    assert error_codes(api.execute(TOKEN_AUTH, {"username": "alice", "password": PASSWORD})) == [
        "INVALID_CREDENTIALS"
    ]


def test_a_reset_token_works_once(api, reset_token):
    # given
    api.execute(RESET_PASSWORD, {"token": reset_token, "newPassword": NEW_PASSWORD})

    # when
    again = api.execute(RESET_PASSWORD, {"token": reset_token, "newPassword": "another-passphrase"})

    # then
    assert payload_codes(again, "resetPassword") == [("token", "TOKEN_INVALID")]


def test_a_reset_token_dies_when_the_password_changes(api, user, reset_token):
    # given: the password changes another way (the admin, changePassword)
    user.set_password("changed-elsewhere-1")
    user.save()

    # when
    result = api.execute(RESET_PASSWORD, {"token": reset_token, "newPassword": NEW_PASSWORD})

    # then
    assert payload_codes(result, "resetPassword") == [("token", "TOKEN_INVALID")]
    assert User.objects.get(pk=user.pk).check_password("changed-elsewhere-1")


def test_a_reset_token_expires(api, user, reset_token, settings):
    # given
    settings.PASSWORD_RESET_TIMEOUT = -1  # any age is past it

    # when
    result = api.execute(RESET_PASSWORD, {"token": reset_token, "newPassword": NEW_PASSWORD})

    # then
    assert payload_codes(result, "resetPassword") == [("token", "TOKEN_EXPIRED")]
    assert User.objects.get(pk=user.pk).check_password(PASSWORD)


def test_a_verification_token_is_no_reset_token(api, user, execute_and_send):
    # given: a verification link of alice's
    from accounts.one_time_tokens import one_time_token_make

    token = one_time_token_make(purpose="verify_email", user=user)

    # when
    result = api.execute(RESET_PASSWORD, {"token": token, "newPassword": NEW_PASSWORD})

    # then
    assert payload_codes(result, "resetPassword") == [("token", "TOKEN_INVALID")]


@pytest.mark.parametrize(
    ("password", "code"),
    [("short", "PASSWORD_TOO_SHORT"), ("alice-example", "PASSWORD_TOO_SIMILAR")],
)
def test_the_password_validators_apply(api, user, reset_token, password, code):
    # when
    result = api.execute(RESET_PASSWORD, {"token": reset_token, "newPassword": password})

    # then: refused, and the link still works
    assert payload_codes(result, "resetPassword") == [("newPassword", code)]
    retried = api.execute(RESET_PASSWORD, {"token": reset_token, "newPassword": NEW_PASSWORD})
    assert retried["data"]["resetPassword"]["passwordChanged"] is True


def test_a_reset_verifies_the_address(api, user, reset_token):
    # given
    User.objects.filter(pk=user.pk).update(email_verified=False)

    # when
    api.execute(RESET_PASSWORD, {"token": reset_token, "newPassword": NEW_PASSWORD})

    # then
    assert User.objects.get(pk=user.pk).email_verified is True


def test_requests_are_throttled_per_address_known_or_not(execute_and_send, user, settings):
    # given
    settings.MAIL_REQUESTS_PER_ADDRESS = 2
    for email in ("alice@example.com", "nobody@example.com"):
        for _ in range(2):
            execute_and_send(REQUEST_PASSWORD_RESET, {"email": email})

    # when
    known = execute_and_send(REQUEST_PASSWORD_RESET, {"email": "Alice@example.com"})
    unknown = execute_and_send(REQUEST_PASSWORD_RESET, {"email": "nobody@example.com"})

    # then: the same refusal for both; alice got two e-mails, no more
    assert error_codes(known) == error_codes(unknown) == ["RATE_LIMITED"]
    assert len(mail.outbox) == 2


def test_requests_are_throttled_per_client_address(execute_and_send, user, settings):
    # given
    settings.MAIL_REQUESTS_PER_IP = 3
    for number in range(3):
        execute_and_send(REQUEST_PASSWORD_RESET, {"email": f"n{number}@example.com"})

    # when
    result = execute_and_send(REQUEST_PASSWORD_RESET, {"email": "alice@example.com"})

    # then
    assert error_codes(result) == ["RATE_LIMITED"]
    assert result["errors"][0]["extensions"]["retryAfter"] > 0
    assert mail.outbox == []


def test_a_malformed_address_is_refused(execute_and_send, db):
    # when
    result = execute_and_send(REQUEST_PASSWORD_RESET, {"email": "x" * 300})

    # then
    assert payload_codes(result, "requestPasswordReset") == [("email", "MAX_LENGTH")]
