"""Services of sign-up: register, verify the e-mail address, send the verification again.

Nothing here tells a stranger whether an e-mail address has an account: `register`
with an address already registered answers as if it worked and mails the owner
instead; `resendVerificationEmail` answers the same for any address and looks the
address up in the task, not the request. A username is public (it is what members
see), so a taken one is said plainly (USERNAME_TAKEN).
"""

import logging

from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django_tasks import task

from accounts.exceptions import RateLimitedError
from accounts.mail import frontend_link, mail_send_on_commit
from accounts.models import User
from accounts.one_time_tokens import OneTimeTokenError, one_time_token_make, one_time_token_user
from accounts.request_context import current_request_id, request_id_bound
from accounts.throttling import client_ip, email_identity, ip_identity, requests_throttle
from accounts.validators import password_length_error

logger = logging.getLogger(__name__)

EMAIL_MAX_LENGTH = User._meta.get_field("email").max_length
USERNAME_MAX_LENGTH = User._meta.get_field("username").max_length
# Longer than any token one_time_token_make makes; refused before any work.
TOKEN_MAX_LENGTH = 512


def email_check(email: str, *, field: str = "email") -> str:
    """`email` trimmed, or a ValidationError (INVALID, MAX_LENGTH) keyed by `field`."""
    email = email.strip()
    if len(email) > EMAIL_MAX_LENGTH:
        raise ValidationError(
            {
                field: ValidationError(
                    "E-mail addresses have at most %(limit_value)d characters.",
                    code="max_length",
                    params={"limit_value": EMAIL_MAX_LENGTH},
                )
            }
        )
    try:
        EmailValidator(message="Enter a valid e-mail address.", code="invalid")(email)
    except ValidationError as error:
        raise ValidationError({field: error}) from None
    return email


def token_check(token: str, *, purpose: str, max_age: int) -> User:
    """The user of a one-time `token`, or a ValidationError on `token` (TOKEN_INVALID/EXPIRED)."""
    try:
        if len(token) > TOKEN_MAX_LENGTH:
            raise OneTimeTokenError()
        return one_time_token_user(purpose=purpose, token=token, max_age=max_age)
    except OneTimeTokenError as error:
        message = (
            "The link has expired: ask for a new one."
            if error.code == "token_expired"
            else "The link is invalid or was used already: ask for a new one."
        )
        raise ValidationError({"token": ValidationError(message, code=error.code)}) from None


def _verification_mail_send(user: User) -> None:
    mail_send_on_commit(
        to=user.email,
        template="verify_email",
        context={
            "username": user.username,
            "email": user.email,
            "link": frontend_link(
                "verify_email", one_time_token_make(purpose="verify_email", user=user)
            ),
            "expires_hours": settings.EMAIL_VERIFICATION_TIMEOUT // 3600,
        },
    )


def _username_errors(username: str) -> list[ValidationError]:
    field = User._meta.get_field("username")
    if not username:
        return [ValidationError("Choose a username.", code="blank")]
    if len(username) > USERNAME_MAX_LENGTH:
        return [
            ValidationError(
                "Usernames have at most %(limit_value)d characters.",
                code="max_length",
                params={"limit_value": USERNAME_MAX_LENGTH},
            )
        ]
    errors = []
    for validator in field.validators:
        try:
            validator(username)
        except ValidationError as error:
            errors.extend(error.error_list)
    if not errors and User.objects.filter(username__iexact=username).exists():
        errors.append(_username_taken())
    return errors


def _username_taken() -> ValidationError:
    return ValidationError("This username is taken: choose another.", code="username_taken")


def user_register(
    *, email: str, username: str, password: str, request: HttpRequest | None = None
) -> None:
    """Create an unverified account and mail its verification link.

    Throttled per client address (SIGN_UPS_PER_IP), every attempt counted. With an
    e-mail address that already has an account, nothing is created and the owner is
    mailed instead; the answer is the same. Raises ValidationError for bad input
    (SIGN_UP_DISABLED, USERNAME_TAKEN, the password validators' codes, ...).
    """
    if not settings.SIGN_UP_ENABLED:
        raise ValidationError("Sign-up is closed on this server.", code="sign_up_disabled")
    ip = client_ip(request)
    if ip:
        # Counted as the other throttles count: an IPv6 client by its /64, which one
        # host owns whole (a count per address would let it sign up without bound).
        requests_throttle(
            scope="sign-up", limits={ip_identity(ip): settings.SIGN_UPS_PER_IP}, what="sign-ups"
        )
    errors: dict[str, list[ValidationError]] = {}
    try:
        email = email_check(email)
    except ValidationError as error:
        errors.update(error.error_dict)
    username_errors = _username_errors(username)
    if username_errors:
        errors["username"] = username_errors
    length_error = password_length_error("password", password)
    if length_error is not None:
        errors.update(length_error.error_dict)
    else:
        try:
            password_validation.validate_password(password, User(username=username, email=email))
        except ValidationError as error:
            errors["password"] = error.error_list
    if errors:
        raise ValidationError(errors)

    owners = list(User.objects.filter(email__iexact=email))
    if owners:
        # The same work as a sign-up (hashing included), and a mail to the owner
        # in place of the verification link: the answer reveals nothing.
        make_password(password)
        if _registration_attempt_mail_allowed(email):
            for owner in owners:
                _registration_attempt_mail_send(owner)
        return
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                username=username, email=email, password=password, email_verified=False
            )
            _verification_mail_send(user)
    except IntegrityError:
        # A concurrent sign-up took the username between the check and the insert.
        raise ValidationError({"username": _username_taken()}) from None


def _registration_attempt_mail_allowed(email: str) -> bool:
    """Whether the owner of `email` may get one more warning in this window.

    Counted per address (MAIL_REQUESTS_PER_ADDRESS), as the other mails a stranger
    can trigger: else sign-ups from many client addresses could flood one mailbox.
    Past the budget the mail is dropped silently: a RATE_LIMITED answer would tell
    a taken address from a new one.
    """
    try:
        requests_throttle(
            scope="registration-attempt",
            limits={f"address:{email_identity(email)}": settings.MAIL_REQUESTS_PER_ADDRESS},
            what="e-mail requests",
        )
    except RateLimitedError:
        logger.info("A registration-attempt warning was not sent: over the address's budget.")
        return False
    return True


def _registration_attempt_mail_send(owner: User) -> None:
    mail_send_on_commit(
        to=owner.email,
        template="registration_attempt",
        context={
            "username": owner.username,
            "email": owner.email,
            "link": frontend_link(
                "reset_password", one_time_token_make(purpose="reset_password", user=owner)
            ),
        },
    )


def user_email_verify(*, token: str, user: User) -> User:
    """Mark the address of the token's user verified, when `user` (the signed-in caller)
    is that user; the token works once (ValidationError on `token`).

    The link proves the mailbox; being signed in proves the password. Both are
    needed: else a stranger who registers someone else's address first (an
    account "pre-hijack") gets it verified the moment its owner clicks the link,
    and with it the invitations sent to that address. The owner of the address
    takes such an account over with a password reset, which verifies it too.
    """
    owner = token_check(token, purpose="verify_email", max_age=settings.EMAIL_VERIFICATION_TIMEOUT)
    if owner.pk != user.pk:
        raise ValidationError(
            {
                "token": ValidationError(
                    "This link is for another account: sign in as the account it was sent "
                    "to. If you did not create that account, ignore the link, or reset its "
                    "password to take the address back.",
                    code="token_invalid",
                )
            }
        )
    user = owner
    # The conditional UPDATE consumes the token: of two concurrent uses, one wins.
    verified = User.objects.filter(pk=user.pk, email=user.email, email_verified=False).update(
        email_verified=True
    )
    if not verified:
        raise ValidationError(
            {"token": ValidationError("The link was used already.", code="token_invalid")}
        )
    user.email_verified = True
    return user


def verification_email_resend(*, email: str, request: HttpRequest | None = None) -> None:
    """Mail a new verification link to an unverified account of `email`, if there is one.

    The same answer, and the same work in the request, whatever the address: the
    lookup happens in the task. Throttled per address and per client address.
    """
    email = email_check(email)
    mail_requests_throttle(email=email, request=request, scope="resend-verification")
    transaction.on_commit(
        lambda: verification_mail_task.enqueue(email=email, request_id=current_request_id()),
        robust=True,
    )


@task()
def verification_mail_task(*, email: str, request_id: str | None = None) -> None:
    """The lookup behind resendVerificationEmail, out of the request (`request_id`: its id)."""
    with request_id_bound(request_id or current_request_id()):
        users = User.objects.filter(email__iexact=email, email_verified=False, is_active=True)
        for user in users:
            _verification_mail_send(user)


def mail_requests_throttle(*, email: str, request: HttpRequest | None, scope: str) -> None:
    """Count a request that mails `email` (MAIL_REQUESTS_PER_*), or raise RateLimitedError."""
    # The client's address first: once it is over its budget, a request with yet
    # another e-mail address writes no counter for that address.
    limits = {}
    ip = client_ip(request)
    if ip:
        limits[f"ip:{ip_identity(ip)}"] = settings.MAIL_REQUESTS_PER_IP
    limits[f"address:{email_identity(email)}"] = settings.MAIL_REQUESTS_PER_ADDRESS
    requests_throttle(scope=scope, limits=limits, what="e-mail requests")
