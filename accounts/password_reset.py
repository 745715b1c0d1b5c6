"""Services of password reset: ask for a link by e-mail, then set a new password with it.

`password_reset_request` does the same work whatever the address (a throttle check
and one queued task), so neither its answer nor its time says whether the address
has an account; the task looks the address up and mails each active account of it.
The link's token works once, expires (PASSWORD_RESET_TIMEOUT) and dies when the
password or the address changes (accounts/one_time_tokens.py).
"""

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django_tasks import task

from accounts.mail import frontend_link, mail_send_on_commit
from accounts.models import AuditAction, User
from accounts.one_time_tokens import one_time_token_make
from accounts.request_context import current_request_id, request_id_bound
from accounts.services import token_revoke_all
from accounts.sign_up import email_check, mail_requests_throttle, token_check
from accounts.validators import password_length_error


def password_reset_request(*, email: str, request: HttpRequest | None = None) -> None:
    """Queue the reset mail for `email`; throttled per address and per client address."""
    email = email_check(email)
    mail_requests_throttle(email=email, request=request, scope="password-reset")
    transaction.on_commit(
        lambda: password_reset_mail_task.enqueue(email=email, request_id=current_request_id()),
        robust=True,
    )


@task()
def password_reset_mail_task(*, email: str, request_id: str | None = None) -> None:
    """The lookup behind requestPasswordReset, out of the request: mail each active account.

    `request_id`: the id of the request that queued it, on the task's log lines.
    """
    with request_id_bound(request_id or current_request_id()):
        for user in User.objects.filter(email__iexact=email, is_active=True):
            _reset_mail_send(user)


def _reset_mail_send(user: User) -> None:
    mail_send_on_commit(
        to=user.email,
        template="reset_password",
        context={
            "username": user.username,
            "link": frontend_link(
                "reset_password", one_time_token_make(purpose="reset_password", user=user)
            ),
            "expires_minutes": settings.PASSWORD_RESET_TIMEOUT // 60,
        },
    )


def password_reset_confirm(
    *, token: str, new_password: str, request: HttpRequest | None = None
) -> User:
    """Set a new password with a reset link's token; every session of the user ends.

    The reset proves the mailbox too, so the address becomes verified. Raises
    ValidationError on `token` (TOKEN_INVALID, TOKEN_EXPIRED) or `newPassword`
    (the password validators' codes).
    """
    length_error = password_length_error("new_password", new_password)
    if length_error is not None:
        raise length_error
    user = token_check(token, purpose="reset_password", max_age=settings.PASSWORD_RESET_TIMEOUT)
    try:
        password_validation.validate_password(new_password, user)
    except ValidationError as error:
        raise ValidationError({"new_password": error.error_list}) from None
    with transaction.atomic():
        locked = User.objects.select_for_update().filter(pk=user.pk).first()
        if locked is None or locked.password != user.password or not locked.is_active:
            # A concurrent reset (or password change) used the link's moment first.
            raise ValidationError(
                {"token": ValidationError("The link was used already.", code="token_invalid")}
            )
        locked.set_password(new_password)
        locked.email_verified = True
        locked.save(update_fields=["password", "email_verified"])
        # Every refresh token and every access token of the user ends.
        token_revoke_all(user=locked, request=request, audit=AuditAction.PASSWORD_RESET)
    return locked
