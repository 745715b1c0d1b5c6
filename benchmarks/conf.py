"""Configuration of the reference endpoints, shared by benchmarks.settings and the tests.

Plain functions of plain values: settings modules import this before Django is set up.
"""

from typing import Any

PAGE_SIZE = 50
MEMBERS_PER_ORGANIZATION = 10
# The 8 scalar fields of the flat page, by model field name.
FIELDS = (
    "id",
    "name",
    "slug",
    "description",
    "contact_email",
    "website",
    "is_active",
    "created_at",
)


def simple_jwt_settings(
    *, signing_key: str, algorithm: str, issuer: str | None, audience: str | None
) -> dict[str, Any]:
    """SIMPLE_JWT that makes simplejwt's JWTAuthentication accept the API's access tokens."""
    return {
        "SIGNING_KEY": signing_key,
        "ALGORITHM": algorithm,
        "ISSUER": issuer,
        "AUDIENCE": audience,
        "USER_ID_FIELD": "id",
        "USER_ID_CLAIM": "user_id",
        "TOKEN_TYPE_CLAIM": "token_type",
        "JTI_CLAIM": "jti",
        "AUTH_HEADER_TYPES": ("Bearer",),
        "UPDATE_LAST_LOGIN": False,
    }
