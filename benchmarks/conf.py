"""Configuration of the reference endpoints, shared by benchmarks.settings and the tests.

Plain functions of plain values: settings modules import this before Django is set up.
"""

from dataclasses import dataclass
from typing import Any

PAGE_SIZE = 50
MEMBERS_PER_ORGANIZATION = 10
# The deep page: DRF's ?page=19, the organizations after the first 900; GraphQL
# asks for the same 50 by keyset cursor. A smaller seed takes its last full page.
DEEP_PAGE_NUMBER = 19
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


@dataclass(frozen=True)
class Shape:
    """One shape of data and of the DRF author's nested serializer (issue 15, "Why")."""

    name: str
    description: str
    # Members of each organization besides the reader.
    other_members: int
    # The DRF nested page of this shape (benchmarks/references.py).
    drf_nested_path: str


SHAPES: dict[str, Shape] = {
    shape.name: shape
    for shape in (
        Shape(
            name="A",
            description="about 5 members an organization; DRF nests a user serializer "
            "in the member serializer, memberships prefetched with their users joined",
            other_members=4,
            drf_nested_path="/bench/drf/organizations-with-members/",
        ),
        Shape(
            name="B",
            description="3 members an organization; DRF flattens username into the member "
            '(CharField(source="user.username")), one prefetch_related("memberships__user")',
            other_members=2,
            drf_nested_path="/bench/drf/organizations-with-usernames/",
        ),
    )
}


def deep_page_number(visible: int) -> int:
    """DRF's page number of the deep page: page 19, or the last full page of a small seed."""
    return max(1, min(DEEP_PAGE_NUMBER, visible // PAGE_SIZE))


def pbkdf2_first(hashers: list[str]) -> list[str]:
    """`hashers` with Django's PBKDF2 hasher preferred: the sign-in of before issue 15.

    Every other hasher stays, so hashes of any kind still verify; a PBKDF2 hash
    at Django's iteration count is then never upgraded on sign-in.
    """
    pbkdf2 = "django.contrib.auth.hashers.PBKDF2PasswordHasher"
    return [pbkdf2, *(hasher for hasher in hashers if hasher != pbkdf2)]
