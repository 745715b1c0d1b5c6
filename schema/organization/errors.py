"""The codes of organization mutations' payload errors: `OrganizationErrorCode`.

Every code organization.services, the Organization model's fields and their
Django validators can raise is listed (tests/schema/organization/test_errors.py
checks it); anything else becomes INVALID (schema/core/mutations.py).
"""

from enum import StrEnum

from schema.core.codes import described_enum
from schema.core.mutations import BaseMutation, errors_field, payload_error_type

ORGANIZATION_ERROR_CODES: dict[str, str] = {
    "INVALID": (
        "The value is malformed: a slug with characters other than letters, digits, `-` "
        "and `_`; an e-mail address or URL that is not one; an unknown role; a null "
        "isActive. Also any "
        "problem without a more precise code."
    ),
    "BLANK": "The value is empty and must not be (the name; a slug given as empty text).",
    "NULL": "The value is null and this field cannot be cleared (name, slug).",
    "MAX_LENGTH": "The text is longer than the field allows (see the argument's description).",
    "UNIQUE": "The slug is taken by another organization (even one you cannot see).",
    "NOT_FOUND": "No active user has this username (addMember, which only staff may use).",
    "ALREADY_MEMBER": (
        "The user is already a member of the organization (inviteMember: a member has this "
        "verified e-mail address; acceptInvitation: you are one)."
    ),
    "NOT_MEMBER": "The user (or you, leaving) is not a member of the organization.",
    "LAST_OWNER": "The change would leave the organization without an OWNER.",
    "ALREADY_INVITED": (
        "The address has a pending invitation to this organization: resend or revoke it."
    ),
    "INVITATION_EXPIRED": (
        "The invitation has expired (INVITATION_EXPIRY_SECONDS after it was last sent); an "
        "ADMIN can resend it."
    ),
    "INVITATION_ACCEPTED": "The invitation was accepted already.",
    "INVITATION_DECLINED": "The invitation was declined already.",
    "INVITATION_REVOKED": "The invitation was revoked; its link is dead.",
    "EMAIL_NOT_VERIFIED": (
        "Your e-mail address is not verified: verify it (verifyEmail) before creating an "
        "organization or accepting or declining an invitation."
    ),
    "EMAIL_MISMATCH": (
        "The invitation is for another e-mail address than your verified one: sign in with "
        "the invited account, or ask for an invitation to your address."
    ),
    "SOLE_OWNER": (
        "The user is the only OWNER of an organization: transfer its ownership first "
        "(deleting or deactivating an account)."
    ),
}

OrganizationErrorCode = StrEnum(
    "OrganizationErrorCode", {name: name for name in ORGANIZATION_ERROR_CODES}
)

OrganizationErrorCodeType = described_enum(
    OrganizationErrorCode,
    ORGANIZATION_ERROR_CODES,
    name="OrganizationErrorCode",
    description="What is wrong with the input of an organization or membership mutation.",
)

OrganizationError = payload_error_type(
    "OrganizationError", OrganizationErrorCodeType, domain="an organization or membership"
)


class OrganizationBaseMutation(BaseMutation):
    """A mutation of organizations or memberships: its `errors` are OrganizationErrors."""

    class Meta:
        abstract = True

    error_type = OrganizationError
    error_codes = OrganizationErrorCode
    errors = errors_field(OrganizationError)
