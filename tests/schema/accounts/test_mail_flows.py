"""The issue's "Done when" flows through a real SMTP server and a real `db_worker` process.

register -> the e-mail arrives -> sign in -> verifyEmail; forgot password -> the
e-mail arrives -> resetPassword -> old sessions dead; the SMTP server down ->
the mutation succeeds -> the message arrives once the server is back.
"""

import time

import pytest

from tests.conftest import PASSWORD, error_codes
from tests.schema.accounts.conftest import link_token
from tests.schema.accounts.queries import (
    CREATE_ORGANIZATION,
    ME,
    REFRESH_TOKEN,
    REGISTER,
    REQUEST_PASSWORD_RESET,
    RESET_PASSWORD,
    TOKEN_AUTH,
    VERIFY_EMAIL,
)


def text_of(message) -> str:
    return message.get_body(("plain",)).get_content()


@pytest.mark.usefixtures("sign_up_on")
def test_register_the_email_arrives_sign_in_verify(api, smtp_server, start_mail_worker):
    # given
    start_mail_worker(smtp_server)

    # when: sign up; the worker sends the link by SMTP
    registered = api.execute(
        REGISTER, {"email": "carol@example.com", "username": "carol", "password": PASSWORD}
    )
    (message,) = smtp_server.wait_for_messages(1)
    signed_in = api.execute(TOKEN_AUTH, {"username": "carol", "password": PASSWORD})
    api.token = signed_in["data"]["tokenAuth"]["token"]
    verified = api.execute(VERIFY_EMAIL, {"token": link_token(text_of(message))})
    created = api.execute(CREATE_ORGANIZATION)

    # then
    assert registered["data"]["register"] == {"accepted": True, "errors": []}
    assert message["To"] == "carol@example.com"
    assert message.get_body(("html",)) is not None
    assert verified["data"]["verifyEmail"] == {"verified": True, "errors": []}
    assert created["data"]["createOrganization"]["errors"] == []


def test_forgot_password_the_email_arrives_reset_old_sessions_dead(
    api, make_user, smtp_server, start_mail_worker
):
    # given: alice signed in twice
    make_user("alice", email="alice@example.com")
    sessions = [
        api.execute(TOKEN_AUTH, {"username": "alice", "password": PASSWORD})["data"]["tokenAuth"]
        for _ in range(2)
    ]
    start_mail_worker(smtp_server)

    # when
    requested = api.execute(REQUEST_PASSWORD_RESET, {"email": "alice@example.com"})
    (message,) = smtp_server.wait_for_messages(1)
    token = link_token(text_of(message))
    reset = api.execute(RESET_PASSWORD, {"token": token, "newPassword": "new-passphrase-9"})

    # then
    assert requested["data"]["requestPasswordReset"] == {"accepted": True, "errors": []}
    assert message["Subject"] == "Reset your password"
    assert reset["data"]["resetPassword"] == {"passwordChanged": True, "errors": []}
    for session in sessions:
        assert error_codes(api.execute(ME, token=session["token"])) == ["TOKEN_INVALID"]
        refused = api.execute(REFRESH_TOKEN, {"refreshToken": session["refreshToken"]})
        assert error_codes(refused) == ["REFRESH_TOKEN_REUSED"]
    signed_in = api.execute(TOKEN_AUTH, {"username": "alice", "password": "new-passphrase-9"})
    assert signed_in["data"]["tokenAuth"]["token"]


def test_smtp_down_the_mutation_succeeds_and_the_mail_arrives_once_it_is_back(
    api, make_user, smtp_server, start_mail_worker
):
    # given: the SMTP server is down
    make_user("alice", email="alice@example.com")
    smtp_server.stop()
    worker = start_mail_worker(smtp_server)

    # when
    requested = api.execute(REQUEST_PASSWORD_RESET, {"email": "alice@example.com"})
    worker.wait_for_log("failed, attempt 2 of 8", timeout=30)
    smtp_server.start()

    # then: the mutation succeeded; the message arrives once
    assert requested["data"]["requestPasswordReset"] == {"accepted": True, "errors": []}
    (message,) = smtp_server.wait_for_messages(1, timeout=30)
    assert message["To"] == "alice@example.com"
    time.sleep(1.5)  # several retry delays: a duplicate would have arrived by now
    assert len(smtp_server.messages) == 1
