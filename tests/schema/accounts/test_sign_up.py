"""register, verifyEmail, resendVerificationEmail: answers, codes, e-mails, throttling."""

import pytest
from django.core import mail

from accounts.models import User
from tests.conftest import PASSWORD, error_codes
from tests.schema.accounts.conftest import link_token
from tests.schema.accounts.queries import (
    CREATE_ORGANIZATION,
    REGISTER,
    RESEND_VERIFICATION_EMAIL,
    TOKEN_AUTH,
    VERIFY_EMAIL,
)

NEW = {"email": "carol@example.com", "username": "carol", "password": PASSWORD}

pytestmark = pytest.mark.usefixtures("sign_up_on")


def payload_codes(result: dict, mutation: str) -> list[tuple]:
    assert "errors" not in result, result
    return [(e["field"], e["code"]) for e in result["data"][mutation]["errors"]]


def test_register_creates_an_unverified_account_and_mails_its_link(execute_and_send, db):
    # when
    result = execute_and_send(REGISTER, NEW)

    # then
    assert result["data"]["register"] == {"accepted": True, "errors": []}
    user = User.objects.get(username="carol")
    assert user.email == "carol@example.com"
    assert user.email_verified is False
    (message,) = mail.outbox
    assert message.to == ["carol@example.com"]
    assert message.subject == "Confirm your e-mail address"
    assert "http://localhost:3000/verify-email#token=" in message.body
    assert "http://localhost:3000/verify-email#token=" in message.alternatives[0][0]


def test_unverified_can_sign_in_but_not_create_organizations_until_verified(
    api, execute_and_send, db
):
    # given
    execute_and_send(REGISTER, NEW)
    token = link_token(mail.outbox[0].body)
    signed_in = api.execute(TOKEN_AUTH, {"username": "carol", "password": PASSWORD})
    api.token = signed_in["data"]["tokenAuth"]["token"]

    # when
    refused = api.execute(CREATE_ORGANIZATION)
    verified = api.execute(VERIFY_EMAIL, {"token": token})
    created = api.execute(CREATE_ORGANIZATION)

    # then
    assert refused["data"]["createOrganization"]["errors"] == [
        {"field": None, "code": "EMAIL_NOT_VERIFIED"}
    ]
    assert verified["data"]["verifyEmail"] == {"verified": True, "errors": []}
    assert created["data"]["createOrganization"]["errors"] == []
    assert User.objects.get(username="carol").email_verified is True


def signed_in_as_carol(api) -> None:
    api.authenticate(User.objects.get(username="carol"))


def test_a_verification_token_works_once(api, execute_and_send, db):
    # given
    execute_and_send(REGISTER, NEW)
    token = link_token(mail.outbox[0].body)
    signed_in_as_carol(api)
    api.execute(VERIFY_EMAIL, {"token": token})

    # when
    again = api.execute(VERIFY_EMAIL, {"token": token})

    # then
    assert payload_codes(again, "verifyEmail") == [("token", "TOKEN_INVALID")]
    assert again["data"]["verifyEmail"]["verified"] is None


def test_an_expired_verification_token_is_refused(api, execute_and_send, db, settings):
    # given
    execute_and_send(REGISTER, NEW)
    token = link_token(mail.outbox[0].body)
    settings.EMAIL_VERIFICATION_TIMEOUT = -1  # any age is past it
    signed_in_as_carol(api)

    # when
    result = api.execute(VERIFY_EMAIL, {"token": token})

    # then
    assert payload_codes(result, "verifyEmail") == [("token", "TOKEN_EXPIRED")]
    assert User.objects.get(username="carol").email_verified is False


def test_verifying_needs_a_sign_in(api, execute_and_send, db):
    # given: the link of carol's verification e-mail, opened where nobody is signed in
    execute_and_send(REGISTER, NEW)
    token = link_token(mail.outbox[0].body)

    # when
    result = api.execute(VERIFY_EMAIL, {"token": token})

    # then: refused, and the link still works once carol signs in
    assert error_codes(result) == ["UNAUTHENTICATED"]
    assert User.objects.get(username="carol").email_verified is False
    signed_in_as_carol(api)
    assert api.execute(VERIFY_EMAIL, {"token": token})["data"]["verifyEmail"]["verified"] is True


def test_a_pre_registered_address_is_not_verified_by_its_owners_click(
    api, execute_and_send, make_user, db
):
    # given: a stranger registers carol's address first (an account "pre-hijack");
    # the real carol, signed in to an account of her own, opens the link she was sent
    execute_and_send(REGISTER, {**NEW, "username": "stranger"})
    token = link_token(mail.outbox[0].body)
    api.authenticate(make_user("carol-elsewhere"))

    # when
    result = api.execute(VERIFY_EMAIL, {"token": token})

    # then: the stranger's account stays unverified (no invitation to the address
    # can be accepted with it); the message says how to take the address back
    assert payload_codes(result, "verifyEmail") == [("token", "TOKEN_INVALID")]
    assert "another account" in result["data"]["verifyEmail"]["errors"][0]["messages"][0]
    assert User.objects.get(username="stranger").email_verified is False


@pytest.mark.parametrize("token", ["", "garbage", "x" * 5000, "WzEsImFiYyJd:1:forged"])
def test_a_malformed_or_forged_verification_token_is_refused(api, user, token):
    # given
    api.authenticate(user)

    # when
    result = api.execute(VERIFY_EMAIL, {"token": token})

    # then
    assert payload_codes(result, "verifyEmail") == [("token", "TOKEN_INVALID")]


def test_a_taken_address_gets_the_same_answer_and_its_owner_a_warning(execute_and_send, user):
    # when: alice@example.com belongs to alice
    result = execute_and_send(REGISTER, {**NEW, "email": "ALICE@example.com"})

    # then: the same answer as a sign-up; no account; alice is told
    assert result["data"]["register"] == {"accepted": True, "errors": []}
    assert not User.objects.filter(username="carol").exists()
    (message,) = mail.outbox
    assert message.to == ["alice@example.com"]
    assert message.subject == "Someone tried to sign up with your e-mail address"
    assert "http://localhost:3000/reset-password#token=" in message.body


def test_a_taken_username_is_said_whatever_its_case(execute_and_send, user):
    # when
    result = execute_and_send(REGISTER, {**NEW, "username": "ALICE"})

    # then
    assert payload_codes(result, "register") == [("username", "USERNAME_TAKEN")]
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"password": "short"}, [("password", "PASSWORD_TOO_SHORT")]),
        ({"password": "password"}, [("password", "PASSWORD_TOO_COMMON")]),
        ({"password": "93847561029384"}, [("password", "PASSWORD_ENTIRELY_NUMERIC")]),
        ({"password": "carol@example"}, [("password", "PASSWORD_TOO_SIMILAR")]),
        ({"password": "x" * 5000}, [("password", "MAX_LENGTH")]),
        ({"email": "not-an-address"}, [("email", "INVALID")]),
        ({"email": "a" * 250 + "@example.com"}, [("email", "MAX_LENGTH")]),
        ({"username": "white space"}, [("username", "INVALID")]),
        ({"username": ""}, [("username", "BLANK")]),
        ({"username": "u" * 151}, [("username", "MAX_LENGTH")]),
    ],
)
def test_bad_input_is_refused_field_by_field(execute_and_send, db, changes, expected):
    # when
    result = execute_and_send(REGISTER, {**NEW, **changes})

    # then
    assert payload_codes(result, "register") == expected
    assert not User.objects.filter(email="carol@example.com").exists()
    assert mail.outbox == []


def test_sign_up_switched_off_is_refused(execute_and_send, db, settings):
    # given
    settings.SIGN_UP_ENABLED = False

    # when
    result = execute_and_send(REGISTER, NEW)

    # then
    assert payload_codes(result, "register") == [(None, "SIGN_UP_DISABLED")]
    assert not User.objects.exists()


def test_sign_up_is_throttled_per_client_address(execute_and_send, db, settings):
    # given
    settings.SIGN_UPS_PER_IP = 2
    for number in range(2):
        execute_and_send(REGISTER, {**NEW, "username": f"c{number}", "email": f"{number}@x.io"})

    # when
    result = execute_and_send(REGISTER, NEW)

    # then
    assert error_codes(result) == ["RATE_LIMITED"]
    assert result["errors"][0]["extensions"]["retryAfter"] > 0
    assert "Too many sign-ups" in result["errors"][0]["message"]
    assert User.objects.count() == 2


def test_sign_up_counts_an_ipv6_client_by_its_64(api, execute_and_send, db, settings):
    # given: two sign-ups from one /64, each from another address in it
    settings.SIGN_UPS_PER_IP = 2
    for number in range(2):
        api.client.defaults["REMOTE_ADDR"] = f"2001:db8:1:2::{number + 1}"
        execute_and_send(REGISTER, {**NEW, "username": f"c{number}", "email": f"{number}@x.io"})

    # when: a third address of the same /64, and one of another /64
    api.client.defaults["REMOTE_ADDR"] = "2001:db8:1:2:ffff::9"
    result = execute_and_send(REGISTER, NEW)
    api.client.defaults["REMOTE_ADDR"] = "2001:db8:1:3::1"
    other = execute_and_send(REGISTER, {**NEW, "username": "d", "email": "d@x.io"})

    # then
    assert error_codes(result) == ["RATE_LIMITED"]
    assert other["data"]["register"] == {"accepted": True, "errors": []}
    assert User.objects.count() == 3


def test_warnings_to_a_taken_address_are_bounded_whatever_the_client(
    api, execute_and_send, user, settings
):
    # given: alice@example.com is alice's; sign-ups with it from many client addresses
    settings.MAIL_REQUESTS_PER_ADDRESS = 2
    results = []
    for number in range(4):
        api.client.defaults["REMOTE_ADDR"] = f"198.51.100.{number + 1}"
        results.append(
            execute_and_send(
                REGISTER, {**NEW, "username": f"c{number}", "email": "alice@example.com"}
            )
        )

    # then: the same answer every time, but alice gets two warnings, not four
    assert all(r["data"]["register"] == {"accepted": True, "errors": []} for r in results)
    assert [m.to for m in mail.outbox] == [["alice@example.com"]] * 2


def test_mail_requests_count_an_ipv6_client_by_its_64(api, execute_and_send, db, settings):
    # given
    settings.MAIL_REQUESTS_PER_IP = 2
    for number in range(2):
        api.client.defaults["REMOTE_ADDR"] = f"2001:db8:1:2::{number + 1}"
        execute_and_send(RESEND_VERIFICATION_EMAIL, {"email": f"n{number}@example.com"})

    # when
    api.client.defaults["REMOTE_ADDR"] = "2001:db8:1:2::77"
    result = execute_and_send(RESEND_VERIFICATION_EMAIL, {"email": "n9@example.com"})

    # then
    assert error_codes(result) == ["RATE_LIMITED"]


def test_resend_sends_a_new_link_to_an_unverified_account(api, execute_and_send, db):
    # given
    execute_and_send(REGISTER, NEW)

    # when
    result = execute_and_send(RESEND_VERIFICATION_EMAIL, {"email": "Carol@Example.com"})

    # then
    assert result["data"]["resendVerificationEmail"] == {"accepted": True, "errors": []}
    assert len(mail.outbox) == 2
    signed_in_as_carol(api)
    verified = api.execute(VERIFY_EMAIL, {"token": link_token(mail.outbox[1].body)})
    assert verified["data"]["verifyEmail"]["verified"] is True


@pytest.mark.parametrize("email", ["nobody@example.com", "alice@example.com"])
def test_resend_answers_the_same_for_unknown_and_verified_addresses(execute_and_send, user, email):
    # when
    result = execute_and_send(RESEND_VERIFICATION_EMAIL, {"email": email})

    # then: the same answer as above, and no e-mail
    assert result["data"]["resendVerificationEmail"] == {"accepted": True, "errors": []}
    assert mail.outbox == []


def test_resend_is_throttled_per_address_known_or_not(execute_and_send, db, settings):
    # given
    settings.MAIL_REQUESTS_PER_ADDRESS = 2
    for _ in range(2):
        execute_and_send(RESEND_VERIFICATION_EMAIL, {"email": "nobody@example.com"})

    # when
    result = execute_and_send(RESEND_VERIFICATION_EMAIL, {"email": "NOBODY@example.com"})
    other = execute_and_send(RESEND_VERIFICATION_EMAIL, {"email": "else@example.com"})

    # then
    assert error_codes(result) == ["RATE_LIMITED"]
    assert "Too many e-mail requests" in result["errors"][0]["message"]
    assert other["data"]["resendVerificationEmail"]["accepted"] is True
