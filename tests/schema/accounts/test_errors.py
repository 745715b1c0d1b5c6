"""AccountErrorCode lists every code the accounts domain can put in `errors`."""

import re

import pytest
from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError

from accounts.validators import PASSWORD_MAX_LENGTH
from config.settings.base import BASE_DIR
from schema import schema
from schema.accounts.errors import ACCOUNT_ERROR_CODES, AccountErrorCode

# The validators this test knows how to make fail; a new one must be added here
# (and its codes to AccountErrorCode).
KNOWN_VALIDATORS = {
    "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
    "django.contrib.auth.password_validation.MinimumLengthValidator",
    "django.contrib.auth.password_validation.CommonPasswordValidator",
    "django.contrib.auth.password_validation.NumericPasswordValidator",
    "accounts.validators.MaximumLengthValidator",
}
BAD_PASSWORDS = ["alice", "password", "12345678901234", "x" * (PASSWORD_MAX_LENGTH + 1)]


def codes_in_source() -> set[str]:
    """Every literal `code="..."` in the accounts domain's modules."""
    return {
        code
        for path in (BASE_DIR / "accounts").glob("*.py")
        for code in re.findall(r"""code=["']([a-z_]+)["']""", path.read_text(encoding="utf-8"))
    }


def codes_of_password_validators(user) -> set[str]:
    """Every code the configured password validators raise for some bad password."""
    codes = set()
    for password in BAD_PASSWORDS:
        try:
            password_validation.validate_password(password, user)
        except ValidationError as error:
            codes |= {single.code for single in error.error_list}
    return codes


def test_the_configured_password_validators_are_the_known_ones():
    assert {entry["NAME"] for entry in settings.AUTH_PASSWORD_VALIDATORS} == KNOWN_VALIDATORS


@pytest.mark.django_db
def test_every_code_the_domain_raises_is_listed(user):
    # given
    raised = codes_in_source() | codes_of_password_validators(user)

    # then: each validator made to fail at least once
    assert {
        "password_incorrect",
        "max_length",
        "password_too_short",
        "password_too_common",
        "password_entirely_numeric",
        "password_too_similar",
    } <= raised
    assert {code.upper() for code in raised} <= set(AccountErrorCode.__members__)


def test_the_sdl_enum_is_the_python_enum_each_value_described():
    # given
    published = schema.graphql_schema.get_type("AccountErrorCode")

    # then
    assert list(published.values) == list(AccountErrorCode.__members__)
    assert {name: value.description for name, value in published.values.items()} == (
        ACCOUNT_ERROR_CODES
    )
