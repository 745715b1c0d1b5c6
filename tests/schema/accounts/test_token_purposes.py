"""Each one-time token works for its own purpose only (security review).

A verification token is no reset token (test_password_reset.py); here the other
directions: a reset token verifies no address, an invitation token is neither,
and neither signed token names an invitation.
"""

import pytest

from accounts.models import User
from accounts.one_time_tokens import one_time_token_make
from organization.services import invitation_create
from tests.conftest import PASSWORD, error_codes
from tests.schema.accounts.queries import RESET_PASSWORD, VERIFY_EMAIL

NEW_PASSWORD = "a-new-and-long-passphrase"
ACCEPT = """
mutation Accept($by: InvitationLookup!) {
  acceptInvitation(by: $by) { errors { field code } }
}
"""


def payload_codes(result: dict, mutation: str) -> list[tuple]:
    assert "errors" not in result, result
    return [(e["field"], e["code"]) for e in result["data"][mutation]["errors"]]


@pytest.fixture
def unverified(make_user) -> User:
    return make_user("carol", email="carol@example.com", email_verified=False)


def test_a_reset_token_verifies_no_address(api, unverified):
    # given: a reset link of carol's, who has not verified her address
    token = one_time_token_make(purpose="reset_password", user=unverified)
    api.authenticate(unverified)

    # when
    result = api.execute(VERIFY_EMAIL, {"token": token})

    # then
    assert payload_codes(result, "verifyEmail") == [("token", "TOKEN_INVALID")]
    assert User.objects.get(pk=unverified.pk).email_verified is False


def test_an_invitation_token_is_neither_a_reset_nor_a_verification_token(
    api, user, unverified, make_organization
):
    # given: an invitation to carol's address, its raw token as the e-mail carries it
    organization = make_organization(user)
    token = invitation_create(
        actor=user, organization=organization, email="carol@example.com"
    ).token

    # when
    reset = api.execute(RESET_PASSWORD, {"token": token, "newPassword": NEW_PASSWORD})
    api.authenticate(unverified)
    verified = api.execute(VERIFY_EMAIL, {"token": token})

    # then
    assert payload_codes(reset, "resetPassword") == [("token", "TOKEN_INVALID")]
    assert payload_codes(verified, "verifyEmail") == [("token", "TOKEN_INVALID")]
    carol = User.objects.get(pk=unverified.pk)
    assert carol.check_password(PASSWORD) and carol.email_verified is False


@pytest.mark.parametrize("purpose", ["verify_email", "reset_password"])
def test_a_signed_token_names_no_invitation(api, user, make_user, sign_in, purpose):
    # given: bob is signed in, and holds a link token of his own
    bob = make_user("bob", email="bob@example.com")
    api.token = sign_in(bob)["token"]
    token = one_time_token_make(purpose=purpose, user=bob)

    # when
    result = api.execute(ACCEPT, {"by": {"token": token}})

    # then
    assert error_codes(result) == ["NOT_FOUND"]
