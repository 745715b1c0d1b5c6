"""Sign-up and password reset: register, verifyEmail, resendVerificationEmail,
requestPasswordReset and resetPassword.

None needs a signed-in user (a link from an e-mail may open on another device),
except verifyEmail: the link proves the mailbox, signing in proves the password.
Input problems come back in `errors` (AccountError); throttling is the top-level
RATE_LIMITED with `extensions.retryAfter`.
"""

import graphene

from accounts.password_reset import password_reset_confirm, password_reset_request
from accounts.sign_up import user_email_verify, user_register, verification_email_resend
from accounts.validators import PASSWORD_MAX_LENGTH
from schema.accounts.errors import AccountBaseMutation
from schema.core.auth import login_required

EMAIL_DESCRIPTION = "An e-mail address (at most 254 characters)."
TOKEN_DESCRIPTION = "The token from the link in the e-mail (the `{token}` part)."
SAME_ANSWER = (
    "The answer is the same whether or not the address has an account, so it tells "
    "nobody which addresses do; the e-mail, if any, is sent by the task queue."
)


class Register(AccountBaseMutation):
    class Meta:
        description = (
            "Create an account and send its e-mail verification link. The account can sign "
            "in at once (tokenAuth) but cannot create organizations or accept invitations "
            "until the address is verified (verifyEmail). With an address that already has "
            "an account nothing is created and its owner gets an e-mail instead: the "
            "answer is the same (`accepted: true`). A taken username is USERNAME_TAKEN. "
            "SIGN_UP_DISABLED when sign-up is off; RATE_LIMITED past SIGN_UPS_PER_IP."
        )

    class Arguments:
        email = graphene.String(required=True, description=EMAIL_DESCRIPTION)
        username = graphene.String(
            required=True,
            description=(
                "The name to sign in with, shown to fellow members: at most 150 letters, "
                "digits and @ . + - _; unique without regard to case."
            ),
        )
        password = graphene.String(
            required=True,
            description=(
                "The password; it must pass the server's password validators (at most "
                f"{PASSWORD_MAX_LENGTH} characters)."
            ),
        )

    accepted = graphene.Boolean(
        description="True when the sign-up was accepted: look for the e-mail. Null on errors."
    )

    @classmethod
    def perform_mutation(cls, root, info, email: str, username: str, password: str):
        user_register(email=email, username=username, password=password, request=info.context)
        return cls(accepted=True)


class VerifyEmail(AccountBaseMutation):
    class Meta:
        description = (
            "Confirm the signed-in user's e-mail address with the token of the "
            "verification link. Needs the user the link was sent to be signed in "
            "(UNAUTHENTICATED without a token): the link proves the mailbox, the sign-in "
            "the password. The token works once and expires (EMAIL_VERIFICATION_TIMEOUT): "
            "TOKEN_INVALID (also for another account's link), TOKEN_EXPIRED on `token`."
        )

    class Arguments:
        token = graphene.String(required=True, description=TOKEN_DESCRIPTION)

    verified = graphene.Boolean(description="True once the address is verified. Null on errors.")

    @classmethod
    @login_required
    def perform_mutation(cls, root, info, token: str):
        user_email_verify(token=token, user=info.context.user)
        return cls(verified=True)


class EmailRequestMutation(AccountBaseMutation):
    """A request for an e-mail to an address: the same answer whether or not it has an account.

    A subclass names the service that does the work (`send`), which takes the
    address and the request (for the per-address and per-IP budgets).
    """

    class Meta:
        abstract = True

    class Arguments:
        email = graphene.String(required=True, description=EMAIL_DESCRIPTION)

    accepted = graphene.Boolean(description="True when the request was accepted. Null on errors.")

    send = None

    @classmethod
    def perform_mutation(cls, root, info, email: str):
        cls.send(email=email, request=info.context)
        return cls(accepted=True)


class ResendVerificationEmail(EmailRequestMutation):
    class Meta:
        description = (
            "Send a new verification link to the account of this address, if it has one "
            f"that is not verified yet. {SAME_ANSWER} RATE_LIMITED past "
            "MAIL_REQUESTS_PER_ADDRESS or MAIL_REQUESTS_PER_IP."
        )

    send = staticmethod(verification_email_resend)


class RequestPasswordReset(EmailRequestMutation):
    class Meta:
        description = (
            "Send a password reset link to each active account of this address. "
            f"{SAME_ANSWER} It also takes the same time. RATE_LIMITED past "
            "MAIL_REQUESTS_PER_ADDRESS or MAIL_REQUESTS_PER_IP."
        )

    send = staticmethod(password_reset_request)


class ResetPassword(AccountBaseMutation):
    class Meta:
        description = (
            "Set a new password with the token of a reset link. The token works once, "
            "expires (PASSWORD_RESET_TIMEOUT, 1 hour by default) and dies when the password "
            "changes (TOKEN_INVALID, TOKEN_EXPIRED on `token`); the new password must pass "
            "the password validators (on `newPassword`). Every session of the user ends, "
            "access tokens included: sign in again with tokenAuth. Verifies the address too."
        )

    class Arguments:
        token = graphene.String(required=True, description=TOKEN_DESCRIPTION)
        new_password = graphene.String(
            required=True,
            description=(
                "The new password; it must pass the server's password validators (at most "
                f"{PASSWORD_MAX_LENGTH} characters)."
            ),
        )

    password_changed = graphene.Boolean(
        description="True once the password is changed. Null on errors."
    )

    @classmethod
    def perform_mutation(cls, root, info, token: str, new_password: str):
        password_reset_confirm(token=token, new_password=new_password, request=info.context)
        return cls(password_changed=True)


class SignUpMutation(graphene.ObjectType):
    register = Register.Field()
    verify_email = VerifyEmail.Field()
    resend_verification_email = ResendVerificationEmail.Field()
    request_password_reset = RequestPasswordReset.Field()
    reset_password = ResetPassword.Field()
