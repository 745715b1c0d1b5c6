"""Bounds on what a client can hand the password hasher and the user lookups."""

from django.core.exceptions import ValidationError

# Far above any password manager's output, far below what costs the hasher (or
# a similarity check) noticeable time. Django itself had such a bound until 1.6.
PASSWORD_MAX_LENGTH = 4096


def password_length_error(field: str, password: str) -> ValidationError | None:
    """A MAX_LENGTH error for `field` when `password` is longer than any we accept."""
    if len(password) <= PASSWORD_MAX_LENGTH:
        return None
    return ValidationError(
        {
            field: ValidationError(
                "Passwords have at most %(limit_value)d characters (this one has %(show_value)d).",
                code="max_length",
                params={"limit_value": PASSWORD_MAX_LENGTH, "show_value": len(password)},
            )
        }
    )


class MaximumLengthValidator:
    """A password validator (AUTH_PASSWORD_VALIDATORS): no password longer than the bound.

    The API refuses longer passwords before hashing; this keeps every other door
    (the admin, `manage.py changepassword`) from setting one nobody could sign in with.
    """

    def __init__(self, max_length: int = PASSWORD_MAX_LENGTH) -> None:
        self.max_length = max_length

    def validate(self, password: str, user=None) -> None:
        if len(password) > self.max_length:
            raise ValidationError(
                "This password is too long. It must contain at most %(max_length)d characters.",
                code="max_length",
                params={"max_length": self.max_length},
            )

    def get_help_text(self) -> str:
        return f"Your password must contain at most {self.max_length} characters."
