"""The admin's password forms, checked under the same sign-in limits as tokenAuth."""

from django.contrib.admin.forms import AdminAuthenticationForm, AdminPasswordChangeForm
from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.views.decorators.debug import sensitive_variables

from accounts.exceptions import RateLimitedError
from accounts.throttling import password_check_throttled

RATE_LIMITED_CODE = "rate_limited"


def _rate_limited_error(refused: RateLimitedError) -> ValidationError:
    return ValidationError(
        "Too many failed password attempts. Try again in %(seconds)s seconds.",
        code=RATE_LIMITED_CODE,
        params={"seconds": refused.retry_after},
    )


class ThrottledAdminAuthenticationForm(AdminAuthenticationForm):
    """/admin/login/: a wrong password counts in tokenAuth's counters, and over the
    limit the password is not checked at all (no hasher run)."""

    # Set when the attempt was refused for being over a limit: the view answers 429.
    retry_after: int | None = None

    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is not None and password:
            try:
                self.user_cache = password_check_throttled(
                    username=username,
                    request=self.request,
                    check=lambda: authenticate(self.request, username=username, password=password),
                )
            except RateLimitedError as refused:
                self.retry_after = refused.retry_after
                raise _rate_limited_error(refused) from refused
            if self.user_cache is None:
                raise self.get_invalid_login_error()
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


class ThrottledAdminPasswordChangeForm(AdminPasswordChangeForm):
    """/admin/password_change/: proving the old password counts like a sign-in."""

    retry_after: int | None = None

    def __init__(self, user, *args, request: HttpRequest | None = None, **kwargs) -> None:
        super().__init__(user, *args, **kwargs)
        self.request = request

    @sensitive_variables("old_password")
    def clean_old_password(self):
        old_password = self.cleaned_data["old_password"]
        try:
            correct = password_check_throttled(
                username=self.user.get_username(),
                request=self.request,
                check=lambda: self.user.check_password(old_password),
            )
        except RateLimitedError as refused:
            self.retry_after = refused.retry_after
            raise _rate_limited_error(refused) from refused
        if not correct:
            raise ValidationError(
                self.error_messages["password_incorrect"], code="password_incorrect"
            )
        return old_password
