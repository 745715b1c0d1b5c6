"""The codes of account mutations' payload errors: `AccountErrorCode`.

Every code accounts.services, accounts.validators and the configured password
validators (AUTH_PASSWORD_VALIDATORS) can raise is listed
(tests/schema/accounts/test_errors.py checks it); anything else becomes INVALID
(schema/core/mutations.py).
"""

from enum import StrEnum

from schema.core.codes import described_enum
from schema.core.mutations import BaseMutation, errors_field, payload_error_type

ACCOUNT_ERROR_CODES: dict[str, str] = {
    "INVALID": "Any problem without a more precise code.",
    "MAX_LENGTH": "A password (or username) longer than any the server accepts.",
    "PASSWORD_INCORRECT": "The old password is wrong.",
    "PASSWORD_TOO_SHORT": "The new password is shorter than the minimum length.",
    "PASSWORD_TOO_COMMON": "The new password is on the list of common passwords.",
    "PASSWORD_ENTIRELY_NUMERIC": "The new password has only digits.",
    "PASSWORD_TOO_SIMILAR": (
        "The new password is too close to the username, name or e-mail address."
    ),
}

AccountErrorCode = StrEnum("AccountErrorCode", {name: name for name in ACCOUNT_ERROR_CODES})

AccountErrorCodeType = described_enum(
    AccountErrorCode,
    ACCOUNT_ERROR_CODES,
    name="AccountErrorCode",
    description="What is wrong with the input of an account mutation (changePassword).",
)

AccountError = payload_error_type("AccountError", AccountErrorCodeType, domain="an account")


class AccountBaseMutation(BaseMutation):
    """A mutation of the signed-in user's account: its `errors` are AccountErrors."""

    class Meta:
        abstract = True

    error_type = AccountError
    error_codes = AccountErrorCode
    errors = errors_field(AccountError)
